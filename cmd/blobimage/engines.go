package main

// The queue engines the CLI reaches by URL, and what it sets up on them.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/awssnssqs" // awssqs://, awssns://
	_ "gocloud.dev/pubsub/gcppubsub" // gcppubsub://
	"gocloud.dev/pubsub/rabbitpubsub"

	_ "github.com/blobimage/blobimage/internal/natsjs" // natsjs://
)

// A topic or subscription opened by URL, and what must be released with it
// (a RabbitMQ connection of its own).
type (
	openedTopic struct {
		*pubsub.Topic
		// beforeSend, when set, adjusts each message for the engine.
		beforeSend func(asFunc func(any) bool) error
		close      func()
	}
	openedSubscription struct {
		*pubsub.Subscription
		close func()
	}
)

// openTopic opens the topic at rawURL. For rabbit://NAME it first declares
// what a bare broker lacks (see declareRabbit) and marks every message
// persistent, so jobs outlive a broker restart like the durable queue
// holding them.
func openTopic(ctx context.Context, rawURL string) (*openedTopic, error) {
	if name, q, ok := rabbitName(rawURL); ok {
		conn, err := rabbitDeclare(name)
		if err != nil {
			return nil, err
		}
		u := &url.URL{Scheme: rabbitpubsub.Scheme, Host: name, RawQuery: q.Encode()}
		t, err := (&rabbitpubsub.URLOpener{Connection: conn}).OpenTopicURL(ctx, u)
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		return &openedTopic{Topic: t, beforeSend: persistent, close: func() { _ = conn.Close() }}, nil
	}
	t, err := pubsub.OpenTopic(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return &openedTopic{Topic: t, close: func() {}}, nil
}

// openSubscription opens the subscription at rawURL for a worker doing
// concurrency jobs at once. For rabbit://NAME it declares what a bare
// broker lacks and, unless the URL sets prefetch_count, asks the broker to
// hand this worker no more unacknowledged jobs than it works on at once:
// RabbitMQ's default is no limit, which would queue every job at the first
// worker to connect and leave the others idle.
func openSubscription(ctx context.Context, rawURL string, concurrency int) (*openedSubscription, error) {
	if name, q, ok := rabbitName(rawURL); ok {
		conn, err := rabbitDeclare(name)
		if err != nil {
			return nil, err
		}
		if !q.Has("prefetch_count") {
			if concurrency <= 0 {
				concurrency = runtime.GOMAXPROCS(0)
			}
			q.Set("prefetch_count", strconv.Itoa(concurrency))
		}
		u := &url.URL{Scheme: rabbitpubsub.Scheme, Host: name, RawQuery: q.Encode()}
		s, err := (&rabbitpubsub.URLOpener{Connection: conn}).OpenSubscriptionURL(ctx, u)
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		return &openedSubscription{Subscription: s, close: func() { _ = conn.Close() }}, nil
	}
	s, err := pubsub.OpenSubscription(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return &openedSubscription{Subscription: s, close: func() {}}, nil
}

// rabbitName returns the exchange (and queue) name of a rabbit:// URL and
// its query.
func rabbitName(rawURL string) (string, url.Values, bool) {
	if !strings.HasPrefix(rawURL, rabbitpubsub.Scheme+"://") {
		return "", nil, false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, false
	}
	return path.Join(u.Host, u.Path), u.Query(), true
}

// rabbitDeclare connects to $RABBIT_SERVER_URL (gocloud's convention) and
// declares, idempotently, a durable fanout exchange NAME and a durable
// queue NAME bound to it: `put --queue rabbit://jobs` and `worker
// --subscription rabbit://jobs` then meet on a bare broker, and jobs sent
// before any worker has started wait in the queue. An exchange or queue
// that exists with other settings is an error from the broker, reported
// as is. It returns the connection, for the topic or subscription.
func rabbitDeclare(name string) (*amqp.Connection, error) {
	if name == "" {
		return nil, errors.New("rabbit:// URL without an exchange name (rabbit://NAME)")
	}
	server := os.Getenv("RABBIT_SERVER_URL")
	if server == "" {
		return nil, errors.New("rabbit://: RABBIT_SERVER_URL is not set (e.g. amqp://guest:guest@localhost:5672/)")
	}
	conn, err := amqp.Dial(server)
	if err != nil {
		return nil, fmt.Errorf("rabbit://: connect to RABBIT_SERVER_URL %s: %w", redact(server), err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.ExchangeDeclare(name, amqp.ExchangeFanout, true, false, false, false, nil)
	}
	if err == nil {
		_, err = ch.QueueDeclare(name, true, false, false, false, nil)
	}
	if err == nil {
		err = ch.QueueBind(name, "", name, false, nil)
	}
	if ch != nil {
		_ = ch.Close()
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("rabbit://%s: declare exchange and queue: %w", name, err)
	}
	return conn, nil
}

// persistent marks a RabbitMQ message persistent (delivery mode 2).
func persistent(asFunc func(any) bool) error {
	var p *amqp.Publishing
	if asFunc(&p) {
		p.DeliveryMode = amqp.Persistent
	}
	return nil
}
