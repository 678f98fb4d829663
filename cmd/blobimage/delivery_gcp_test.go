package main

import (
	"context"
	"testing"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
)

// pubsubAckDeadline is the test subscription's ack deadline, in seconds:
// how long a pulled job stays with its worker, so how long the killed
// worker's job takes to come back. Ten seconds is Pub/Sub's minimum,
// which pstest enforces too; gocloud pulls (it does not stream) and does
// not extend deadlines, so it must also outlast a job plus the time
// gocloud holds a prefetched message.
const pubsubAckDeadline = 10

// TestDeliveryPubSub runs on pstest, Google's in-process Pub/Sub fake,
// reached over gRPC by blobimage's processes through
// PUBSUB_EMULATOR_HOST: gocloud's gcppubsub then dials it without TLS or
// credentials, so nothing reaches real GCP.
func TestDeliveryPubSub(t *testing.T) {
	srv := pstest.NewServer()
	t.Cleanup(func() { _ = srv.Close() })
	const (
		topic = "projects/blobimage-test/topics/blobimage-jobs"
		sub   = "projects/blobimage-test/subscriptions/blobimage-workers"
	)
	ctx := context.Background()
	if _, err := srv.GServer.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.GServer.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: topic,
		AckDeadlineSeconds: pubsubAckDeadline}); err != nil {
		t.Fatal(err)
	}
	testDelivery(t, engine{topic: "gcppubsub://" + topic, sub: "gcppubsub://" + sub,
		env: map[string]string{
			"PUBSUB_EMULATOR_HOST": srv.Addr,
			// Read only without the emulator: an unreadable file, so
			// that a broken emulator set-up fails rather than falling
			// back to real credentials.
			"GOOGLE_APPLICATION_CREDENTIALS": "/dev/null",
		}})
}
