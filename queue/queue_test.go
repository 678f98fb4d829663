package queue_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/queue"
	"github.com/blobimage/blobimage/variants"
)

// engine is a pubsub engine under test: a topic, and a way to open a
// subscription for each worker (on mem they share one; on NATS each opens
// its own on a shared consumer).
type engine struct {
	topic *pubsub.Topic
	sub   func(t testing.TB) *pubsub.Subscription
	// beforeSend adjusts each job's message for the engine.
	beforeSend func(asFunc func(any) bool) error
	// exit, when set, is what a worker process's exit does to its
	// subscription (RabbitMQ: the connection closes and what the worker
	// held unacknowledged goes back at once); engines without it redeliver
	// after the ack deadline.
	exit func(*pubsub.Subscription)
}

// sender sends jobs to the engine's topic.
func (e engine) sender() queue.Sender {
	return queue.Sender{Topic: e.topic, BeforeSend: e.beforeSend}
}

func memEngine(t testing.TB, ackDeadline time.Duration) engine {
	topic := mempubsub.NewTopic()
	t.Cleanup(func() { _ = topic.Shutdown(context.Background()) })
	sub := mempubsub.NewSubscription(topic, ackDeadline)
	t.Cleanup(func() { _ = sub.Shutdown(context.Background()) })
	return engine{topic: topic, sub: func(testing.TB) *pubsub.Subscription { return sub }}
}

// config is the tests' config; options sends background jobs to jobs.
func config() *variants.Config {
	return &variants.Config{Rules: []variants.Rule{{
		Match: "photos/**",
		Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 40, Height: 40}}},
			{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 100, Height: 100}}},
		},
	}}}
}

func options(jobs blobimage.JobSender) *blobimage.Options {
	return &blobimage.Options{FanOut: blobimage.Background, Jobs: jobs}
}

// runBackground stores n photos with Background fan-out, runs two workers
// (the first killed in the middle of its first job), and checks that every
// image ends complete, each variant made once, with both workers having
// done jobs.
func runBackground(t *testing.T, e engine, n int) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = inner.Close() })
	writer, err := blobimage.Wrap(inner, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		data := testimage.JPEG(testimage.Pattern(200+i, 150), 90)
		if err := writer.Bucket.WriteAll(ctx, fmt.Sprintf("photos/%02d.jpg", i), data, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range variantObjects(t, inner) {
		t.Errorf("variant %s made before any worker ran", k)
	}
	f, err := writer.Image(ctx, "photos/00.jpg")
	if err != nil || f.Variants["small"].State != blobimage.Pending {
		t.Fatalf("after a background write: %+v, %v", f, err)
	}

	// Worker A is killed during its first variant write: its context is
	// cancelled, so the job is neither acknowledged nor finished.
	aCtx, killA := context.WithCancel(ctx)
	defer killA()
	faulty, faults := drivertest.NewFaultBucket(inner)
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: 1, Cancel: killA})
	storeA, err := blobimage.Wrap(faulty, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	storeB, err := blobimage.Wrap(inner, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		done = map[string]int{} // worker → jobs acknowledged
		keys = map[string]bool{}
	)
	finished := make(chan struct{})
	record := func(worker string) func(blobimage.Job, error) {
		return func(job blobimage.Job, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				return
			}
			done[worker]++
			keys[job.Key] = true
			if len(keys) == n {
				select {
				case <-finished:
				default:
					close(finished)
				}
			}
		}
	}
	subA := e.sub(t)
	a := &queue.Worker{Store: storeA, Subscription: subA, Concurrency: 1, Done: record("a")}
	aDone := make(chan error, 1)
	go func() { aDone <- a.Run(aCtx) }()
	// B starts once A has been killed, so A surely had a job.
	select {
	case err := <-aDone:
		if err != nil {
			t.Fatalf("worker a: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker a was never killed")
	}
	if e.exit != nil {
		e.exit(subA)
	}
	bCtx, stopB := context.WithCancel(ctx)
	defer stopB()
	b := &queue.Worker{Store: storeB, Subscription: e.sub(t), Concurrency: 2, Done: record("b")}
	// A restarted A (a new process) shares the rest of the load.
	a2 := &queue.Worker{Store: storeA, Subscription: e.sub(t), Concurrency: 1, Done: record("a2")}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.Run(bCtx); err != nil {
			t.Errorf("worker b: %v", err)
		}
	})
	wg.Go(func() {
		if err := a2.Run(bCtx); err != nil {
			t.Errorf("worker a2: %v", err)
		}
	})
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Error("not every job was done")
	}
	stopB()
	wg.Wait()
	t.Logf("jobs done per worker: %v", done)
	if done["a"] != 0 {
		t.Errorf("the killed worker acknowledged %d jobs", done["a"])
	}
	if done["b"] == 0 || done["a2"] == 0 {
		t.Errorf("load not shared: %v", done)
	}

	checkComplete(t, writer, inner, n)
}

// checkComplete checks that photos/00.jpg … photos/<n-1>.jpg have every
// variant ready, and that the bucket holds exactly those variant objects:
// each made once, no orphans.
func checkComplete(t *testing.T, s *blobimage.Store, inner *blob.Bucket, n int) {
	t.Helper()
	referenced := map[string]bool{}
	for i := range n {
		key := fmt.Sprintf("photos/%02d.jpg", i)
		f, err := s.Image(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range f.Variants {
			if v.State != blobimage.Ready || v.Width == 0 || v.Size == 0 {
				t.Errorf("%s: %s is %+v", key, name, v)
			}
			referenced[v.Key] = true
		}
	}
	objs := variantObjects(t, inner)
	if len(objs) != 2*n {
		t.Errorf("%d variant objects for %d images of 2 variants: %v", len(objs), n, objs)
	}
	for _, k := range objs {
		if !referenced[k] {
			t.Errorf("unreferenced variant %s", k)
		}
	}
}

// variantObjects lists the objects in the variant key space.
func variantObjects(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var ks []string
	it := b.List(&blob.ListOptions{Prefix: blobimage.DefaultVariantPrefix})
	for {
		o, err := it.Next(context.Background())
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return ks
		}
		if !strings.HasSuffix(o.Key, "/") {
			ks = append(ks, o.Key)
		}
	}
}

func TestBackgroundMem(t *testing.T) {
	runBackground(t, memEngine(t, time.Second), 12)
}

// TestJobForReplacedVersion: a job whose version has been overwritten is
// acknowledged without work; a job that is not a job is dropped.
func TestJobForReplacedVersion(t *testing.T) {
	ctx := context.Background()
	e := memEngine(t, time.Second)
	inner := memblob.OpenBucket(nil)
	defer inner.Close()
	s, err := blobimage.Wrap(inner, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Process(ctx, blobimage.Job{Key: "photos/gone.jpg", Token: "01234567"}); err != nil {
		t.Errorf("job for a missing original: %v", err)
	}
	if err := s.Bucket.WriteAll(ctx, "photos/a.jpg", testimage.JPEG(testimage.Pattern(80, 60), 90), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Process(ctx, blobimage.Job{Key: "photos/a.jpg", Token: "01234567"}); err != nil {
		t.Errorf("job for a replaced version: %v", err)
	}
	if objs := variantObjects(t, inner); len(objs) != 0 {
		t.Errorf("a stale job made %v", objs)
	}
	if _, err := blobimage.ParseJob([]byte("nope")); err == nil {
		t.Error("ParseJob accepted junk")
	}
}
