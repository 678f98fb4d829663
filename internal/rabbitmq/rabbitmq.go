// Package rabbitmq holds what blobimage sets up on a RabbitMQ broker for
// its job queue, shared by the CLI and the tests: gocloud's rabbitpubsub
// publishes to an exchange and consumes from a queue that must already
// exist, and sends transient messages.
package rabbitmq

import (
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Declare makes sure a topic (the exchange name) and a subscription (the
// queue name) of the same name meet: what is missing of a durable fanout
// exchange name, a durable queue name, and the queue's binding to the
// exchange is declared, so on a bare broker messages sent before any
// consumer has started wait in the queue. An exchange or queue that
// already exists is used as it is, whatever its settings (a quorum queue,
// a topic exchange): each is first looked up with a passive declare, which
// compares nothing but the name.
func Declare(conn *amqp.Connection, name string) error {
	exchange, err := exists(conn, func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(name, amqp.ExchangeFanout, true, false, false, false, nil)
	})
	if err != nil {
		return fmt.Errorf("rabbitmq: look up exchange %q: %w", name, err)
	}
	queue, err := exists(conn, func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("rabbitmq: look up queue %q: %w", name, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: declare %q: open channel: %w", name, err)
	}
	defer ch.Close()
	if !exchange {
		if err := ch.ExchangeDeclare(name, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
			return fmt.Errorf("rabbitmq: declare exchange %q: %w", name, err)
		}
	}
	if !queue {
		if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
			return fmt.Errorf("rabbitmq: declare queue %q: %w", name, err)
		}
	}
	// Binding is idempotent: an existing binding is left as it is.
	if err := ch.QueueBind(name, "", name, false, nil); err != nil {
		return fmt.Errorf("rabbitmq: bind queue %q to its exchange: %w", name, err)
	}
	return nil
}

// exists runs a passive declare on a channel of its own (a failed one
// closes the channel) and reports whether the entity exists: a NOT_FOUND
// from the broker is false, any other failure an error.
func exists(conn *amqp.Connection, passive func(*amqp.Channel) error) (bool, error) {
	ch, err := conn.Channel()
	if err != nil {
		return false, err
	}
	err = passive(ch)
	var aerr *amqp.Error
	switch {
	case err == nil:
		_ = ch.Close()
		return true, nil
	case errors.As(err, &aerr) && aerr.Code == amqp.NotFound:
		return false, nil // the broker closed the channel
	default:
		_ = ch.Close()
		return false, err
	}
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
