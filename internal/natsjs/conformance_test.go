package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/driver"
	"gocloud.dev/pubsub/drivertest"

	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

// harness implements drivertest.Harness. Each topic gets its own memory
// stream with limits retention, so that several consumers of one topic
// (TestSendReceiveTwo) each see every message.
type harness struct {
	nc *nats.Conn
	js jetstream.JetStream

	mu      sync.Mutex
	streams map[driver.Topic]string
}

// seq makes stream, subject and consumer names unique across the tests
// sharing one server.
var seq atomic.Int64

func newHarnessMaker(url string) drivertest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (drivertest.Harness, error) {
		nc, err := nats.Connect(url)
		if err != nil {
			return nil, err
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			return nil, err
		}
		return &harness{nc: nc, js: js, streams: map[driver.Topic]string{}}, nil
	}
}

func (h *harness) CreateTopic(ctx context.Context, testName string) (driver.Topic, func(), error) {
	n := seq.Add(1)
	stream := fmt.Sprintf("CONFORMANCE_%d", n)
	subject := fmt.Sprintf("conformance.%d", n)
	if err := EnsureStream(ctx, h.nc, stream, []string{subject}, &StreamOptions{Memory: true}); err != nil {
		return nil, nil, err
	}
	dt, err := openTopic(h.nc, subject)
	if err != nil {
		return nil, nil, err
	}
	h.mu.Lock()
	h.streams[dt] = stream
	h.mu.Unlock()
	cleanup := func() { _ = h.js.DeleteStream(context.Background(), stream) }
	return dt, cleanup, nil
}

func (h *harness) MakeNonexistentTopic(ctx context.Context) (driver.Topic, error) {
	return openTopic(h.nc, "no.stream.captures.this")
}

func (h *harness) CreateSubscription(ctx context.Context, dt driver.Topic, testName string) (driver.Subscription, func(), error) {
	h.mu.Lock()
	stream, ok := h.streams[dt]
	h.mu.Unlock()
	if !ok {
		return nil, nil, errors.New("topic not created by this harness")
	}
	consumer := fmt.Sprintf("consumer_%d", seq.Add(1))
	ds, err := openSubscription(h.nc, stream, consumer, &SubscriptionOptions{MaxWait: 250 * time.Millisecond})
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = h.js.DeleteConsumer(context.Background(), stream, consumer) }
	return ds, cleanup, nil
}

func (h *harness) MakeNonexistentSubscription(ctx context.Context) (driver.Subscription, func(), error) {
	ds, err := openSubscription(h.nc, "NO_SUCH_STREAM", "consumer", &SubscriptionOptions{})
	return ds, func() {}, err
}

func (h *harness) Close() { h.nc.Close() }

func (h *harness) MaxBatchSizes() (int, int) { return 0, 0 }

func (h *harness) SupportsMultipleSubscriptions() bool { return true }

func TestConformance(t *testing.T) {
	url := natstest.Start(t)
	drivertest.RunConformanceTests(t, newHarnessMaker(url), []drivertest.AsTest{asTest{}})
}

// asTest checks the driver-specific types exposed through As and ErrorAs.
type asTest struct{}

func (asTest) Name() string { return "natsjs" }

func (asTest) TopicCheck(top *pubsub.Topic) error {
	var js jetstream.JetStream
	if !top.As(&js) || js == nil {
		return errors.New("Topic.As(*jetstream.JetStream) failed")
	}
	var nc *nats.Conn
	if !top.As(&nc) || nc == nil {
		return errors.New("Topic.As(**nats.Conn) failed")
	}
	var cons jetstream.Consumer
	if top.As(&cons) {
		return errors.New("Topic.As(*jetstream.Consumer) succeeded, want false")
	}
	return nil
}

func (asTest) SubscriptionCheck(sub *pubsub.Subscription) error {
	var js jetstream.JetStream
	if !sub.As(&js) || js == nil {
		return errors.New("Subscription.As(*jetstream.JetStream) failed")
	}
	var nc *nats.Conn
	if !sub.As(&nc) || nc == nil {
		return errors.New("Subscription.As(**nats.Conn) failed")
	}
	return nil
}

func (asTest) TopicErrorCheck(top *pubsub.Topic, err error) error {
	var jsErr jetstream.JetStreamError
	if !top.ErrorAs(err, &jsErr) {
		return fmt.Errorf("Topic.ErrorAs(%v, *jetstream.JetStreamError) failed", err)
	}
	if !errors.Is(jsErr, jetstream.ErrNoStreamResponse) {
		return fmt.Errorf("got %v, want jetstream.ErrNoStreamResponse", jsErr)
	}
	return nil
}

func (asTest) SubscriptionErrorCheck(sub *pubsub.Subscription, err error) error {
	var apiErr *jetstream.APIError
	if !sub.ErrorAs(err, &apiErr) {
		return fmt.Errorf("Subscription.ErrorAs(%v, **jetstream.APIError) failed", err)
	}
	if apiErr.ErrorCode != jetstream.JSErrCodeStreamNotFound {
		return fmt.Errorf("got %v, want stream not found", apiErr)
	}
	return nil
}

func (asTest) MessageCheck(m *pubsub.Message) error {
	var jm jetstream.Msg
	if !m.As(&jm) || jm == nil {
		return errors.New("Message.As(*jetstream.Msg) failed")
	}
	if string(jm.Data()) != string(m.Body) {
		return fmt.Errorf("jetstream.Msg data %q, want %q", jm.Data(), m.Body)
	}
	return nil
}

func (asTest) BeforeSend(as func(any) bool) error {
	var nm *nats.Msg
	if !as(&nm) || nm == nil {
		return errors.New("BeforeSend As(**nats.Msg) failed")
	}
	return nil
}

func (asTest) AfterSend(as func(any) bool) error {
	var ack *jetstream.PubAck
	if !as(&ack) || ack == nil {
		return errors.New("AfterSend As(**jetstream.PubAck) failed")
	}
	if ack.Sequence == 0 {
		return errors.New("PubAck has no stream sequence")
	}
	return nil
}
