package blobimage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
)

// backends open a fresh inner bucket of each kind the tests run on.
var backends = map[string]func(t *testing.T) *blob.Bucket{
	"mem": func(t *testing.T) *blob.Bucket { return memblob.OpenBucket(nil) },
	"file": func(t *testing.T) *blob.Bucket {
		b, err := fileblob.OpenBucket(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	},
}

// faultStore wraps a fault-injecting bucket over a fresh inner bucket.
func faultStore(t *testing.T, open func(*testing.T) *blob.Bucket) (*blobimage.Store, *blob.Bucket, *drivertest.Faults) {
	t.Helper()
	inner := open(t)
	t.Cleanup(func() { _ = inner.Close() })
	fb, faults := drivertest.NewFaultBucket(inner)
	s, err := testConfig().wrap(fb)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner, faults
}

var ignoreStore = cmpopts.IgnoreUnexported(blobimage.ImageFile{})

// TestFailedWriteKeepsPreviousSet fails, in turn, each write an overwrite
// makes (the three variants, then the original) and cancels the caller's
// context in the middle of the fan-out: every time the bucket must be
// exactly as before the attempt, byte for byte.
func TestFailedWriteKeepsPreviousSet(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			const writes = 4 // three variants, then the original
			for k := 1; k <= writes; k++ {
				for _, mode := range []string{"fail", "cancel"} {
					t.Run(fmt.Sprintf("%s-write-%d", mode, k), func(t *testing.T) {
						s, inner, faults := faultStore(t, open)
						put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
						before := snap(t, inner)
						beforeFile := imageFile(t, s, "photos/a.jpg")

						ctx, cancel := context.WithCancel(context.Background())
						defer cancel()
						ft := drivertest.Fault{Op: drivertest.OpWrite, N: k}
						if mode == "cancel" {
							ft.Cancel = cancel
						}
						faults.Add(ft)
						err := s.Bucket.WriteAll(ctx, "photos/a.jpg", patternJPEG(1200, 300, nil), nil)
						if err == nil {
							t.Fatal("write succeeded")
						}
						if !faults.Fired() {
							t.Fatal("fault did not fire")
						}
						if mode == "fail" && !errors.Is(err, drivertest.ErrInjected) {
							t.Errorf("err = %v", err)
						}
						if d := cmp.Diff(before, snap(t, inner)); d != "" {
							t.Errorf("bucket changed (-before +after):\n%s", d)
						}
						if d := cmp.Diff(beforeFile, imageFile(t, s, "photos/a.jpg"), ignoreStore); d != "" {
							t.Errorf("ImageFile changed:\n%s", d)
						}
					})
				}
			}
		})
	}
}

// TestAmbiguousOriginalWrite makes the original's write land but report an
// error (a lost response): the new set must be complete, because the
// clean-up never deletes what the live manifest references.
func TestAmbiguousOriginalWrite(t *testing.T) {
	s, inner, faults := faultStore(t, backends["mem"])
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, Match: func(k string) bool { return k == "photos/a.jpg" }, N: 1, Landed: true})
	if err := s.Bucket.WriteAll(context.Background(), "photos/a.jpg", patternJPEG(1200, 300, nil), nil); !errors.Is(err, drivertest.ErrInjected) {
		t.Fatalf("err = %v", err)
	}
	f := imageFile(t, s, "photos/a.jpg")
	if f.Width != 1200 {
		t.Fatalf("live version is %dx%d", f.Width, f.Height)
	}
	for name, v := range f.Variants {
		if ok, _ := inner.Exists(context.Background(), v.Key); !ok {
			t.Errorf("variant %s of the live version was deleted", name)
		}
	}
}

// TestFailedCleanupLeavesOnlyInvisibleOrphans fails the deletion of the
// previous version's variants after a successful commit: the write still
// succeeds, the new set is complete, and the leftovers are invisible
// through the wrapper.
func TestFailedCleanupLeavesOnlyInvisibleOrphans(t *testing.T) {
	s, inner, faults := faultStore(t, backends["mem"])
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	old := imageFile(t, s, "photos/a.jpg")
	faults.Add(drivertest.Fault{Op: drivertest.OpDelete, N: 1})
	put(t, s, "photos/a.jpg", patternJPEG(1200, 300, nil))
	f := imageFile(t, s, "photos/a.jpg")
	for _, v := range f.Variants {
		if ok, _ := inner.Exists(context.Background(), v.Key); !ok {
			t.Errorf("variant %s missing", v.Key)
		}
	}
	orphans := 0
	for _, v := range old.Variants {
		if ok, _ := inner.Exists(context.Background(), v.Key); ok {
			orphans++
		}
	}
	if orphans != 1 {
		t.Errorf("%d orphans, want the one whose delete failed", orphans)
	}
	for _, k := range keys(t, s.Bucket) {
		if strings.HasPrefix(k, blobimage.DefaultVariantPrefix) {
			t.Errorf("List shows %s", k)
		}
	}
}

// TestFailedCopyKeepsDestination fails each variant copy of a Copy over an
// existing set.
func TestFailedCopyKeepsDestination(t *testing.T) {
	for k := 1; k <= 3; k++ {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			s, inner, faults := faultStore(t, backends["mem"])
			put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
			put(t, s, "photos/b.jpg", patternJPEG(300, 600, nil))
			before := snap(t, inner)
			faults.Add(drivertest.Fault{Op: drivertest.OpCopy, N: k})
			if err := s.Bucket.Copy(context.Background(), "photos/b.jpg", "photos/a.jpg", nil); !errors.Is(err, drivertest.ErrInjected) {
				t.Fatalf("err = %v", err)
			}
			if d := cmp.Diff(before, snap(t, inner)); d != "" {
				t.Errorf("bucket changed (-before +after):\n%s", d)
			}
		})
	}
}
