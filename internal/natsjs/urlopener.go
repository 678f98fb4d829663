package natsjs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/pubsub"
)

const (
	// Scheme is the URL scheme this package registers on
	// pubsub.DefaultURLMux.
	Scheme = "natsjs"
	// DefaultStream is the stream a topic URL creates when it has no
	// ?stream= parameter.
	DefaultStream = "BLOBIMAGE"
	// ServerURLEnv is the environment variable holding the NATS server URL
	// used by a URLOpener without a Conn.
	ServerURLEnv = "NATS_SERVER_URL"
	// DefaultServerURL is used when ServerURLEnv is unset or empty.
	DefaultServerURL = "nats://127.0.0.1:4222"
)

// defaultURLOpener is the opener registered on pubsub.DefaultURLMux.
var defaultURLOpener = new(URLOpener)

func init() {
	pubsub.DefaultURLMux().RegisterTopic(Scheme, defaultURLOpener)
	pubsub.DefaultURLMux().RegisterSubscription(Scheme, defaultURLOpener)
}

// URLOpener opens natsjs:// topic and subscription URLs (see the package
// documentation for the format). The zero value is ready to use; a URLOpener
// must not be copied after first use.
type URLOpener struct {
	// Conn is the connection to use. If nil, the opener connects on first use
	// to the server named by $NATS_SERVER_URL (default
	// nats://127.0.0.1:4222), reconnecting forever on failures, and reuses
	// that connection for later opens on the same server URL. Such
	// connections stay open for the life of the process.
	Conn *nats.Conn
	// TopicOptions are used for every opened topic.
	TopicOptions TopicOptions
	// SubscriptionOptions are used for every opened subscription; the URL's
	// subject and ack_wait parameters override FilterSubject and AckWait.
	SubscriptionOptions SubscriptionOptions
	// StreamOptions configure streams the opener creates; nil means a
	// file-backed work-queue stream.
	StreamOptions *StreamOptions

	mu    sync.Mutex
	conns map[string]*nats.Conn
}

// OpenTopicURL opens natsjs://SUBJECT?stream=NAME, creating the stream NAME
// (default DefaultStream) over SUBJECT if it does not exist.
func (o *URLOpener) OpenTopicURL(ctx context.Context, u *url.URL) (*pubsub.Topic, error) {
	subject, err := urlName(u)
	if err != nil {
		return nil, err
	}
	stream := DefaultStream
	for k, v := range u.Query() {
		switch k {
		case "stream":
			stream = v[len(v)-1]
		default:
			return nil, fmt.Errorf("natsjs: open topic %v: invalid query parameter %q", u, k)
		}
	}
	nc, err := o.conn()
	if err != nil {
		return nil, fmt.Errorf("natsjs: open topic %v: %w", u, err)
	}
	if err := o.createStreamIfMissing(ctx, nc, stream, subject); err != nil {
		return nil, fmt.Errorf("natsjs: open topic %v: %w", u, err)
	}
	return OpenTopic(nc, subject, &o.TopicOptions)
}

// OpenSubscriptionURL opens
// natsjs://STREAM?consumer=NAME&subject=FILTER&ack_wait=DURATION. consumer
// is required. If STREAM does not exist it is created over FILTER, which is
// then required too.
func (o *URLOpener) OpenSubscriptionURL(ctx context.Context, u *url.URL) (*pubsub.Subscription, error) {
	stream, err := urlName(u)
	if err != nil {
		return nil, err
	}
	opts := o.SubscriptionOptions
	var consumer string
	for k, v := range u.Query() {
		val := v[len(v)-1]
		switch k {
		case "consumer":
			consumer = val
		case "subject":
			opts.FilterSubject = val
		case "ack_wait":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("natsjs: open subscription %v: invalid ack_wait %q", u, val)
			}
			opts.AckWait = d
		default:
			return nil, fmt.Errorf("natsjs: open subscription %v: invalid query parameter %q", u, k)
		}
	}
	if consumer == "" {
		return nil, fmt.Errorf("natsjs: open subscription %v: missing consumer parameter", u)
	}
	nc, err := o.conn()
	if err != nil {
		return nil, fmt.Errorf("natsjs: open subscription %v: %w", u, err)
	}
	if err := o.createStreamIfMissing(ctx, nc, stream, opts.FilterSubject); err != nil {
		return nil, fmt.Errorf("natsjs: open subscription %v: %w", u, err)
	}
	return OpenSubscription(nc, stream, consumer, &opts)
}

// urlName returns the host part of a natsjs URL, rejecting paths.
func urlName(u *url.URL) (string, error) {
	if u.Host == "" {
		return "", fmt.Errorf("natsjs: URL %v has no subject or stream name", u)
	}
	if u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("natsjs: URL %v: unexpected path %q", u, u.Path)
	}
	return u.Host, nil
}

// conn returns o.Conn or the shared connection for $NATS_SERVER_URL.
func (o *URLOpener) conn() (*nats.Conn, error) {
	if o.Conn != nil {
		return o.Conn, nil
	}
	server := os.Getenv(ServerURLEnv)
	if server == "" {
		server = DefaultServerURL
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if nc := o.conns[server]; nc != nil && !nc.IsClosed() {
		return nc, nil
	}
	nc, err := nats.Connect(server, nats.Name("blobimage natsjs"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", server, err)
	}
	if o.conns == nil {
		o.conns = make(map[string]*nats.Conn)
	}
	o.conns[server] = nc
	return nc, nil
}

// closeConns closes the connections the opener made (for tests; topics and
// subscriptions opened on them stop working).
func (o *URLOpener) closeConns() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for server, nc := range o.conns {
		nc.Close()
		delete(o.conns, server)
	}
}

// createStreamIfMissing creates stream over subject unless a stream of that
// name already exists (which is then left as it is).
func (o *URLOpener) createStreamIfMissing(ctx context.Context, nc *nats.Conn, stream, subject string) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	_, err = js.Stream(ctx, stream)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("looking up stream %q: %w", stream, err)
	}
	if subject == "" {
		return fmt.Errorf("stream %q does not exist and no subject was given to create it over", stream)
	}
	so := o.StreamOptions
	if so == nil {
		so = &StreamOptions{WorkQueue: true}
	}
	_, err = js.CreateStream(ctx, streamConfig(stream, []string{subject}, so))
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		// ErrStreamNameAlreadyInUse: another opener won the race.
		return fmt.Errorf("creating stream %q: %w", stream, err)
	}
	return nil
}
