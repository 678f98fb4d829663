package natsjs

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"

	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

// connect opens a connection that is closed when the test ends.
func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func openTestTopic(t *testing.T, nc *nats.Conn, subject string) *pubsub.Topic {
	t.Helper()
	top, err := OpenTopic(nc, subject, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = top.Shutdown(context.Background()) })
	return top
}

func openTestSubscription(t *testing.T, nc *nats.Conn, stream, consumer string, opts *SubscriptionOptions) *pubsub.Subscription {
	t.Helper()
	sub, err := OpenSubscription(nc, stream, consumer, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Shutdown(context.Background()) })
	return sub
}

func streamMsgs(t *testing.T, nc *nats.Conn, stream string) uint64 {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestRedeliveryAfterWorkerDies receives a message, drops it without acking
// (shuts the subscription down and closes its connection, as if the worker
// process had been killed), and checks that a new subscription on the same
// consumer gets the message again once AckWait has passed.
func TestRedeliveryAfterWorkerDies(t *testing.T) {
	url := natstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	nc := connect(t, url)
	if err := EnsureStream(ctx, nc, "JOBS", []string{"jobs"}, &StreamOptions{WorkQueue: true}); err != nil {
		t.Fatal(err)
	}
	top := openTestTopic(t, nc, "jobs")
	if err := top.Send(ctx, &pubsub.Message{Body: []byte("job-1"), Metadata: map[string]string{"id": "1"}}); err != nil {
		t.Fatal(err)
	}

	// Worker 1: default AckWait (30s); receives and dies.
	nc1, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	sub1, err := OpenSubscription(nc1, "JOBS", "workers", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sub1.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Body) != "job-1" {
		t.Fatalf("worker 1 got %q, want job-1", m.Body)
	}
	_ = sub1.Shutdown(ctx)
	nc1.Close()
	// The worker is gone, and with it its connection and ack batcher: this
	// Nack reaches nobody; it only keeps gocloud's finalizer from logging
	// "A pubsub.Message was never Acked or Nacked".
	m.Nack()

	// Worker 2 opens the same consumer with a 1s AckWait, which updates the
	// consumer; the un-acked message comes back.
	start := time.Now()
	sub2 := openTestSubscription(t, connect(t, url), "JOBS", "workers", &SubscriptionOptions{AckWait: time.Second})
	m2, err := sub2.Receive(ctx)
	if err != nil {
		t.Fatalf("message not redelivered: %v", err)
	}
	t.Logf("redelivered after %v", time.Since(start))
	if string(m2.Body) != "job-1" || m2.Metadata["id"] != "1" {
		t.Fatalf("worker 2 got %q %v, want job-1 with id=1", m2.Body, m2.Metadata)
	}
	var jm jetstream.Msg
	if !m2.As(&jm) {
		t.Fatal("Message.As(*jetstream.Msg) failed")
	}
	md, err := jm.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if md.NumDelivered != 2 {
		t.Errorf("NumDelivered = %d, want 2", md.NumDelivered)
	}
	m2.Ack()
	if err := sub2.Shutdown(ctx); err != nil { // flushes the ack
		t.Fatal(err)
	}
	// Work-queue retention: the acked message is gone from the stream.
	if n := streamMsgs(t, nc, "JOBS"); n != 0 {
		t.Errorf("stream holds %d messages after ack, want 0", n)
	}
}

// TestCompetingSubscriptions checks that two subscriptions (on separate
// connections, as two worker processes would have) on one consumer split the
// messages between them, each message being processed exactly once.
func TestCompetingSubscriptions(t *testing.T) {
	const n = 200
	url := natstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	nc := connect(t, url)
	if err := EnsureStream(ctx, nc, "WORK", []string{"work.>"}, &StreamOptions{WorkQueue: true, Memory: true}); err != nil {
		t.Fatal(err)
	}
	top := openTestTopic(t, nc, "work.images")
	for i := range n {
		if err := top.Send(ctx, &pubsub.Message{Body: []byte(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}

	var (
		mu    sync.Mutex
		seen  = map[string]int{} // body -> worker
		per   [2]int
		total int
	)
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()
	var wg sync.WaitGroup
	for w := range 2 {
		opts := &SubscriptionOptions{
			AckWait:               10 * time.Second,
			MaxWait:               100 * time.Millisecond,
			ReceiveBatcherOptions: &batcher.Options{MaxBatchSize: 5, MaxHandlers: 1},
		}
		sub := openTestSubscription(t, connect(t, url), "WORK", "workers", opts)
		wg.Go(func() {
			for {
				m, err := sub.Receive(rctx)
				if err != nil {
					return
				}
				time.Sleep(time.Millisecond) // a little work
				mu.Lock()
				if prev, dup := seen[string(m.Body)]; dup {
					t.Errorf("message %s received by worker %d and again by worker %d", m.Body, prev, w)
				}
				seen[string(m.Body)] = w
				per[w]++
				total++
				if total == n {
					rcancel()
				}
				mu.Unlock()
				m.Ack()
			}
		})
	}
	wg.Wait()
	if total != n {
		t.Fatalf("received %d messages, want %d", total, n)
	}
	t.Logf("worker 0: %d, worker 1: %d", per[0], per[1])
	if per[0] == 0 || per[1] == 0 {
		t.Errorf("one worker got nothing: %v", per)
	}
}

// TestMetadataDoesNotReachJetStream checks that metadata named like a NATS
// header (here the deduplication ID) is carried as plain metadata.
func TestMetadataDoesNotReachJetStream(t *testing.T) {
	url := natstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc := connect(t, url)
	if err := EnsureStream(ctx, nc, "MD", []string{"md"}, &StreamOptions{Memory: true}); err != nil {
		t.Fatal(err)
	}
	top := openTestTopic(t, nc, "md")
	for range 2 {
		if err := top.Send(ctx, &pubsub.Message{Body: []byte("x"), Metadata: map[string]string{"Nats-Msg-Id": "same"}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, nc, "MD"); n != 2 {
		t.Fatalf("stream holds %d messages, want 2 (metadata must not trigger deduplication)", n)
	}
	sub := openTestSubscription(t, nc, "MD", "c", nil)
	m, err := sub.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.Ack()
	if got := m.Metadata["Nats-Msg-Id"]; got != "same" {
		t.Errorf("metadata %v, want Nats-Msg-Id=same", m.Metadata)
	}
}
