package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"gocloud.dev/blob/fileblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/natsjs/natstest"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/queue"
)

// The environment that makes TestCrashingWorker the worker process of
// TestWorkerProcessKilled.
const (
	envCrashNATS   = "BLOBIMAGE_TEST_CRASH_NATS"
	envCrashBucket = "BLOBIMAGE_TEST_CRASH_BUCKET"
	crashLine      = "worker: stuck in a write"
)

// TestWorkerProcessKilled is a crash, not a shutdown: a worker in another
// process (this test binary again) takes a job from NATS, hangs in the
// middle of writing a variant to a shared fileblob bucket, and is killed
// with SIGKILL. It never acknowledges or hands back its jobs, so JetStream
// redelivers them after the ack wait, and a second worker finishes every
// image, each variant made once.
func TestWorkerProcessKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a worker process")
	}
	ctx := context.Background()
	url := natstest.Start(t)
	dir := t.TempDir()
	inner, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	const ackWait = time.Second
	e := natsEngine(t, url, ackWait)
	writer, err := blobimage.Wrap(inner, config(), options(e.sender()))
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	for i := range n {
		data := testimage.JPEG(testimage.Pattern(160+i, 120), 90)
		if err := writer.Bucket.WriteAll(ctx, fmt.Sprintf("photos/%02d.jpg", i), data, nil); err != nil {
			t.Fatal(err)
		}
	}

	child := exec.Command(os.Args[0], "-test.run=^TestCrashingWorker$", "-test.v")
	child.Env = append(os.Environ(), envCrashNATS+"="+url, envCrashBucket+"="+dir)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	stuck := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Logf("worker process: %s", sc.Text())
			if strings.Contains(sc.Text(), crashLine) {
				stuck <- true
			}
		}
		close(stuck)
	}()
	select {
	case ok := <-stuck:
		if !ok {
			t.Fatal("the worker process ended without taking a job")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker process took no job in 30s")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if objs := variantObjects(t, inner); len(objs) != 0 {
		t.Logf("variants made before the kill: %v", objs)
	}

	var (
		mu    sync.Mutex
		keys  = map[string]bool{}
		count int
	)
	finished := make(chan struct{})
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	w := &queue.Worker{Store: writer, Subscription: natsSubscription(t, nc, ackWait), Concurrency: 2,
		Done: func(job blobimage.Job, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("job %v: %v", job, err)
				return
			}
			count++
			if keys[job.Key] = true; len(keys) == n {
				select {
				case <-finished:
				default:
					close(finished)
				}
			}
		}}
	runErr := make(chan error, 1)
	go func() { runErr <- w.Run(wctx) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Error("the jobs of the killed worker never came back")
	}
	stop()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	t.Logf("the second worker did %d jobs for %d images", count, n)

	checkComplete(t, writer, inner, n)
}

// TestCrashingWorker is the worker process of TestWorkerProcessKilled; run
// alone it skips.
func TestCrashingWorker(t *testing.T) {
	url, dir := os.Getenv(envCrashNATS), os.Getenv(envCrashBucket)
	if url == "" || dir == "" {
		t.Skip("the worker process of TestWorkerProcessKilled")
	}
	inner, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	faulty, faults := drivertest.NewFaultBucket(inner)
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: 1, Cancel: func() {
		fmt.Println(crashLine)
		select {} // until SIGKILL
	}})
	// It only does jobs, and sends none: eager fan-out.
	store, err := blobimage.Wrap(faulty, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	w := &queue.Worker{Store: store, Subscription: natsSubscription(t, nc, time.Second), Concurrency: 1}
	if err := w.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
