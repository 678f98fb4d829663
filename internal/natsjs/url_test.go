package natsjs

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/pubsub"

	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

func TestURLOpener(t *testing.T) {
	t.Setenv(ServerURLEnv, natstest.Start(t))
	t.Cleanup(defaultURLOpener.closeConns)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	top, err := pubsub.OpenTopic(ctx, "natsjs://blobimage.test.jobs?stream=URLTEST")
	if err != nil {
		t.Fatal(err)
	}
	defer top.Shutdown(ctx)
	sub, err := pubsub.OpenSubscription(ctx, "natsjs://URLTEST?consumer=workers&subject=blobimage.test.jobs&ack_wait=2s")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(ctx)

	want := &pubsub.Message{Body: []byte("resize a.jpg"), Metadata: map[string]string{"job": "resize"}}
	if err := top.Send(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := sub.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got.Ack()
	if string(got.Body) != string(want.Body) || got.Metadata["job"] != "resize" {
		t.Errorf("got %q %v, want %q %v", got.Body, got.Metadata, want.Body, want.Metadata)
	}

	// The opener created a file-backed work-queue stream over the subject,
	// and the consumer carries the URL's settings.
	var js jetstream.JetStream
	if !top.As(&js) {
		t.Fatal("Topic.As(*jetstream.JetStream) failed")
	}
	s, err := js.Stream(ctx, "URLTEST")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if cfg.Retention != jetstream.WorkQueuePolicy || cfg.Storage != jetstream.FileStorage ||
		len(cfg.Subjects) != 1 || cfg.Subjects[0] != "blobimage.test.jobs" {
		t.Errorf("stream config: retention %v, storage %v, subjects %v", cfg.Retention, cfg.Storage, cfg.Subjects)
	}
	var cons jetstream.Consumer
	if !sub.As(&cons) {
		t.Fatal("Subscription.As(*jetstream.Consumer) failed after a receive")
	}
	if c := cons.CachedInfo().Config; c.AckWait != 2*time.Second || c.FilterSubject != "blobimage.test.jobs" || c.Durable != "workers" {
		t.Errorf("consumer config: durable %q, ack wait %v, filter %q", c.Durable, c.AckWait, c.FilterSubject)
	}
}

func TestURLOpenerErrors(t *testing.T) {
	t.Setenv(ServerURLEnv, natstest.Start(t))
	o := &URLOpener{}
	t.Cleanup(o.closeConns)
	ctx := context.Background()
	mux := new(pubsub.URLMux)
	mux.RegisterTopic(Scheme, o)
	mux.RegisterSubscription(Scheme, o)
	for _, u := range []string{
		"natsjs://subj?bogus=1",
		"natsjs:///path-only",
		"natsjs://subj/extra/path",
	} {
		if top, err := mux.OpenTopic(ctx, u); err == nil {
			_ = top.Shutdown(ctx)
			t.Errorf("OpenTopic(%q) succeeded, want error", u)
		}
	}
	for _, u := range []string{
		"natsjs://S?subject=s",                          // no consumer
		"natsjs://S?consumer=c&subject=s&ack_wait=soon", // bad duration
		"natsjs://S?consumer=c&subject=s&bogus=1",       // unknown parameter
		"natsjs://MISSING?consumer=c",                   // stream missing, no subject to create it over
	} {
		if sub, err := mux.OpenSubscription(ctx, u); err == nil {
			_ = sub.Shutdown(ctx)
			t.Errorf("OpenSubscription(%q) succeeded, want error", u)
		}
	}
}
