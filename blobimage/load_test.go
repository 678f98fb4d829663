package blobimage_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// TestLoadStaysWithinMemoryBudget puts 100 photos of 12 MP at once and
// samples the heap with runtime/metrics while they run. Without the
// Store's memory budget the decodes would all hold their pixels at the same
// time (100 × 12 MP); with it, the heap peak stays within the budget plus a
// stated slack: the uploads and stored objects themselves (all held by the
// test and by memblob) and 64 MiB for the runtime and the encoders. Like a
// deployment would, the test sets a soft memory limit at budget + slack so
// that garbage is collected before it accumulates; the limit cannot hold
// live memory down, so over-admission would still show in the peak.
//
// This is not a timing test: it asserts on memory only.
func TestLoadStaysWithinMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 100 × 12 MP puts")
	}
	const (
		n      = 100
		budget = 256 << 20
	)
	upload := testimage.JPEG(testimage.Pattern(4000, 3000), 85)
	// Every put waits for room, however long that takes: this test is about
	// the bound, not about giving up (TestBusy).
	cfg := config{Config: *variants.DefaultConfig(), Options: blobimage.Options{MemoryBudget: budget, MemoryWait: -1}}
	s, _ := newStore(t, cfg)

	// Everything the test itself keeps: the upload (shared), one buffered
	// copy per writer, and what memblob stores (originals and variants).
	slack := int64(n*len(upload)*3 + 64<<20)
	limit := budget + slack
	old := debug.SetMemoryLimit(limit)
	defer debug.SetMemoryLimit(old)
	runtime.GC()

	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := int64(sample[0].Value.Uint64()); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.Bucket.WriteAll(ctx, fmt.Sprintf("photos/%03d.jpg", i), upload, nil) })
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, err := range errs {
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	if got := len(keys(t, s.Bucket)); got != n {
		t.Fatalf("%d photos stored, want %d", got, n)
	}
	f := imageFile(t, s, "photos/042.jpg")
	if f.Width != 4000 || len(f.Variants) != 2 {
		t.Fatalf("ImageFile %+v", f)
	}
	t.Logf("heap peak %d MiB; budget %d MiB + slack %d MiB (uploads %d KiB each)",
		peak.Load()>>20, budget>>20, slack>>20, len(upload)>>10)
	if peak.Load() > limit {
		t.Errorf("heap peak %d MiB exceeds the budget %d MiB + slack %d MiB", peak.Load()>>20, budget>>20, slack>>20)
	}
}
