package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/rabbitpubsub"

	"github.com/blobimage/blobimage/internal/rabbitmq"
	"github.com/blobimage/blobimage/internal/rabbittest"
)

// rabbitEngine runs the jobs through a real RabbitMQ broker: a durable
// exchange and queue declared as the CLI declares them, persistent
// messages, and every worker on a connection of its own (as separate
// processes would) with a prefetch of prefetch unacknowledged jobs. A
// message a worker hands back (Nack) or leaves unacknowledged when its
// connection closes goes to another.
func rabbitEngine(t testing.TB, server, name string, prefetch int) engine {
	connect := func() *amqp.Connection {
		conn, err := amqp.Dial(server)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	conn := connect()
	if err := rabbitmq.Declare(conn, name); err != nil {
		t.Fatal(err)
	}
	topic := rabbitpubsub.OpenTopic(conn, name, nil)
	t.Cleanup(func() { _ = topic.Shutdown(context.Background()) })
	var (
		mu    sync.Mutex
		conns = map[*pubsub.Subscription]*amqp.Connection{}
	)
	// A worker's process exit closes its connection.
	exit := func(sub *pubsub.Subscription) {
		mu.Lock()
		defer mu.Unlock()
		_ = conns[sub].Close()
	}
	return engine{topic: topic, beforeSend: rabbitmq.Persistent, exit: exit, sub: func(t testing.TB) *pubsub.Subscription {
		conn := connect()
		sub := rabbitpubsub.OpenSubscription(conn, name, &rabbitpubsub.SubscriptionOptions{PrefetchCount: &prefetch})
		mu.Lock()
		conns[sub] = conn
		mu.Unlock()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = sub.Shutdown(ctx)
		})
		return sub
	}}
}

// TestBackgroundRabbitMQ is TestBackgroundMem on RabbitMQ.
func TestBackgroundRabbitMQ(t *testing.T) {
	server := rabbittest.Start(t)
	runBackground(t, rabbitEngine(t, server, fmt.Sprintf("jobs-%d", time.Now().UnixNano()), 2), 12)
}
