package blobimage_test

import (
	"context"
	"fmt"
	"image"
	"strings"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/blobimage"
)

// TestConcurrentWritersToOneKey races writers of different pictures on one
// key, over memblob and fileblob. Whoever wins, the key ends with one
// complete set: the stored original is the winner's picture, every variant
// its manifest lists exists and has the winner's size, and no variant of a
// loser is referenced. Losers' variants may remain as invisible orphans
// (the reconcile step's to remove); they never show through the wrapper.
// CI runs it with -race.
func TestConcurrentWritersToOneKey(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			inner := open(t)
			t.Cleanup(func() { _ = inner.Close() })
			s, err := testConfig().wrap(inner)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			const writers = 6
			// Writer i stores a picture 400+40i pixels wide, so the
			// winner can be told from the stored bytes.
			uploads := make([][]byte, writers)
			for i := range uploads {
				uploads[i] = patternJPEG(400+40*i, 300, nil)
			}
			for round := range 3 {
				var wg sync.WaitGroup
				errs := make([]error, writers)
				for i := range writers {
					wg.Go(func() { errs[i] = s.Bucket.WriteAll(ctx, "photos/race.jpg", uploads[i], nil) })
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: writer %d: %v", round, i, err)
					}
				}

				f := imageFile(t, s, "photos/race.jpg")
				stored, _ := decodeKey(t, inner, "photos/race.jpg")
				if got := stored.Bounds().Size(); got != image.Pt(f.Width, f.Height) {
					t.Fatalf("round %d: stored original is %v, manifest says %d×%d", round, got, f.Width, f.Height)
				}
				winner := (f.Width - 400) / 40
				if winner < 0 || winner >= writers || f.Width != 400+40*winner {
					t.Fatalf("round %d: stored width %d is no writer's", round, f.Width)
				}
				for vname, v := range f.Variants {
					img, _ := decodeKey(t, inner, v.Key)
					if img.Bounds().Dx() != v.Width || img.Bounds().Dy() != v.Height {
						t.Errorf("round %d: variant %s is %v, manifest says %d×%d", round, vname, img.Bounds().Size(), v.Width, v.Height)
					}
					if vname == "medium" && v.Width != f.Width {
						t.Errorf("round %d: medium is %d wide, the winner's original %d: a loser's variant is referenced", round, v.Width, f.Width)
					}
				}
				for _, k := range keys(t, s.Bucket) {
					if strings.HasPrefix(k, blobimage.DefaultVariantPrefix) {
						t.Errorf("List shows variant key %s", k)
					}
				}
				if got := keys(t, s.Bucket); fmt.Sprint(got) != "[photos/race.jpg]" {
					t.Errorf("wrapped bucket lists %v", got)
				}
			}
			// A delete removes the live set; orphans of losers, if any,
			// are all that can remain, and only in the variant space.
			if err := s.Bucket.Delete(ctx, "photos/race.jpg"); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys(t, inner) {
				if !strings.HasPrefix(k, blobimage.DefaultVariantPrefix) {
					t.Errorf("left after delete outside the variant space: %s", k)
				}
			}
		})
	}
}
