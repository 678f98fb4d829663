// Package queue runs blobimage's fan-out in the background over
// gocloud.dev/pubsub, so variants are made by workers on any engine gocloud
// supports (in-memory, NATS, Kafka, SQS, Google Pub/Sub, RabbitMQ, Azure
// Service Bus), chosen by URL.
//
// A Store with blobimage.Background fan-out stores each original with its
// variants pending and sends a blobimage.Job through Sender (a pubsub
// topic). A Worker receives jobs from a subscription and calls
// Store.Process, which makes the variants (each written with IfNotExist, so
// a job done twice makes each object once) and then records them in the
// original's manifest. The message is acknowledged only after that: a worker
// that dies mid-job leaves its message unacknowledged, and the engine
// delivers it again (after the subscription's ack deadline) to another
// worker, which finishes the job. Jobs for versions that have since been
// replaced are acknowledged at once.
//
// An Adopter receives bucket event notifications instead (S3, Cloud
// Storage, Azure Event Grid; see ParseNotification) and adopts each image
// written to the bucket past the wrapper (blobimage.Store.Adopt), so
// tools that write straight to the bucket get variants and manifests
// without a regen pass.
//
// Like the blobimage package, this one imports gocloud's portable pubsub
// API only; the application imports the driver for its engine (or opens one
// by URL with pubsub.OpenTopic after importing it).
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"gocloud.dev/pubsub"

	"github.com/blobimage/blobimage/blobimage"
)

// Sender adapts a pubsub topic to blobimage.JobSender: set it as
// blobimage.Options.Jobs, or as ReconcileOptions.Enqueue to spread a
// backfill over workers.
type Sender struct {
	Topic *pubsub.Topic
	// BeforeSend, when set, is each message's pubsub.Message.BeforeSend:
	// it may adjust the engine's own message type (through asFunc), for
	// instance to make a RabbitMQ message persistent.
	BeforeSend func(asFunc func(any) bool) error
}

// SendJob publishes job as a message whose body is job.Marshal() and whose
// metadata carries the key, for engines that route or filter on it.
func (s Sender) SendJob(ctx context.Context, job blobimage.Job) error {
	err := s.Topic.Send(ctx, &pubsub.Message{Body: job.Marshal(), Metadata: map[string]string{"key": job.Key},
		BeforeSend: s.BeforeSend})
	if err != nil {
		return fmt.Errorf("queue: send job for %q: %w", job.Key, err)
	}
	return nil
}

// Worker receives fan-out jobs and does them.
type Worker struct {
	// Store does the work: it must wrap the bucket the jobs' originals are
	// in, with the config that sent them.
	Store *blobimage.Store
	// Subscription delivers the jobs. Several Workers (in one process or
	// many) may share one subscription (or, on engines with consumer
	// groups, one consumer): each message goes to one of them.
	Subscription *pubsub.Subscription
	// Concurrency bounds the jobs done at once; 0 means GOMAXPROCS. The
	// Store's memory budget bounds decoding on top.
	Concurrency int
	// Logger receives a line per failed job; nil logs nothing.
	Logger *slog.Logger
	// Done, when set, is called after each job with its result: nil when
	// the job was acknowledged as done (or moot), else why it was not.
	Done func(job blobimage.Job, err error)
}

// Run receives and does jobs until ctx is done or the subscription fails,
// then waits for the jobs under way. A job that succeeds, or fails in a way
// that will not change on a retry (the original is not an image, is
// corrupt, or is over a limit), is acknowledged; any other failure is
// negatively acknowledged when the engine supports it (redelivered at
// once) and otherwise left to its ack deadline. A job cut short because
// ctx ended is negatively acknowledged too, so that another worker takes it
// up at once; a worker that crashes leaves its jobs unacknowledged, and
// they come back to some worker after the deadline. Either way the next
// attempt finds what the first one wrote (Store.Process is idempotent).
//
// Run returns nil when ctx ends, else the subscription's error.
func (w *Worker) Run(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return receive(ctx, w.Subscription, w.Concurrency, func(msg *pubsub.Message) {
		w.handle(ctx, log, msg)
	})
}

// receive receives messages from sub and hands each to handle, with at
// most concurrency (0: GOMAXPROCS) handled at once, until ctx is done
// (nil) or the subscription fails (its error); then it waits for the
// handlers under way.
func receive(ctx context.Context, sub *pubsub.Subscription, concurrency int, handle func(*pubsub.Message)) error {
	n := concurrency
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		msg, err := sub.Receive(ctx)
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("queue: receive: %w", err)
		}
		wg.Go(func() {
			defer func() { <-sem }()
			handle(msg)
		})
	}
}

// handle does one message's job and settles the message.
func (w *Worker) handle(ctx context.Context, log *slog.Logger, msg *pubsub.Message) {
	job, err := blobimage.ParseJob(msg.Body)
	if err != nil {
		// Not a job: redelivering it would not help.
		log.WarnContext(ctx, "queue: dropping a message that is not a job", "err", err)
		msg.Ack()
		w.done(job, err)
		return
	}
	err = w.Store.Process(ctx, job)
	switch {
	case err == nil:
		msg.Ack()
	case ctx.Err() != nil:
		// Shutting down: hand the job back.
		err = fmt.Errorf("queue: job for %q interrupted: %w", job.Key, ctx.Err())
		nack(msg)
	case permanent(err):
		log.WarnContext(ctx, "queue: job cannot succeed; dropping it", "key", job.Key, "err", err)
		msg.Ack()
	default:
		log.WarnContext(ctx, "queue: job failed; it will be retried", "key", job.Key, "err", err)
		nack(msg)
	}
	w.done(job, err)
}

func (w *Worker) done(job blobimage.Job, err error) {
	if w.Done != nil {
		w.Done(job, err)
	}
}

// permanent reports whether err will come back on every retry.
func permanent(err error) bool { return refusal(err) != "" }

// refusal names the kind of a permanent error (one that will come back on
// every retry), for logs, or is "" for any other error.
func refusal(err error) string {
	for _, e := range []error{blobimage.ErrNotImage, blobimage.ErrUnsupportedFormat, blobimage.ErrCorrupt, blobimage.ErrTooLarge} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return ""
}

// nack negatively acknowledges msg if its engine can (else it comes back
// after its ack deadline).
func nack(msg *pubsub.Message) {
	if msg.Nackable() {
		msg.Nack()
	}
}
