package rabbitmq_test

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/rabbitpubsub"

	"github.com/blobimage/blobimage/internal/rabbitmq"
	"github.com/blobimage/blobimage/internal/rabbittest"
)

// TestDeclare: on a bare broker Declare makes a topic and a subscription of
// one name meet, with a message sent before the subscription opened
// waiting for it, persistent; declaring again changes nothing; and an
// exchange and queue that exist with other settings (a topic exchange, a
// quorum queue) are used as they are instead of failing.
func TestDeclare(t *testing.T) {
	server := rabbittest.Start(t)
	conn, err := amqp.Dial(server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	roundTrip := func(t *testing.T, name string) {
		t.Helper()
		for range 2 { // idempotent
			if err := rabbitmq.Declare(conn, name); err != nil {
				t.Fatal(err)
			}
		}
		topic := rabbitpubsub.OpenTopic(conn, name, nil)
		defer topic.Shutdown(ctx)
		if err := topic.Send(ctx, &pubsub.Message{Body: []byte("job"), BeforeSend: rabbitmq.Persistent}); err != nil {
			t.Fatal(err)
		}
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		d, ok, err := ch.Get(name, false)
		if err != nil || !ok {
			t.Fatalf("get from queue %s: %v, %v", name, ok, err)
		}
		if string(d.Body) != "job" || d.DeliveryMode != amqp.Persistent {
			t.Errorf("got %q, delivery mode %d; want \"job\", persistent", d.Body, d.DeliveryMode)
		}
		_ = d.Nack(false, true)
		_ = ch.Close()
		sub := rabbitpubsub.OpenSubscription(conn, name, nil)
		defer sub.Shutdown(ctx)
		m, err := sub.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Ack()
		if string(m.Body) != "job" {
			t.Errorf("received %q", m.Body)
		}
	}

	t.Run("bare", func(t *testing.T) { roundTrip(t, "bare") })
	t.Run("existing", func(t *testing.T) {
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.ExchangeDeclare("existing", amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := ch.QueueDeclare("existing", true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
			t.Fatal(err)
		}
		_ = ch.Close()
		roundTrip(t, "existing")
	})
}
