package blobimage_test

import (
	"context"
	"fmt"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
)

// BenchmarkReconcile measures Reconcile's throughput in originals per
// second over 200 originals (640×480 JPEGs), on memblob and fileblob, for
// a walk with nothing to do ("unchanged") and for one that makes a new
// 200-pixel variant of every original ("spec-added").
func BenchmarkReconcile(b *testing.B) {
	const n = 200
	opens := map[string]func(b *testing.B) *blob.Bucket{
		"mem": func(*testing.B) *blob.Bucket { return memblob.OpenBucket(nil) },
		"file": func(b *testing.B) *blob.Bucket {
			bk, err := fileblob.OpenBucket(b.TempDir(), nil)
			if err != nil {
				b.Fatal(err)
			}
			return bk
		},
	}
	ctx := context.Background()
	photo := patternJPEG(640, 480, nil)
	for _, backend := range []string{"mem", "file"} {
		for _, work := range []string{"unchanged", "spec-added"} {
			b.Run(backend+"/"+work, func(b *testing.B) {
				var total int
				for b.Loop() {
					b.StopTimer()
					inner := opens[backend](b)
					s := wrapWith(b, inner, configWith(fitSpec("small", 100)))
					for i := range n {
						put(b, s, fmt.Sprintf("photos/%04d.jpg", i), photo)
					}
					if work == "spec-added" {
						s = wrapWith(b, inner, configWith(fitSpec("small", 100), fitSpec("medium", 200)))
					}
					b.StartTimer()
					st, err := s.Reconcile(ctx, blobimage.ReconcileOptions{})
					if err != nil || st.Scanned != n || st.Failed != 0 {
						b.Fatalf("%+v %v", st, err)
					}
					total += st.Scanned
					b.StopTimer()
					_ = inner.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "originals/s")
			})
		}
	}
}
