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
	_ "gocloud.dev/pubsub/azuresb"   // azuresb://
	_ "gocloud.dev/pubsub/gcppubsub" // gcppubsub://
	"gocloud.dev/pubsub/rabbitpubsub"

	_ "github.com/blobimage/blobimage/internal/natsjs" // natsjs://
	"github.com/blobimage/blobimage/internal/rabbitmq"
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
// what a bare broker lacks (see rabbitDeclare) and marks every message
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
		return &openedTopic{Topic: t, beforeSend: rabbitmq.Persistent, close: func() { _ = conn.Close() }}, nil
	}
	t, err := pubsub.OpenTopic(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return &openedTopic{Topic: t, close: func() {}}, nil
}

// openSubscription opens the subscription at rawURL for a worker doing
// concurrency jobs at once. For rabbit://NAME it declares what a bare
// broker lacks and, unless the URL sets prefetch_count, bounds the jobs the
// broker hands this worker before it acknowledges any (rabbitPrefetch).
func openSubscription(ctx context.Context, rawURL string, concurrency int) (*openedSubscription, error) {
	if name, q, ok := rabbitName(rawURL); ok {
		conn, err := rabbitDeclare(name)
		if err != nil {
			return nil, err
		}
		if !q.Has("prefetch_count") {
			q.Set("prefetch_count", strconv.Itoa(rabbitPrefetch(concurrency)))
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

// rabbitPrefetch is a worker's default RabbitMQ prefetch: four jobs per
// job it works on at once, and at least 8. RabbitMQ's default is no limit,
// which queues every job at the first worker to connect and leaves the
// others idle; a prefetch of one job per slot starves the worker instead,
// because gocloud's receiver waits up to 50 ms for a fuller batch and the
// broker sends the next job only after an acknowledgement arrives (1,000
// small jobs on 4 workers: 77 jobs/s with a prefetch of 2, 294 with 8, 714
// with 32; TestLoadRabbitMQ). A killed worker's prefetched jobs go back to
// the queue at once, when its connection closes.
func rabbitPrefetch(concurrency int) int {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return max(4*concurrency, 8)
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
// declares a durable fanout exchange NAME and a durable queue NAME bound to
// it (rabbitmq.Declare): `put --queue rabbit://jobs` and `worker
// --subscription rabbit://jobs` then meet on a bare broker, and jobs sent
// before any worker has started wait in the queue. It returns the
// connection, for the topic or subscription.
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
	if err := rabbitmq.Declare(conn, name); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}
