// Package rabbitmq holds what blobimage sets up on a RabbitMQ broker for
// its job queue, shared by the CLI and the tests: gocloud's rabbitpubsub
// publishes to an exchange and consumes from a queue that must already
// exist, and sends transient messages.
package rabbitmq

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Declare declares, idempotently, a durable fanout exchange name and a
// durable queue name bound to it, so a topic (the exchange) and a
// subscription (the queue) of the same name meet on a bare broker, and
// messages sent before any consumer has started wait in the queue. An
// exchange or queue that exists with other settings is the broker's error.
func Declare(conn *amqp.Connection, name string) error {
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: declare %q: open channel: %w", name, err)
	}
	defer ch.Close()
	if err := ch.ExchangeDeclare(name, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("rabbitmq: declare exchange %q: %w", name, err)
	}
	if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
		return fmt.Errorf("rabbitmq: declare queue %q: %w", name, err)
	}
	if err := ch.QueueBind(name, "", name, false, nil); err != nil {
		return fmt.Errorf("rabbitmq: bind queue %q to its exchange: %w", name, err)
	}
	return nil
}

// Persistent is a pubsub.Message.BeforeSend that marks a message
// persistent (delivery mode 2), so it outlives a broker restart like the
// durable queue holding it.
func Persistent(asFunc func(any) bool) error {
	var p *amqp.Publishing
	if asFunc(&p) {
		p.DeliveryMode = amqp.Persistent
	}
	return nil
}
