package queue_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/natsjs/natstest"
	"github.com/blobimage/blobimage/internal/rabbittest"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/queue"
	"github.com/blobimage/blobimage/variants"
)

// commitCounter wraps a bucket and counts, per key, the writes to
// originals (keys outside the variant space): a worker writes an original
// only to commit its manifest.
func commitCounter(inner *blob.Bucket) (*blob.Bucket, func() map[string]int) {
	var (
		mu     sync.Mutex
		counts = map[string]int{}
	)
	b, faults := drivertest.NewFaultBucket(inner)
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: math.MaxInt, Match: func(key string) bool {
		if !strings.HasPrefix(key, blobimage.DefaultVariantPrefix) {
			mu.Lock()
			counts[key]++
			mu.Unlock()
		}
		return false // count only; never fail
	}})
	return b, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[string]int, len(counts))
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
}

// runLoad stores n small images with background fan-out and lets four
// workers, each with its own subscription (as four processes would), share
// the jobs. Every image must end complete, with its manifest committed
// exactly once and each variant object made once; the jobs each worker did
// and its rate are logged (a figure, not a check: see BenchmarkWorker for
// throughput).
func runLoad(t *testing.T, e engine, n int) {
	if testing.Short() {
		t.Skip("1,000 images")
	}
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = inner.Close() })
	writer, err := blobimage.Wrap(inner, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	img := testimage.Pattern(64, 48)
	for i := range n {
		data := testimage.JPEG(img, 80+i%20)
		if err := writer.Bucket.WriteAll(ctx, fmt.Sprintf("photos/%04d.jpg", i), data, nil); err != nil {
			t.Fatal(err)
		}
	}
	counted, commits := commitCounter(inner)
	store, err := blobimage.Wrap(counted, config(), nil)
	if err != nil {
		t.Fatal(err)
	}

	const workers = 4
	var (
		mu       sync.Mutex
		done     [workers]int
		keys     = map[string]bool{}
		finished = make(chan struct{})
	)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		w := &queue.Worker{Store: store, Subscription: e.sub(t), Concurrency: 1,
			Done: func(job blobimage.Job, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("worker %d: job %v: %v", i, job, err)
					return
				}
				done[i]++
				if keys[job.Key] = true; len(keys) == n {
					close(finished)
				}
			}}
		wg.Go(func() {
			if err := w.Run(wctx); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		t.Errorf("%d of %d jobs done after 5 minutes", len(keys), n)
	}
	elapsed := time.Since(start)
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	total := 0
	for i, d := range done {
		total += d
		t.Logf("worker %d: %d jobs, %.0f jobs/s", i, d, float64(d)/elapsed.Seconds())
		if d == 0 {
			t.Errorf("worker %d did no job", i)
		}
	}
	t.Logf("%d jobs for %d images in %v: %.0f jobs/s with %d workers on %d cores",
		total, n, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), workers, runtime.NumCPU())
	c := commits()
	for i := range n {
		if k := fmt.Sprintf("photos/%04d.jpg", i); c[k] != 1 {
			t.Errorf("%s committed %d times", k, c[k])
		}
	}
	if len(c) != n {
		t.Errorf("workers wrote %d originals, want %d", len(c), n)
	}
	if objs := variantObjects(t, inner); len(objs) != 2*n {
		t.Errorf("%d variant objects for %d images of 2 variants", len(objs), n)
	}
}

// TestLoadNATS: four workers share 1,000 jobs on NATS JetStream.
func TestLoadNATS(t *testing.T) {
	runLoad(t, natsEngine(t, natstest.Start(t), 30*time.Second), 1000)
}

// TestLoadRabbitMQ: four workers share 1,000 jobs on RabbitMQ.
func TestLoadRabbitMQ(t *testing.T) {
	runLoad(t, rabbitEngine(t, rabbittest.Start(t), "load", 8), 1000)
}

// BenchmarkWorker measures one worker's throughput, in jobs per second,
// with Concurrency 1, 2 and GOMAXPROCS, on 12-megapixel photo-like JPEGs
// with the CLI's default variants (fit 1000×1000 and 400×400), queued in
// memory before the timer starts. The ratio of the concurrency=2 figure
// to concurrency=1 is the worker's scaling on two cores.
func BenchmarkWorker(b *testing.B) {
	data := testimage.JPEG(testimage.Pattern(4000, 3000), 85)
	cfg := &variants.Config{Rules: []variants.Rule{{
		Match: "photos/**",
		Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}},
			{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
		},
	}}}
	levels := []int{1, 2}
	if p := runtime.GOMAXPROCS(0); p > 2 {
		levels = append(levels, p)
	}
	for _, conc := range levels {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			ctx := context.Background()
			e := memEngine(b, time.Minute)
			inner := memblob.OpenBucket(nil)
			defer inner.Close()
			writer, err := blobimage.Wrap(inner, cfg, options(e.sender()))
			if err != nil {
				b.Fatal(err)
			}
			for i := range b.N {
				if err := writer.Bucket.WriteAll(ctx, fmt.Sprintf("photos/%06d.jpg", i), data, nil); err != nil {
					b.Fatal(err)
				}
			}
			store, err := blobimage.Wrap(inner, cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			var (
				mu       sync.Mutex
				n        int
				finished = make(chan struct{})
			)
			wctx, stop := context.WithCancel(ctx)
			defer stop()
			w := &queue.Worker{Store: store, Subscription: e.sub(b), Concurrency: conc,
				Done: func(job blobimage.Job, err error) {
					if err != nil {
						b.Errorf("job %v: %v", job, err)
					}
					mu.Lock()
					defer mu.Unlock()
					if n++; n == b.N {
						close(finished)
					}
				}}
			b.ResetTimer()
			start := time.Now()
			runErr := make(chan error, 1)
			go func() { runErr <- w.Run(wctx) }()
			<-finished
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			if err := <-runErr; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
		})
	}
}
