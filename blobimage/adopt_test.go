package blobimage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
)

// state is every object of a bucket with its bytes, content type,
// metadata and modification time: what "left exactly as it was" compares.
type state map[string]string

func stateOf(t testing.TB, b *blob.Bucket) state {
	t.Helper()
	st := state{}
	for _, k := range keys(t, b) {
		data, err := b.ReadAll(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.Attributes(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		var md []string
		for mk, mv := range a.Metadata {
			md = append(md, mk+"="+mv)
		}
		st[k] = strings.Join([]string{string(data), a.ContentType, a.ModTime.Format(time.RFC3339Nano), a.ETag, strings.Join(sorted(md), ";")}, "|")
	}
	return st
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// newInner opens a fresh memblob bucket.
func newInner(t testing.TB) *blob.Bucket {
	t.Helper()
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func sameState(t testing.TB, what string, got, want state) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s changed", what, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s appeared", what, k)
		}
	}
}

// TestAdoptObjectWrittenPastWrapper: an image written straight to the inner
// bucket under a rule is adopted: turned upright, GPS stripped, every
// variant made, manifest written; the object's own metadata is kept. A
// second Adopt finds the manifest and changes nothing.
func TestAdoptObjectWrittenPastWrapper(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	// Displayed 400×600, stored turned for EXIF orientation 6.
	exif := testimage.EXIF{Orientation: 6, Make: "Canon", GPS: &testimage.GPS{Lat: 43.5, Lon: 11.9}}
	data := testimage.JPEG(testimage.Stored(testimage.Pattern(400, 600), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	if err := inner.WriteAll(ctx, "photos/a b.jpg", data, &blob.WriterOptions{Metadata: map[string]string{"owner": "ann"}}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Adopt(ctx, "photos/a b.jpg")
	if err != nil || !out.Adopted {
		t.Fatalf("Adopt = %+v, %v; want adopted", out, err)
	}
	f := imageFile(t, s, "photos/a b.jpg")
	if f.Width != 400 || f.Height != 600 {
		t.Errorf("adopted size %dx%d, want 400x600 (orientation 6 applied)", f.Width, f.Height)
	}
	if f.Metadata.GPS != nil {
		t.Errorf("adopted manifest keeps GPS %v; the rule strips it", f.Metadata.GPS)
	}
	for _, name := range []string{"small", "medium", "thumb"} {
		v, ok := f.Variants[name]
		if !ok || v.State != blobimage.Ready {
			t.Fatalf("variant %s: %+v, want ready", name, v)
		}
		img, _ := decodeKey(t, inner, v.Key)
		checkQuadrants(t, name, img)
	}
	a, err := inner.Attributes(ctx, "photos/a b.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if a.Metadata["owner"] != "ann" {
		t.Errorf("adoption dropped the object's metadata: %v", a.Metadata)
	}

	before := stateOf(t, inner)
	out, err = s.Adopt(ctx, "photos/a b.jpg")
	if err != nil || out.Changed() {
		t.Fatalf("second Adopt = %+v, %v; want no change", out, err)
	}
	sameState(t, "second Adopt", stateOf(t, inner), before)
}

// TestAdoptLeavesTheWrappersOwnObjectsAlone: variant keys, manifested
// originals (even under a changed original policy), keys matching no rule
// and missing objects are no-ops: no error, no change, no write.
func TestAdoptLeavesTheWrappersOwnObjectsAlone(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	s, inner := newStore(t, cfg)
	put(t, s, "photos/a.jpg", patternJPEG(600, 400, nil))
	put(t, s, "avatars/me.jpg", patternJPEG(300, 300, nil))
	if err := inner.WriteAll(ctx, "notes.txt", []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	// The avatars rule's original policy changes: that is regen's work.
	cfg.Rules[1].Original.Quality = 60
	s2, err := cfg.wrap(inner)
	if err != nil {
		t.Fatal(err)
	}
	f := imageFile(t, s, "photos/a.jpg")
	targets := []string{"photos/a.jpg", "avatars/me.jpg", "notes.txt", "photos/gone.jpg", f.Variants["small"].Key}
	before := stateOf(t, inner)
	for _, st := range []*blobimage.Store{s, s2} {
		for _, k := range targets {
			out, err := st.Adopt(ctx, k)
			if err != nil || out.Changed() || out.Key != k {
				t.Errorf("Adopt(%s) = %+v, %v; want no change, nil", k, out, err)
			}
		}
	}
	sameState(t, "Adopt of the wrapper's own objects", stateOf(t, inner), before)
}

// TestAdoptRefusalLeavesObjectAsItWas: an object under an image rule that
// is not an acceptable image is refused with its typed error, and the
// bucket (its bytes, type, metadata, time) is exactly as before.
func TestAdoptRefusalLeavesObjectAsItWas(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.Limits.MaxBytes = 64 << 10
	s, inner := newStore(t, cfg)
	for _, c := range []struct {
		key  string
		data []byte
		want error
	}{
		{"photos/readme.jpg", []byte("not a picture at all"), blobimage.ErrNotImage},
		{"photos/huge.jpg", patternJPEG(3000, 3000, nil), blobimage.ErrTooLarge},
	} {
		if len(c.data) <= 64<<10 && c.want == blobimage.ErrTooLarge {
			t.Fatalf("test image too small: %d bytes", len(c.data))
		}
		if err := inner.WriteAll(ctx, c.key, c.data, &blob.WriterOptions{ContentType: "text/plain", Metadata: map[string]string{"x": "y"}}); err != nil {
			t.Fatal(err)
		}
		before := stateOf(t, inner)
		out, err := s.Adopt(ctx, c.key)
		if !errors.Is(err, c.want) || out.Changed() {
			t.Errorf("Adopt(%s) = %+v, %v; want %v and no change", c.key, out, err, c.want)
		}
		if code := gcerrors.Code(err); code != gcerrors.InvalidArgument && code != gcerrors.ResourceExhausted {
			t.Errorf("Adopt(%s): code %v", c.key, code)
		}
		sameState(t, "refused "+c.key, stateOf(t, inner), before)
	}
}

// TestAdoptConcurrentDuplicates: duplicate events handled at once in one
// process adopt the object once, writing each object once (three variants
// and the original), and leave one complete version.
func TestAdoptConcurrentDuplicates(t *testing.T) {
	ctx := context.Background()
	inner := newInner(t)
	fb, faults := drivertest.NewFaultBucket(inner)
	s, err := testConfig().wrap(fb)
	if err != nil {
		t.Fatal(err)
	}
	if err := inner.WriteAll(ctx, "photos/a.jpg", patternJPEG(600, 400, nil), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	adopted := 0
	for range 6 {
		wg.Go(func() {
			out, err := s.Adopt(ctx, "photos/a.jpg")
			if err != nil {
				t.Error(err)
			}
			if out.Adopted {
				mu.Lock()
				adopted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if adopted != 1 {
		t.Errorf("%d of 6 concurrent Adopts adopted, want 1", adopted)
	}
	if n := faults.Count(drivertest.OpWrite); n != 4 {
		t.Errorf("6 concurrent Adopts wrote %d objects, want 4 (3 variants, the original)", n)
	}
	f := imageFile(t, s, "photos/a.jpg")
	want := map[string]bool{"photos/a.jpg": true}
	for _, v := range f.Variants {
		want[v.Key] = true
	}
	if got := keys(t, inner); len(got) != len(want) {
		t.Errorf("bucket holds %v, want the original and its %d variants only", got, len(f.Variants))
	}
}

// TestAdoptObjectReplacedMeanwhile: an object replaced past the wrapper
// while it is being adopted keeps the newer bytes (the adoption of the
// older ones is dropped, with what it wrote), and the newer object's own
// event then adopts it.
func TestAdoptObjectReplacedMeanwhile(t *testing.T) {
	ctx := context.Background()
	inner := newInner(t)
	fb, faults := drivertest.NewFaultBucket(inner)
	s, err := testConfig().wrap(fb)
	if err != nil {
		t.Fatal(err)
	}
	older, newer := patternJPEG(600, 400, nil), patternJPEG(300, 500, nil)
	if err := inner.WriteAll(ctx, "photos/a.jpg", older, nil); err != nil {
		t.Fatal(err)
	}
	// As the adoption writes its first variant, someone replaces the
	// object.
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: 1,
		Match: func(k string) bool { return k != "photos/a.jpg" },
		Cancel: func() {
			if err := inner.WriteAll(ctx, "photos/a.jpg", newer, nil); err != nil {
				t.Error(err)
			}
		}})
	out, err := s.Adopt(ctx, "photos/a.jpg")
	if err != nil || out.Changed() {
		t.Fatalf("Adopt during a replacement = %+v, %v; want dropped: no change, nil", out, err)
	}
	if !faults.Fired() {
		t.Fatal("the replacement did not happen")
	}
	got, err := inner.ReadAll(ctx, "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "object after a dropped adoption", got, newer)
	if ks := keys(t, inner); len(ks) != 1 {
		t.Errorf("a dropped adoption left %v", ks)
	}
	// The newer object's event.
	if out, err := s.Adopt(ctx, "photos/a.jpg"); err != nil || !out.Adopted {
		t.Fatalf("Adopt of the newer object = %+v, %v", out, err)
	}
	if f := imageFile(t, s, "photos/a.jpg"); f.Width != 300 || f.Height != 500 {
		t.Errorf("adopted %dx%d, want the newer 300x500", f.Width, f.Height)
	}
}
