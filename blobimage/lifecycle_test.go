package blobimage_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// fitSpec is a fit variant of the given box.
func fitSpec(name string, box int) variants.Spec {
	return variants.Spec{Name: name, Processors: []variants.Processor{variants.Fit{Width: box, Height: box}}}
}

// configWith is a config with one photos/** rule (kept originals, GPS
// stripped) making specs.
func configWith(specs ...variants.Spec) config {
	return config{Config: variants.Config{Rules: []variants.Rule{{
		Match: "photos/**", Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
		Variants: specs,
	}}}}
}

// wrapWith wraps inner with cfg.
func wrapWith(t testing.TB, inner *blob.Bucket, cfg config) *blobimage.Store {
	t.Helper()
	s, err := cfg.wrap(inner)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reconcile runs Reconcile with orphans of any age removed.
func reconcile(t testing.TB, s *blobimage.Store, opts blobimage.ReconcileOptions) *blobimage.ReconcileStats {
	t.Helper()
	if opts.OrphanAge == 0 {
		opts.OrphanAge = -1
	}
	st, err := s.Reconcile(context.Background(), opts)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if len(st.Failures) > 0 {
		t.Fatalf("Reconcile failures: %v", st.Failures)
	}
	return st
}

// checkComplete fails unless every original under photos/ has exactly the
// variants named, all ready, each object present with the dimensions the
// ImageFile gives (and fitting box[name]), and no variant object is
// unreferenced.
func checkComplete(t *testing.T, s *blobimage.Store, inner *blob.Bucket, box map[string]int) {
	t.Helper()
	ctx := context.Background()
	for _, k := range keys(t, s.Bucket) {
		if !strings.HasPrefix(k, "photos/") {
			continue
		}
		f, err := s.Image(ctx, k)
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		var names []string
		for name, v := range f.Variants {
			names = append(names, name)
			if v.State != blobimage.Ready {
				t.Errorf("%s: variant %s is %s", k, name, v.State)
				continue
			}
			ok, err := inner.Exists(ctx, v.Key)
			if err != nil || !ok {
				t.Errorf("%s: variant %s object %s missing (%v)", k, name, v.Key, err)
				continue
			}
			img, _ := decodeKey(t, inner, v.Key)
			got := img.Bounds().Size()
			if got != image.Pt(v.Width, v.Height) {
				t.Errorf("%s: variant %s is %v, ImageFile says %dx%d", k, name, got, v.Width, v.Height)
			}
			if b := box[name]; got.X > b || got.Y > b || (got.X != b && got.Y != b) {
				t.Errorf("%s: variant %s is %v, want a fit in %d", k, name, got, b)
			}
			// Every alternate encoding is there too, the same rendering.
			for _, e := range v.Alternates {
				a, err := inner.Attributes(ctx, e.Key)
				if err != nil {
					t.Errorf("%s: variant %s in %s: %v", k, name, e.Format, err)
					continue
				}
				if a.Size != e.Size || a.ContentType != e.ContentType {
					t.Errorf("%s: variant %s in %s: stored %d bytes of %s, ImageFile says %d of %s", k, name, e.Format, a.Size, a.ContentType, e.Size, e.ContentType)
				}
				if img, f := decodeKey(t, inner, e.Key); f != e.Format || img.Bounds().Size() != got {
					t.Errorf("%s: variant %s in %s decodes as %s %v, want %v", k, name, e.Format, f, img.Bounds().Size(), got)
				}
			}
		}
		slices.Sort(names)
		var want []string
		for name := range box {
			want = append(want, name)
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s: variants %v, want %v", k, names, want)
		}
	}
	if o := orphans(t, s, inner); len(o) > 0 {
		t.Errorf("orphans left: %v", o)
	}
}

// TestLifecycle walks a bucket through what happens to one in production:
// a spec added, a spec removed, a variant deleted out of band, an original
// written past the wrapper, a crash in the middle of a fan-out, each
// followed by Reconcile (and, where it applies, a lazy read), over memblob
// and fileblob.
func TestLifecycle(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			inner := open(t)
			t.Cleanup(func() { _ = inner.Close() })
			small, medium := fitSpec("small", 40), fitSpec("medium", 100)

			s := wrapWith(t, inner, configWith(small))
			for i := range 5 {
				put(t, s, fmt.Sprintf("photos/%d.jpg", i), patternJPEG(300+10*i, 200, nil))
			}
			put(t, s, "notes.txt", []byte("not an image, not under a rule"))
			checkComplete(t, s, inner, map[string]int{"small": 40})

			// Spec added: the ImageFile lists it as pending at once; a dry
			// run plans it and changes nothing; regen makes it.
			s = wrapWith(t, inner, configWith(small, medium))
			if v := imageFile(t, s, "photos/0.jpg").Variants["medium"]; v.State != blobimage.Pending || v.URL != "" {
				t.Errorf("new spec before regen: %+v, want pending without URL", v)
			}
			before := snap(t, inner)
			st := reconcile(t, s, blobimage.ReconcileOptions{DryRun: true})
			if st.Created != 5 || st.Scanned != 5 {
				t.Errorf("dry run: %+v, want 5 scanned, 5 created", st)
			}
			if after := snap(t, inner); len(after) != len(before) {
				t.Errorf("dry run changed the bucket: %d objects, then %d", len(before), len(after))
			}
			st = reconcile(t, s, blobimage.ReconcileOptions{})
			if st.Created != 5 || st.Unchanged != 0 || st.Written == 0 {
				t.Errorf("spec added: %+v, want 5 created", st)
			}
			checkComplete(t, s, inner, map[string]int{"small": 40, "medium": 100})
			if st := reconcile(t, s, blobimage.ReconcileOptions{}); st.Unchanged != 5 || st.Created+st.Orphans != 0 {
				t.Errorf("second regen: %+v, want all unchanged", st)
			}

			// Spec changed and spec removed.
			s = wrapWith(t, inner, configWith(fitSpec("medium", 120)))
			if v := imageFile(t, s, "photos/1.jpg").Variants["small"]; v.State != blobimage.Stale {
				t.Errorf("dropped spec before regen: %s, want stale", v.State)
			}
			st = reconcile(t, s, blobimage.ReconcileOptions{})
			if st.Dropped != 5 || st.Regenerated != 5 || st.Deleted == 0 {
				t.Errorf("spec removed and changed: %+v, want 5 dropped, 5 regenerated", st)
			}
			checkComplete(t, s, inner, map[string]int{"medium": 120})

			// A variant deleted out of band: a plain read through the
			// wrapped bucket makes it again; so does regen.
			v := imageFile(t, s, "photos/2.jpg").Variants["medium"]
			if err := inner.Delete(ctx, v.Key); err != nil {
				t.Fatal(err)
			}
			data, err := s.Bucket.ReadAll(ctx, v.Key)
			if err != nil {
				t.Fatalf("lazy read of a deleted variant: %v", err)
			}
			if int64(len(data)) == 0 {
				t.Fatal("lazy read returned nothing")
			}
			checkComplete(t, s, inner, map[string]int{"medium": 120})
			if err := inner.Delete(ctx, v.Key); err != nil {
				t.Fatal(err)
			}
			if st := reconcile(t, s, blobimage.ReconcileOptions{}); st.Restored != 1 {
				t.Errorf("regen after out-of-band delete: %+v, want 1 restored", st)
			}
			checkComplete(t, s, inner, map[string]int{"medium": 120})

			// Originals written past the wrapper: an image is adopted
			// (variants, manifest, the rule's GPS stripping); a non-image
			// is left alone.
			gps := &testimage.EXIF{Make: "Test", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
			if err := inner.WriteAll(ctx, "photos/past.jpg", patternJPEG(320, 240, gps), nil); err != nil {
				t.Fatal(err)
			}
			if err := inner.WriteAll(ctx, "photos/readme.txt", []byte("hello"), nil); err != nil {
				t.Fatal(err)
			}
			st = reconcile(t, s, blobimage.ReconcileOptions{})
			if st.Adopted != 1 || st.NotImages != 1 {
				t.Errorf("past the wrapper: %+v, want 1 adopted, 1 not an image", st)
			}
			if got, _ := inner.ReadAll(ctx, "photos/readme.txt"); string(got) != "hello" {
				t.Errorf("non-image changed: %q", got)
			}
			if err := inner.Delete(ctx, "photos/readme.txt"); err != nil {
				t.Fatal(err)
			}
			f := imageFile(t, s, "photos/past.jpg")
			if f.Width != 320 || f.Metadata.GPS != nil || f.Metadata.Make != "Test" {
				t.Errorf("adopted: %+v", f)
			}
			stored, _ := inner.ReadAll(ctx, "photos/past.jpg")
			if md, _ := metadata.Read(codecs.JPEG, stored); md.GPS != nil || md.Make != "Test" {
				t.Errorf("adopted original keeps GPS %v (make %q): the rule strips it", md.GPS, md.Make)
			}
			checkComplete(t, s, inner, map[string]int{"medium": 120})

			// A crash in the middle of a fan-out: the original's write fails
			// and so does every clean-up delete, leaving variants no
			// manifest references. Regen removes them.
			fb, faults := drivertest.NewFaultBucket(inner)
			fs := wrapWith(t, fb, configWith(fitSpec("medium", 120)))
			faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: 1, Match: func(k string) bool { return k == "photos/3.jpg" }})
			for n := 1; n <= 4; n++ {
				faults.Add(drivertest.Fault{Op: drivertest.OpDelete, N: n})
			}
			if err := fs.Bucket.WriteAll(ctx, "photos/3.jpg", patternJPEG(500, 400, nil), nil); !errors.Is(err, drivertest.ErrInjected) {
				t.Fatalf("faulty write: %v", err)
			}
			if o := orphans(t, s, inner); len(o) == 0 {
				t.Fatal("the crash left no orphans to clean up")
			}
			if st := reconcile(t, s, blobimage.ReconcileOptions{OrphanAge: -1}); st.Orphans == 0 {
				t.Errorf("regen after crash: %+v, want orphans removed", st)
			}
			checkComplete(t, s, inner, map[string]int{"medium": 120})
			if f := imageFile(t, s, "photos/3.jpg"); f.Width != 330 {
				t.Errorf("previous version lost: width %d", f.Width)
			}
		})
	}
}

// TestReconcileOrphanAge: unreferenced variants younger than OrphanAge are
// left alone (a write may be in flight), older ones removed.
func TestReconcileOrphanAge(t *testing.T) {
	s, inner := newStore(t, configWith(fitSpec("small", 40)))
	put(t, s, "photos/a.jpg", patternJPEG(200, 100, nil))
	ctx := context.Background()
	stray := blobimage.DefaultVariantPrefix + "photos/a.jpg/0123456789abcdef-01234567/small-00000000.jpg"
	if err := inner.WriteAll(ctx, stray, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	st, err := s.Reconcile(ctx, blobimage.ReconcileOptions{})
	if err != nil || st.Orphans != 0 {
		t.Fatalf("default age: %+v, %v: want the fresh orphan kept", st, err)
	}
	if ok, _ := inner.Exists(ctx, stray); !ok {
		t.Fatal("fresh orphan removed")
	}
	st = reconcile(t, s, blobimage.ReconcileOptions{OrphanAge: -1})
	if st.Orphans != 1 || st.Deleted != 1 {
		t.Fatalf("any age: %+v, want 1 orphan of 1 byte", st)
	}
	if ok, _ := inner.Exists(ctx, stray); ok {
		t.Fatal("orphan kept")
	}
}

// TestReconcileResume interrupts a walk after two originals and resumes it
// from the token: every original ends complete.
func TestReconcileResume(t *testing.T) {
	inner := backends["mem"](t)
	s := wrapWith(t, inner, configWith(fitSpec("small", 40)))
	for i := range 6 {
		put(t, s, fmt.Sprintf("photos/%d.jpg", i), patternJPEG(100+i, 80, nil))
	}
	s = wrapWith(t, inner, configWith(fitSpec("small", 40), fitSpec("medium", 60)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := s.Reconcile(ctx, blobimage.ReconcileOptions{PageSize: 2, Concurrency: 1, OrphanAge: -1,
		Progress: func(st blobimage.ReconcileStats) {
			if st.Scanned == 3 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || st.ResumeToken == "" {
		t.Fatalf("interrupted walk: %v, token %q", err, st.ResumeToken)
	}
	if st.Created < 2 || st.Created > 3 {
		t.Errorf("interrupted after %d created", st.Created)
	}
	if _, err := s.Reconcile(context.Background(), blobimage.ReconcileOptions{Resume: st.ResumeToken, Prefix: "other/"}); err == nil {
		t.Error("a token used with another prefix was accepted")
	}
	rest := reconcile(t, s, blobimage.ReconcileOptions{PageSize: 2, Resume: st.ResumeToken})
	if rest.Scanned >= 6 || st.Created+rest.Created != 6 {
		t.Errorf("resumed: %+v after %+v: want the rest only, 6 created in all", rest, st)
	}
	checkComplete(t, s, inner, map[string]int{"small": 40, "medium": 60})
}

// TestLazyFanOut: with Lazy fan-out a write stores the original with its
// variants pending; the first read of each (by plain NewReader on the
// wrapped bucket, or by ImageFile.URL) makes it, once, even when many
// readers in this process and in another (a second Store over the same
// bucket) race.
func TestLazyFanOut(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			inner := open(t)
			t.Cleanup(func() { _ = inner.Close() })
			counted, faults := drivertest.NewFaultBucket(inner)
			cfg := configWith(fitSpec("small", 40), fitSpec("medium", 100))
			cfg.FanOut = blobimage.Lazy
			s1 := wrapWith(t, counted, cfg)
			s2 := wrapWith(t, counted, cfg) // another process
			put(t, s1, "photos/a.jpg", patternJPEG(400, 300, nil))
			if n := faults.Count(drivertest.OpWrite); n != 1 {
				t.Errorf("lazy write did %d writes, want only the original", n)
			}
			// Pending variants have no size or URL yet, but the
			// dimensions their spec gives them.
			f := imageFile(t, s1, "photos/a.jpg")
			want := map[string]image.Point{"small": {40, 30}, "medium": {100, 75}}
			for name, v := range f.Variants {
				if v.State != blobimage.Pending || v.Size != 0 || v.URL != "" || image.Pt(v.Width, v.Height) != want[name] {
					t.Errorf("%s after a lazy write: %+v, want pending %v", name, v, want[name])
				}
			}
			small := f.Variants["small"].Key
			faults.Reset()
			var wg sync.WaitGroup
			got := make([][]byte, 8)
			for i := range got {
				s := []*blobimage.Store{s1, s2}[i%2]
				wg.Go(func() {
					data, err := s.Bucket.ReadAll(ctx, small)
					if err != nil {
						t.Errorf("reader %d: %v", i, err)
					}
					got[i] = data
				})
			}
			wg.Wait()
			for i := range got {
				if string(got[i]) != string(got[0]) || len(got[0]) == 0 {
					t.Fatalf("readers got different bytes")
				}
			}
			// One object: at most one write per process reached the
			// bucket, and IfNotExist let only one land.
			if n := faults.Count(drivertest.OpWrite); n < 1 || n > 2 {
				t.Errorf("%d variant writes for one lazy variant from two processes, want 1 or 2", n)
			}
			img, _, err := codecs.Decode(ctx, got[0], codecs.Limits{})
			if err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 30 {
				t.Fatalf("lazy variant: %v %v", img.Bounds(), err)
			}

			// ImageFile.URL of a pending variant makes it first (fileblob
			// without a signer has no URLs, so ask for the error).
			if _, err := f.URL(ctx, "medium"); err != nil && !errors.Is(err, blobimage.ErrNoURL) {
				t.Fatal(err)
			}
			if ok, _ := inner.Exists(ctx, f.Variants["medium"].Key); !ok {
				t.Error("URL of a pending variant did not make it")
			}
			// A key no manifest or spec names stays missing.
			if _, err := s1.Bucket.ReadAll(ctx, strings.Replace(small, "small-", "other-", 1)); blobimage.ErrorCode(err).String() != "NotFound" {
				t.Errorf("read of an unknown variant key: %v", err)
			}
			// Regen folds the lazily made variants into the manifest.
			st := reconcile(t, s1, blobimage.ReconcileOptions{})
			if st.Created != 2 || st.Written != 0 {
				t.Errorf("regen after lazy reads: %+v, want 2 recorded, none written", st)
			}
			checkComplete(t, s1, inner, map[string]int{"small": 40, "medium": 100})
		})
	}
}
