package blobimage

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// liveHeap returns the live heap the last collection found.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestWriteDropsPixelsBeforeCommit checks that a write no longer holds
// its decoded pixels when it hands the original to the bucket: a
// collection run from the commit's BeforeWrite finds the live heap grown
// by the buffered upload, not by the pixels too.
func TestWriteDropsPixelsBeforeCommit(t *testing.T) {
	ctx := context.Background()
	fit := variants.Spec{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}}
	s, err := Wrap(memblob.OpenBucket(nil), &variants.Config{Rules: []variants.Rule{{
		Match:    "**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripNone},
		Variants: []variants.Spec{fit},
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 2000×1500 is decoded whole for a fit in 1000×1000 (variants.Need):
	// 4.5 MB of 4:2:0 planes.
	const pixels = 2000*1500 + 2*1000*750
	upload := testimage.JPEG(testimage.Photo(2000, 1500), 90)

	old := debug.SetGCPercent(-1) // only the collections the test runs
	defer debug.SetGCPercent(old)
	runtime.GC()
	before := liveHeap()
	var atCommit uint64
	calls := 0
	err = s.Bucket.WriteAll(ctx, "photo.jpg", upload, &blob.WriterOptions{
		// The caller's BeforeWrite reaches the inner bucket with the
		// original's write only.
		BeforeWrite: func(func(any) bool) error {
			calls++
			runtime.GC()
			atCommit = liveHeap()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("BeforeWrite called %d times, want once (the original's commit)", calls)
	}
	grew := int64(atCommit) - int64(before)
	t.Logf("live heap at the commit: %d bytes more than before the write (upload %d bytes, pixels %d)", grew, len(upload), pixels)
	if grew > int64(len(upload))+pixels/2 {
		t.Fatalf("live heap at the commit grew by %d bytes: more than the buffered upload (%d) and change; the pixels (%d) are still held", grew, len(upload), pixels)
	}
	runtime.KeepAlive(upload)
}
