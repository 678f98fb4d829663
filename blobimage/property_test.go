package blobimage_test

import (
	"context"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
)

// setState is what the wrapper shows of one key: absent, or the displayed
// width of its picture with a complete set of variants.
func setState(t *testing.T, s *blobimage.Store, inner *blob.Bucket, key string) string {
	t.Helper()
	f, err := s.Image(context.Background(), key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "absent"
	}
	if err != nil {
		t.Fatalf("Image(%s): %v", key, err)
	}
	if len(f.Variants) != 3 {
		t.Errorf("%s: %d variants in the manifest, want 3", key, len(f.Variants))
	}
	for name, v := range f.Variants {
		img, _ := decodeKey(t, inner, v.Key)
		if img.Bounds().Size() != image.Pt(v.Width, v.Height) {
			t.Errorf("%s: variant %s is %v, manifest says %d×%d", key, name, img.Bounds().Size(), v.Width, v.Height)
		}
	}
	return fmt.Sprintf("%d wide", f.Width)
}

// orphans lists the variant objects no live manifest references: what a
// failure may leave behind, invisible through the wrapper, for the
// reconcile step to remove.
func orphans(t *testing.T, s *blobimage.Store, inner *blob.Bucket) []string {
	t.Helper()
	live := map[string]bool{}
	for _, k := range keys(t, s.Bucket) {
		if f, err := s.Image(context.Background(), k); err == nil {
			for _, v := range f.Variants {
				live[v.Key] = true
				for _, e := range v.Alternates {
					live[e.Key] = true
				}
			}
		}
	}
	var out []string
	for _, k := range keys(t, inner) {
		if strings.HasPrefix(k, blobimage.DefaultVariantPrefix) && !live[k] {
			out = append(out, k)
		}
	}
	return out
}

// TestFaultProperty fails, in turn, every k-th operation of each kind
// (write, copy, delete, attributes; failed outright, failed after taking
// effect, or by cancelling the caller's context) during an overwrite, a
// delete and a copy, over memblob and fileblob. Whatever fails, each key
// shows through the wrapper either its complete previous set or its
// complete new one, never a mix; an original is never lost by a failed
// overwrite or copy; and leftovers are only unreferenced variant objects,
// which List does not show.
func TestFaultProperty(t *testing.T) {
	type scenario struct {
		name string
		run  func(ctx context.Context, s *blobimage.Store) error
		// allowed states of photos/a.jpg and photos/b.jpg afterwards.
		a, b []string
	}
	scenarios := []scenario{
		{"overwrite", func(ctx context.Context, s *blobimage.Store) error {
			return s.Bucket.WriteAll(ctx, "photos/a.jpg", patternJPEG(1200, 300, nil), nil)
		}, []string{"800 wide", "1200 wide"}, []string{"300 wide"}},
		{"delete", func(ctx context.Context, s *blobimage.Store) error {
			return s.Bucket.Delete(ctx, "photos/a.jpg")
		}, []string{"800 wide", "absent"}, []string{"300 wide"}},
		{"copy", func(ctx context.Context, s *blobimage.Store) error {
			return s.Bucket.Copy(ctx, "photos/b.jpg", "photos/a.jpg", nil)
		}, []string{"800 wide"}, []string{"300 wide", "800 wide"}},
	}
	for bname, open := range backends {
		for _, sc := range scenarios {
			for _, op := range []drivertest.Op{drivertest.OpWrite, drivertest.OpCopy, drivertest.OpDelete, drivertest.OpAttrs} {
				for _, mode := range []string{"fail", "landed", "cancel"} {
					if mode == "landed" && op != drivertest.OpWrite && op != drivertest.OpCopy {
						continue
					}
					for k := 1; ; k++ {
						name := fmt.Sprintf("%s/%s/%s-%s-%d", bname, sc.name, op, mode, k)
						fired := false
						t.Run(name, func(t *testing.T) {
							s, inner, faults := faultStore(t, open)
							put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
							put(t, s, "photos/b.jpg", patternJPEG(300, 600, nil))
							faults.Reset()

							ctx, cancel := context.WithCancel(context.Background())
							defer cancel()
							ft := drivertest.Fault{Op: op, N: k, Landed: mode == "landed"}
							if mode == "cancel" {
								ft.Cancel = cancel
							}
							faults.Add(ft)
							err := sc.run(ctx, s)
							fired = faults.Fired()
							if !fired {
								if err != nil {
									t.Errorf("no fault fired, yet: %v", err)
								}
								return
							}
							if a := setState(t, s, inner, "photos/a.jpg"); !slices.Contains(sc.a, a) {
								t.Errorf("photos/a.jpg is %s, want one of %v (err %v)", a, sc.a, err)
							}
							if b := setState(t, s, inner, "photos/b.jpg"); !slices.Contains(sc.b, b) {
								t.Errorf("photos/b.jpg is %s, want one of %v (err %v)", b, sc.b, err)
							}
							for _, k := range keys(t, s.Bucket) {
								if strings.HasPrefix(k, blobimage.DefaultVariantPrefix) {
									t.Errorf("List shows %s", k)
								}
							}
							if o := orphans(t, s, inner); len(o) > 0 {
								t.Logf("%d orphans left for the reconcile step", len(o))
							}
						})
						if !fired || k > 20 {
							break
						}
					}
				}
			}
		}
	}
}
