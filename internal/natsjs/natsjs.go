package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	"gocloud.dev/pubsub/driver"
	"golang.org/x/sync/errgroup"
)

// Defaults for the options below.
const (
	// DefaultAckWait is the consumer AckWait used when
	// SubscriptionOptions.AckWait is zero.
	DefaultAckWait = 30 * time.Second
	// DefaultMaxWait is how long ReceiveBatch waits for a first message when
	// SubscriptionOptions.MaxWait is zero.
	DefaultMaxWait = time.Second
)

// Default batcher options. Publishes within one batch are sequential (each
// waits for its JetStream ack); concurrency comes from the handlers.
var (
	defaultSendBatcherOptions = batcher.Options{MaxBatchSize: 16, MaxHandlers: 8}
	defaultRecvBatcherOptions = batcher.Options{MaxBatchSize: 100, MaxHandlers: 2}
	defaultAckBatcherOptions  = batcher.Options{MaxBatchSize: 100, MaxHandlers: 2}
)

// TopicOptions configures OpenTopic. The zero value is ready to use.
type TopicOptions struct {
	// BatcherOptions overrides the batching of Send calls; nil means up to 16
	// messages per batch and 8 concurrent batches.
	BatcherOptions *batcher.Options
}

// SubscriptionOptions configures OpenSubscription. The zero value is ready
// to use. The consumer-level settings (AckWait, FilterSubject, MaxDeliver,
// MaxAckPending) are written to the durable consumer when the subscription
// first receives, replacing whatever another subscriber configured.
type SubscriptionOptions struct {
	// AckWait is how long the server waits for an ack before redelivering a
	// message; zero means DefaultAckWait (30s).
	AckWait time.Duration
	// FilterSubject restricts the consumer to messages whose subject matches
	// it (wildcards allowed); empty means every subject of the stream.
	FilterSubject string
	// MaxDeliver limits how many times a message is delivered; zero or
	// negative means unlimited.
	MaxDeliver int
	// MaxAckPending limits how many delivered but un-acked messages the
	// consumer allows across all its subscribers; zero means the server
	// default (1000).
	MaxAckPending int
	// MaxWait is how long one ReceiveBatch call waits for a message when none
	// is available; zero means DefaultMaxWait (1s).
	MaxWait time.Duration
	// ReceiveBatcherOptions and AckBatcherOptions override the batching of
	// receives and acks; nil means up to 100 messages per batch and two
	// concurrent batches.
	ReceiveBatcherOptions *batcher.Options
	AckBatcherOptions     *batcher.Options
}

// StreamOptions configures EnsureStream. The zero value means a replicated
// once, file-backed stream with limits retention and no limits.
type StreamOptions struct {
	// WorkQueue selects work-queue retention: a message is deleted from the
	// stream once acked, and each subject may be consumed by only one
	// consumer. Otherwise (limits retention) messages are kept until MaxAge
	// and every consumer sees every message.
	WorkQueue bool
	// Memory selects memory storage instead of file storage (for tests).
	Memory bool
	// MaxAge discards messages older than this; zero means no limit.
	MaxAge time.Duration
	// Replicas is the number of replicas in a cluster; zero means 1.
	Replicas int
}

// EnsureStream creates the stream name over subjects, or updates its
// configuration if it already exists (an update replaces the subject list and
// limits; the retention policy and storage type of an existing stream cannot
// be changed and cause an error).
func EnsureStream(ctx context.Context, nc *nats.Conn, name string, subjects []string, opts *StreamOptions) error {
	if opts == nil {
		opts = &StreamOptions{}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	_, err = js.CreateOrUpdateStream(ctx, streamConfig(name, subjects, opts))
	if err != nil {
		return fmt.Errorf("natsjs: ensuring stream %q: %w", name, err)
	}
	return nil
}

func streamConfig(name string, subjects []string, opts *StreamOptions) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:      name,
		Subjects:  subjects,
		Retention: jetstream.LimitsPolicy,
		Storage:   jetstream.FileStorage,
		MaxAge:    opts.MaxAge,
		Replicas:  max(opts.Replicas, 1),
	}
	if opts.WorkQueue {
		cfg.Retention = jetstream.WorkQueuePolicy
	}
	if opts.Memory {
		cfg.Storage = jetstream.MemoryStorage
	}
	return cfg
}

// OpenTopic returns a *pubsub.Topic publishing to subject on the JetStream of
// nc. The stream capturing subject must exist (see EnsureStream); if it does
// not, Send fails with gcerrors.NotFound. Shutting the topic down does not
// close nc.
func OpenTopic(nc *nats.Conn, subject string, opts *TopicOptions) (*pubsub.Topic, error) {
	if opts == nil {
		opts = &TopicOptions{}
	}
	dt, err := openTopic(nc, subject)
	if err != nil {
		return nil, err
	}
	bo := opts.BatcherOptions
	if bo == nil {
		bo = &defaultSendBatcherOptions
	}
	return pubsub.NewTopic(dt, bo), nil
}

func openTopic(nc *nats.Conn, subject string) (*topic, error) {
	if nc == nil {
		return nil, errors.New("natsjs: nil *nats.Conn")
	}
	if subject == "" {
		return nil, errors.New("natsjs: empty subject")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	return &topic{nc: nc, js: js, subject: subject}, nil
}

// OpenSubscription returns a *pubsub.Subscription on the durable pull
// consumer named consumer of stream. Several subscriptions (in one or many
// processes) on the same consumer share its messages, each message going to
// one of them; a message not acked within opts.AckWait (default 30s) is
// redelivered, and Nack redelivers at once (NAK).
//
// Opening does no I/O: the consumer is created or updated on the first
// receive, which fails with gcerrors.NotFound if the stream does not exist.
// Shutting the subscription down does not close nc.
func OpenSubscription(nc *nats.Conn, stream, consumer string, opts *SubscriptionOptions) (*pubsub.Subscription, error) {
	if opts == nil {
		opts = &SubscriptionOptions{}
	}
	ds, err := openSubscription(nc, stream, consumer, opts)
	if err != nil {
		return nil, err
	}
	rbo := opts.ReceiveBatcherOptions
	if rbo == nil {
		rbo = &defaultRecvBatcherOptions
	}
	abo := opts.AckBatcherOptions
	if abo == nil {
		abo = &defaultAckBatcherOptions
	}
	return pubsub.NewSubscription(ds, rbo, abo), nil
}

func openSubscription(nc *nats.Conn, stream, consumer string, opts *SubscriptionOptions) (*subscription, error) {
	if nc == nil {
		return nil, errors.New("natsjs: nil *nats.Conn")
	}
	if stream == "" {
		return nil, errors.New("natsjs: empty stream name")
	}
	if consumer == "" {
		return nil, errors.New("natsjs: empty consumer name")
	}
	if opts.AckWait < 0 || opts.MaxWait < 0 || opts.MaxAckPending < 0 {
		return nil, errors.New("natsjs: negative AckWait, MaxWait or MaxAckPending")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       opts.AckWait,
		FilterSubject: opts.FilterSubject,
		MaxDeliver:    opts.MaxDeliver,
		MaxAckPending: opts.MaxAckPending,
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = -1
	}
	maxWait := opts.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	return &subscription{nc: nc, js: js, stream: stream, cfg: cfg, maxWait: maxWait}, nil
}

// topic implements driver.Topic.
type topic struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	subject string
}

// SendBatch implements driver.Topic.SendBatch. Messages are published one
// after the other, each waiting for its JetStream ack.
func (t *topic) SendBatch(ctx context.Context, ms []*driver.Message) error {
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := encodeHeaders(m.Metadata)
		if err != nil {
			return err
		}
		nm := &nats.Msg{Subject: t.subject, Data: m.Body, Header: h}
		if m.BeforeSend != nil {
			asFunc := func(i any) bool {
				if p, ok := i.(**nats.Msg); ok {
					*p = nm
					return true
				}
				return false
			}
			if err := m.BeforeSend(asFunc); err != nil {
				return err
			}
		}
		ack, err := t.js.PublishMsg(ctx, nm)
		if err != nil {
			return err
		}
		if m.AfterSend != nil {
			asFunc := func(i any) bool {
				if p, ok := i.(**jetstream.PubAck); ok {
					*p = ack
					return true
				}
				return false
			}
			if err := m.AfterSend(asFunc); err != nil {
				return err
			}
		}
	}
	return nil
}

// IsRetryable implements driver.Topic.IsRetryable.
func (*topic) IsRetryable(err error) bool { return isRetryable(err) }

// As implements driver.Topic.As; it supports *jetstream.JetStream and
// **nats.Conn.
func (t *topic) As(i any) bool {
	switch p := i.(type) {
	case *jetstream.JetStream:
		*p = t.js
		return true
	case **nats.Conn:
		*p = t.nc
		return true
	}
	return false
}

// ErrorAs implements driver.Topic.ErrorAs.
func (*topic) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// ErrorCode implements driver.Topic.ErrorCode.
func (*topic) ErrorCode(err error) gcerrors.ErrorCode { return errorCode(err) }

// Close implements driver.Topic.Close. Every SendBatch has already waited for
// its acks, so there is nothing to flush; the connection is not ours.
func (*topic) Close() error { return nil }

// subscription implements driver.Subscription.
type subscription struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  string
	cfg     jetstream.ConsumerConfig
	maxWait time.Duration

	mu   sync.Mutex
	cons jetstream.Consumer // nil until created by the first receive
}

// consumer returns the pull consumer, creating or updating it on first use.
func (s *subscription) consumer(ctx context.Context) (jetstream.Consumer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cons != nil {
		return s.cons, nil
	}
	cons, err := s.js.CreateOrUpdateConsumer(ctx, s.stream, s.cfg)
	if err != nil {
		return nil, err
	}
	s.cons = cons
	return cons, nil
}

// forgetConsumer drops the cached consumer so that the next receive creates
// it again (after it was deleted on the server).
func (s *subscription) forgetConsumer(c jetstream.Consumer) {
	s.mu.Lock()
	if s.cons == c {
		s.cons = nil
	}
	s.mu.Unlock()
}

// ReceiveBatch implements driver.Subscription.ReceiveBatch. It waits up to
// MaxWait for one message, then takes whatever else is available right now,
// up to maxMessages, without waiting. Each fetch is a complete pull request,
// so nothing is left pending on the server when ReceiveBatch returns.
func (s *subscription) ReceiveBatch(ctx context.Context, maxMessages int) ([]*driver.Message, error) {
	cons, err := s.consumer(ctx)
	if err != nil {
		return nil, err
	}
	msgs, err := fetch(cons.Fetch(1, jetstream.FetchMaxWait(s.maxWait)))
	if err == nil && len(msgs) == 1 && maxMessages > 1 {
		var more []jetstream.Msg
		more, err = fetch(cons.FetchNoWait(maxMessages - 1))
		msgs = append(msgs, more...)
	}
	if err != nil {
		nakAll(msgs)
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrConsumerDeleted) {
			// The consumer is gone; recreate it on the retry.
			s.forgetConsumer(cons)
			err = &transientError{err}
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The subscription is being shut down; hand the messages back
		// instead of letting them wait out AckWait.
		nakAll(msgs)
		return nil, err
	}
	dms := make([]*driver.Message, 0, len(msgs))
	for _, m := range msgs {
		dms = append(dms, toDriverMessage(m))
	}
	return dms, nil
}

// fetch drains a fetched batch.
func fetch(b jetstream.MessageBatch, err error) ([]jetstream.Msg, error) {
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	return msgs, b.Error()
}

func nakAll(msgs []jetstream.Msg) {
	for _, m := range msgs {
		_ = m.Nak()
	}
}

func toDriverMessage(m jetstream.Msg) *driver.Message {
	id := "unknown"
	if md, err := m.Metadata(); err == nil {
		id = md.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	return &driver.Message{
		LoggableID: id,
		Body:       m.Data(),
		Metadata:   decodeHeaders(m.Headers()),
		AckID:      m,
		AsFunc: func(i any) bool {
			if p, ok := i.(*jetstream.Msg); ok {
				*p = m
				return true
			}
			return false
		},
	}
}

// SendAcks implements driver.Subscription.SendAcks with JetStream double
// acks (confirmed by the server), sent concurrently.
func (s *subscription) SendAcks(ctx context.Context, ids []driver.AckID) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, id := range ids {
		m := id.(jetstream.Msg)
		g.Go(func() error {
			if err := m.DoubleAck(gctx); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
				return err
			}
			return nil
		})
	}
	return g.Wait()
}

// CanNack implements driver.Subscription.CanNack.
func (*subscription) CanNack() bool { return true }

// SendNacks implements driver.Subscription.SendNacks with NAKs, which make
// the server redeliver the messages at once.
func (s *subscription) SendNacks(ctx context.Context, ids []driver.AckID) error {
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := id.(jetstream.Msg).Nak(); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
			return err
		}
	}
	return nil
}

// IsRetryable implements driver.Subscription.IsRetryable.
func (*subscription) IsRetryable(err error) bool { return isRetryable(err) }

// As implements driver.Subscription.As; it supports *jetstream.JetStream,
// **nats.Conn and, once the consumer has been created, *jetstream.Consumer.
func (s *subscription) As(i any) bool {
	switch p := i.(type) {
	case *jetstream.JetStream:
		*p = s.js
		return true
	case **nats.Conn:
		*p = s.nc
		return true
	case *jetstream.Consumer:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cons == nil {
			return false
		}
		*p = s.cons
		return true
	}
	return false
}

// ErrorAs implements driver.Subscription.ErrorAs.
func (*subscription) ErrorAs(err error, i any) bool { return errors.As(err, i) }

// ErrorCode implements driver.Subscription.ErrorCode.
func (*subscription) ErrorCode(err error) gcerrors.ErrorCode { return errorCode(err) }

// Close implements driver.Subscription.Close. Un-acked messages are left to
// the server, which redelivers them after AckWait; the connection is not
// ours.
func (*subscription) Close() error { return nil }

// invalidMetadataError reports metadata that cannot be sent.
type invalidMetadataError struct{ msg string }

func (e *invalidMetadataError) Error() string { return "natsjs: " + e.msg }

// transientError marks an error after which a retry is expected to succeed.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func isRetryable(err error) bool {
	if isTransient(err) {
		return true
	}
	// A DeadlineExceeded from our caller's context stops gocloud's retry loop
	// anyway; one from nats.go's own request timeout is worth a retry.
	return errorCode(err) == gcerrors.DeadlineExceeded
}

// isTransient reports whether err is a temporary unavailability: a
// reconnecting connection, a restarting server, a leader election.
func isTransient(err error) bool {
	var (
		te     *transientError
		apiErr *jetstream.APIError
	)
	switch {
	case errors.As(err, &te),
		errors.Is(err, jetstream.ErrConsumerLeadershipChanged),
		errors.Is(err, jetstream.ErrServerShutdown),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrNoServers),
		errors.Is(err, nats.ErrDisconnected):
		return true
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return false
	case errors.As(err, &apiErr):
		return apiErr.Code == 503
	}
	return false
}

func errorCode(err error) gcerrors.ErrorCode {
	var ime *invalidMetadataError
	switch {
	case err == nil:
		return gcerrors.OK
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.Is(err, jetstream.ErrNoHeartbeat):
		return gcerrors.DeadlineExceeded
	case errors.As(err, &ime), errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrBadHeaderMsg),
		errors.Is(err, nats.ErrBadSubject), errors.Is(err, jetstream.ErrInvalidSubject),
		errors.Is(err, jetstream.ErrInvalidStreamName), errors.Is(err, jetstream.ErrInvalidConsumerName):
		return gcerrors.InvalidArgument
	case isTransient(err):
		// gcerrors has no "unavailable" code; gocloud maps gRPC's
		// Unavailable to Internal too. IsRetryable tells them apart.
		return gcerrors.Internal
	case errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrNoResponders):
		// Nothing listens on the subject: no stream captures it (nats.go has
		// already retried to ride out leader elections).
		return gcerrors.NotFound
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionDraining):
		return gcerrors.FailedPrecondition
	case errors.Is(err, nats.ErrAuthorization),
		errors.Is(err, nats.ErrPermissionViolation),
		errors.Is(err, nats.ErrAuthExpired),
		errors.Is(err, nats.ErrAuthRevoked):
		return gcerrors.PermissionDenied
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case 400:
			return gcerrors.InvalidArgument
		case 401, 403:
			return gcerrors.PermissionDenied
		case 404:
			return gcerrors.NotFound
		case 408:
			return gcerrors.DeadlineExceeded
		case 409:
			return gcerrors.FailedPrecondition
		case 429:
			return gcerrors.ResourceExhausted
		case 500:
			return gcerrors.Internal
		}
	}
	return gcerrors.Unknown
}
