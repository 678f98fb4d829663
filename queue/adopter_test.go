package queue_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/queue"
)

// result is one Done call.
type result struct {
	ev  queue.Event
	out *blobimage.Outcome
	err error
}

// notified is an Adopter over a fileblob bucket and an in-memory
// subscription, with what it reported.
type notified struct {
	t       *testing.T
	inner   *blob.Bucket
	store   *blobimage.Store
	topic   *pubsub.Topic
	sub     *pubsub.Subscription
	log     *bytes.Buffer
	results chan result
	logMu   sync.Mutex
}

const ackDeadline = 150 * time.Millisecond

func newNotified(t *testing.T) *notified {
	t.Helper()
	inner, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	s, err := blobimage.Wrap(inner, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	topic := mempubsub.NewTopic()
	t.Cleanup(func() { _ = topic.Shutdown(context.Background()) })
	sub := mempubsub.NewSubscription(topic, ackDeadline)
	t.Cleanup(func() { _ = sub.Shutdown(context.Background()) })
	return &notified{t: t, inner: inner, store: s, topic: topic, sub: sub, log: &bytes.Buffer{}, results: make(chan result, 100)}
}

// Write implements io.Writer for the Adopter's log.
func (n *notified) Write(p []byte) (int, error) {
	n.logMu.Lock()
	defer n.logMu.Unlock()
	return n.log.Write(p)
}

func (n *notified) logged() string {
	n.logMu.Lock()
	defer n.logMu.Unlock()
	return n.log.String()
}

// adopter returns an Adopter on n's subscription reporting to n.results.
func (n *notified) adopter() *queue.Adopter {
	return &queue.Adopter{Store: n.store, Subscription: n.sub, Concurrency: 2,
		Logger: slog.New(slog.NewTextHandler(io.Writer(n), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Done: func(ev queue.Event, out *blobimage.Outcome, err error) {
			n.results <- result{ev, out, err}
		}}
}

// start runs an Adopter until the test ends (or stop is called) and
// returns stop, which reports Run's error.
func (n *notified) start() (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	a := n.adopter()
	go func() { errc <- a.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return after cancellation")
			}
		})
		return err
	}
	n.t.Cleanup(func() { _ = stop() })
	return stop
}

func (n *notified) send(body string, attrs map[string]string) {
	n.t.Helper()
	if err := n.topic.Send(context.Background(), &pubsub.Message{Body: []byte(body), Metadata: attrs}); err != nil {
		n.t.Fatal(err)
	}
}

// next waits for k Done calls.
func (n *notified) next(k int) []result {
	n.t.Helper()
	var rs []result
	for range k {
		select {
		case r := <-n.results:
			rs = append(rs, r)
		case <-time.After(20 * time.Second):
			n.t.Fatalf("only %d of %d events reported: %v", len(rs), k, rs)
		}
	}
	return rs
}

// quiet fails if anything more is reported for a while: messages were
// acknowledged, not redelivered after their ack deadline.
func (n *notified) quiet() {
	n.t.Helper()
	select {
	case r := <-n.results:
		n.t.Fatalf("reported again (redelivered?): %+v", r)
	case <-time.After(3 * ackDeadline):
	}
}

func (n *notified) writeInner(key string, data []byte) {
	n.t.Helper()
	if err := n.inner.WriteAll(context.Background(), key, data, nil); err != nil {
		n.t.Fatal(err)
	}
}

// s3Key encodes key as S3 does in event records: form encoding, with "/"
// left as it is.
func s3Key(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

// s3Created is an S3 ObjectCreated:Put notification for key.
func s3Created(keys ...string) string {
	var recs []string
	for _, k := range keys {
		recs = append(recs, `{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-05-01T10:00:00.000Z","eventName":"ObjectCreated:Put",`+
			`"s3":{"s3SchemaVersion":"1.0","bucket":{"name":"b","arn":"arn:aws:s3:::b"},"object":{"key":"`+s3Key(k)+`","size":1,"eTag":"e","sequencer":"01"}}}`)
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

// azureCreated is an Event Grid BlobCreated event for key (in an array,
// as Event Grid delivers).
func azureCreated(key string) string {
	return `[{"topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct","subject":"/blobServices/default/containers/c/blobs/` +
		key + `","eventType":"Microsoft.Storage.BlobCreated","id":"1","data":{"api":"PutBlob","url":"https://acct.blob.core.windows.net/c/x"},"dataVersion":"","metadataVersion":"1","eventTime":"2024-05-01T10:00:00Z"}]`
}

// objects is every object of b with its bytes and modification time.
func objects(t *testing.T, b *blob.Bucket) map[string]string {
	t.Helper()
	m := map[string]string{}
	it := b.List(nil)
	for {
		o, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := b.ReadAll(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.Attributes(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		m[o.Key] = string(data) + "|" + a.ModTime.Format(time.RFC3339Nano) + "|" + a.ContentType + "|" + a.ETag
	}
}

func photo(w, h int) []byte { return testimage.JPEG(testimage.Pattern(w, h), 90) }

// TestAdopterAdoptsObjectWrittenPastWrapper: an image written straight to
// the bucket, announced by S3, is adopted: variants and manifest; the
// message is acknowledged.
func TestAdopterAdoptsObjectWrittenPastWrapper(t *testing.T) {
	n := newNotified(t)
	const key = "photos/sunny day+1 été.jpg"
	n.writeInner(key, photo(200, 120))
	n.start()
	n.send(s3Created(key), nil)
	r := n.next(1)[0]
	if r.err != nil || r.out == nil || !r.out.Adopted || r.ev.Key != key {
		t.Fatalf("reported %+v, want %s adopted", r, key)
	}
	f, err := n.store.Image(context.Background(), key)
	if err != nil {
		t.Fatalf("Image after adoption: %v", err)
	}
	if f.Width != 200 || f.Height != 120 || len(f.Variants) != 2 {
		t.Fatalf("adopted ImageFile %+v", f)
	}
	for name, v := range f.Variants {
		if v.State != blobimage.Ready {
			t.Errorf("variant %s is %s", name, v.State)
		}
		if ok, err := n.inner.Exists(context.Background(), v.Key); !ok || err != nil {
			t.Errorf("variant %s object %s: %v, %v", name, v.Key, ok, err)
		}
	}
	n.quiet()
}

// TestAdopterLeavesTheWrappersOwnWritesAlone: the events the wrapper's
// own writes raise (variants, the manifested original), in each source's
// format, change nothing, and so do S3's test event, deletions and keys
// under no rule.
func TestAdopterLeavesTheWrappersOwnWritesAlone(t *testing.T) {
	n := newNotified(t)
	ctx := context.Background()
	if err := n.store.Bucket.WriteAll(ctx, "photos/a.jpg", photo(200, 120), nil); err != nil {
		t.Fatal(err)
	}
	n.writeInner("notes/readme.txt", []byte("hello"))
	before := objects(t, n.inner)
	if len(before) != 4 {
		t.Fatalf("bucket: %v", before)
	}
	n.start()
	sent := 0
	for k := range before {
		n.send(s3Created(k), nil)
		n.send(azureCreated(k), nil)
		n.send("", map[string]string{"eventType": "OBJECT_FINALIZE", "bucketId": "b", "objectId": k, "payloadFormat": "NONE"})
		sent += 3
	}
	n.send(s3TestEvent, nil)
	n.send(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"photos/a.jpg"}}}]}`, nil)
	sent += 2
	for _, r := range n.next(sent) {
		if r.err != nil || r.out != nil && r.out.Changed() {
			t.Errorf("event %+v: %+v, %v; want nothing done", r.ev, r.out, r.err)
		}
	}
	n.quiet()
	after := objects(t, n.inner)
	if len(after) != len(before) {
		t.Errorf("objects %v, want %v", slices.Sorted(mapKeys(after)), slices.Sorted(mapKeys(before)))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s was rewritten", k)
		}
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestAdopterDuplicateAndReorderedEvents: a duplicate event does nothing;
// a created event arriving after the object was overwritten adopts the
// newer object (once, whichever of the two events comes first); one
// arriving after the object was deleted does nothing.
func TestAdopterDuplicateAndReorderedEvents(t *testing.T) {
	n := newNotified(t)
	n.start()
	const key = "photos/a.jpg"
	n.writeInner(key, photo(200, 120))
	n.send(s3Created(key), nil)
	if r := n.next(1)[0]; r.err != nil || !r.out.Adopted {
		t.Fatalf("first event: %+v", r)
	}
	// The same event again (S3 delivers at least once).
	before := objects(t, n.inner)
	n.send(s3Created(key), nil)
	if r := n.next(1)[0]; r.err != nil || r.out.Changed() {
		t.Fatalf("duplicate event: %+v", r)
	}
	for k, v := range objects(t, n.inner) {
		if before[k] != v {
			t.Errorf("duplicate event rewrote %s", k)
		}
	}

	// Overwritten past the wrapper; the first write's event comes late,
	// then the overwrite's.
	n.writeInner(key, photo(90, 160))
	n.send(s3Created(key), nil)
	n.send(azureCreated(key), nil)
	rs := n.next(2)
	adopted := 0
	for _, r := range rs {
		if r.err != nil {
			t.Errorf("%+v", r)
		}
		if r.out.Adopted {
			adopted++
		}
	}
	if adopted != 1 {
		t.Errorf("overwrite adopted %d times, want once: %+v", adopted, rs)
	}
	f, err := n.store.Image(context.Background(), key)
	if err != nil || f.Width != 90 || f.Height != 160 {
		t.Fatalf("after the overwrite's events: %+v, %v; want the 90x160 object adopted", f, err)
	}

	// Deleted past the wrapper before its event arrives.
	const gone = "photos/gone.jpg"
	n.writeInner(gone, photo(50, 50))
	if err := n.inner.Delete(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	before = objects(t, n.inner)
	n.send(s3Created(gone), nil)
	if r := n.next(1)[0]; r.err != nil || r.out.Changed() {
		t.Fatalf("event of a deleted object: %+v", r)
	}
	if after := objects(t, n.inner); len(after) != len(before) {
		t.Errorf("event of a deleted object wrote: %v", slices.Sorted(mapKeys(after)))
	}
	n.quiet()
}

// TestAdopterRefusesNonImage: a non-image under an image rule is refused
// with ErrNotImage, logged, acknowledged (not redelivered), and left byte
// for byte as it was.
func TestAdopterRefusesNonImage(t *testing.T) {
	n := newNotified(t)
	const key = "photos/notes.jpg"
	data := []byte("these are my notes, not a picture")
	if err := n.inner.WriteAll(context.Background(), key, data, &blob.WriterOptions{ContentType: "text/plain", Metadata: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	before := objects(t, n.inner)
	n.start()
	n.send(s3Created(key), nil)
	r := n.next(1)[0]
	if !errors.Is(r.err, blobimage.ErrNotImage) || r.out == nil || r.out.Changed() {
		t.Fatalf("reported %+v, want ErrNotImage and no change", r)
	}
	n.quiet()
	if log := n.logged(); !strings.Contains(log, "refused") || !strings.Contains(log, key) || !strings.Contains(log, blobimage.ErrNotImage.Error()) {
		t.Errorf("log does not report the refusal with its error:\n%s", log)
	}
	after := objects(t, n.inner)
	if len(after) != 1 || after[key] != before[key] {
		t.Errorf("refused object changed: %v, want %v", after, before)
	}
	a, err := n.inner.Attributes(context.Background(), key)
	if err != nil || a.Metadata["a"] != "b" || len(a.Metadata) != 1 {
		t.Errorf("refused object's metadata: %v, %v", a.Metadata, err)
	}
}

// TestAdopterUnreadableMessage: a message that is not a notification is
// reported as a *PayloadError, logged and acknowledged.
func TestAdopterUnreadableMessage(t *testing.T) {
	n := newNotified(t)
	n.start()
	n.send(`{"key":"photos/a.jpg"}`, nil)
	r := n.next(1)[0]
	var pe *queue.PayloadError
	if !errors.As(r.err, &pe) || r.ev != (queue.Event{}) {
		t.Fatalf("reported %+v, want a *PayloadError", r)
	}
	n.quiet()
	if !strings.Contains(n.logged(), "unreadable notification") {
		t.Errorf("not logged:\n%s", n.logged())
	}
}

// TestAdopterBucketFilter: with Bucket set, events of other buckets are
// acknowledged and ignored.
func TestAdopterBucketFilter(t *testing.T) {
	n := newNotified(t)
	n.writeInner("photos/a.jpg", photo(60, 40))
	a := n.adopter()
	a.Bucket = "c"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = a.Run(ctx) }()
	n.send(s3Created("photos/a.jpg"), nil) // bucket "b"
	if r := n.next(1)[0]; r.err != nil || r.out != nil {
		t.Fatalf("event of another bucket: %+v", r)
	}
	n.send(azureCreated("photos/a.jpg"), nil) // container "c"
	if r := n.next(1)[0]; r.err != nil || r.out == nil || !r.out.Adopted {
		t.Fatalf("event of the Store's container: %+v", r)
	}
}

// TestAdopterStopsOnCancel: when ctx ends (SIGINT) in the middle of a
// message, Run returns nil and the message is negatively acknowledged: the
// next Adopter receives it at once and finishes it, the part already done
// being a no-op.
func TestAdopterStopsOnCancel(t *testing.T) {
	n := newNotified(t)
	// A long ack deadline: a message that comes back within the test was
	// negatively acknowledged, not timed out.
	n.sub = mempubsub.NewSubscription(n.topic, time.Hour)
	t.Cleanup(func() { _ = n.sub.Shutdown(context.Background()) })
	n.writeInner("photos/a.jpg", photo(60, 40))
	n.writeInner("photos/b.jpg", photo(40, 60))
	ctx, cancel := context.WithCancel(context.Background())
	a := n.adopter()
	a.Concurrency = 1
	done := a.Done
	a.Done = func(ev queue.Event, out *blobimage.Outcome, err error) {
		done(ev, out, err)
		cancel() // SIGINT after the first event
	}
	n.send(s3Created("photos/a.jpg", "photos/b.jpg"), nil)
	if err := a.Run(ctx); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	rs := n.next(2)
	if rs[0].err != nil || !rs[0].out.Adopted || !errors.Is(rs[1].err, context.Canceled) || rs[1].ev.Key != "photos/b.jpg" {
		t.Fatalf("reported %+v", rs)
	}
	if _, err := n.store.Image(context.Background(), "photos/b.jpg"); !errors.Is(err, blobimage.ErrUnmanaged) {
		t.Fatalf("b.jpg adopted after cancellation: %v", err)
	}
	// Redelivered at once to the next worker.
	n.start()
	rs = n.next(2)
	if rs[0].err != nil || rs[0].out.Changed() || rs[1].err != nil || !rs[1].out.Adopted {
		t.Fatalf("redelivered message: %+v", rs)
	}
}
