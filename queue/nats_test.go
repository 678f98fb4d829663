package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"gocloud.dev/pubsub"

	"github.com/blobimage/blobimage/internal/natsjs"
	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

// natsEngine runs the jobs through a real NATS server (JetStream, started in
// this process on 127.0.0.1): the topic publishes to a work-queue stream and
// every worker opens its own connection and subscription on one durable
// consumer, as separate worker processes would. A message not acked within
// ackWait (a killed worker's) is redelivered to another.
func natsEngine(t testing.TB, url string, ackWait time.Duration) engine {
	ctx := context.Background()
	connect := func() *nats.Conn {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
	nc := connect()
	if err := natsjs.EnsureStream(ctx, nc, "BLOBIMAGE", []string{"blobimage.jobs"}, &natsjs.StreamOptions{WorkQueue: true, Memory: true}); err != nil {
		t.Fatal(err)
	}
	topic, err := natsjs.OpenTopic(nc, "blobimage.jobs", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = topic.Shutdown(context.Background()) })
	return engine{topic: topic, sub: func(t testing.TB) *pubsub.Subscription {
		sub := natsSubscription(t, connect(), ackWait)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = sub.Shutdown(ctx)
		})
		return sub
	}}
}

// natsSubscription opens a subscription on the workers' shared consumer.
func natsSubscription(t testing.TB, nc *nats.Conn, ackWait time.Duration) *pubsub.Subscription {
	sub, err := natsjs.OpenSubscription(nc, "BLOBIMAGE", "workers", &natsjs.SubscriptionOptions{AckWait: ackWait})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestBackgroundNATS is TestBackgroundMem on NATS JetStream: two workers
// (and a restarted one) share the jobs of one consumer, the first is killed
// in the middle of a job, and every image still ends complete with each
// variant made once.
func TestBackgroundNATS(t *testing.T) {
	runBackground(t, natsEngine(t, natstest.Start(t), time.Second), 12)
}
