package queue

// Bucket event notifications: the messages S3, Cloud Storage and Azure
// Event Grid send when an object is created or deleted, and a runner that
// adopts each created object (blobimage.Store.Adopt).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"gocloud.dev/pubsub"

	"github.com/blobimage/blobimage/blobimage"
)

// EventKind says what happened to the object an Event names.
type EventKind int

const (
	// EventOther is any event this package does not act on: metadata
	// updates, tier changes, restores, archived versions, SNS subscription
	// confirmations, CloudEvents from other services.
	EventOther EventKind = iota
	// EventCreated: an object was created or replaced (S3 ObjectCreated:*,
	// GCS OBJECT_FINALIZE, Microsoft.Storage.BlobCreated).
	EventCreated
	// EventRemoved: an object was deleted (S3 ObjectRemoved:*, GCS
	// OBJECT_DELETE, Microsoft.Storage.BlobDeleted).
	EventRemoved
	// EventTest: the s3:TestEvent S3 sends when notifications are set up.
	EventTest
)

// String returns "created", "removed", "test" or "other".
func (k EventKind) String() string {
	switch k {
	case EventCreated:
		return "created"
	case EventRemoved:
		return "removed"
	case EventTest:
		return "test"
	}
	return "other"
}

// The Sources of events.
const (
	SourceS3    = "s3"
	SourceGCS   = "gcs"
	SourceAzure = "azure"
	// SourceSNS marks an SNS control message (a subscription
	// confirmation), which names no object.
	SourceSNS = "sns"
)

// Event is one bucket event read from a notification message.
type Event struct {
	Kind EventKind
	// Source is the service that sent it: SourceS3, SourceGCS or
	// SourceAzure (SourceSNS for SNS's own messages; empty for a
	// CloudEvent from a service this package does not know).
	Source string
	// Type is the event's type as the service spells it, for logs:
	// "ObjectCreated:Put", "OBJECT_FINALIZE",
	// "Microsoft.Storage.BlobCreated".
	Type string
	// Bucket is the bucket (S3, GCS) or container (Azure) the payload
	// names, if any.
	Bucket string
	// Key is the object's key, decoded (S3 sends keys URL-encoded); empty
	// for events that name no object.
	Key string
}

// PayloadError is the error ParseNotification returns for a message, or a
// part of one, that is not a bucket notification it can read. Redelivering
// such a message would not help: an Adopter logs it and acknowledges it.
type PayloadError struct {
	// Reason says what was wrong.
	Reason string
}

func (e *PayloadError) Error() string { return "queue: not a bucket notification: " + e.Reason }

// maxNesting bounds envelopes within envelopes (an SNS notification
// holding an S3 event is one level).
const maxNesting = 3

// ParseNotification reads the bucket events in one notification message:
// its body and its metadata (pubsub.Message.Metadata: the Pub/Sub message
// attributes, for GCS). It reads, as the services send them:
//
//   - S3 event notifications, delivered to SQS, SNS or anything that
//     forwards their JSON: {"Records": [...]}, one Event per record,
//     eventName "ObjectCreated:*" (Put, Post, Copy,
//     CompleteMultipartUpload) or "ObjectRemoved:*", the key from
//     s3.object.key, which S3 URL-encodes form-style ("+" for a space) and
//     which is decoded here; and the s3:TestEvent S3 sends when the
//     configuration is saved (EventTest). See
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html.
//     S3-compatible servers that send the same records (MinIO's
//     "minio:s3") are read too.
//   - The same wrapped in an SNS notification envelope ({"Type":
//     "Notification", "Message": "<the S3 JSON as a string>", ...}), as an
//     SQS queue subscribed to an SNS topic without raw message delivery
//     receives it
//     (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html).
//     gocloud's awssqs subscription unwraps such envelopes itself; other
//     routes may not.
//   - Cloud Storage Pub/Sub notifications: attributes eventType
//     (OBJECT_FINALIZE, OBJECT_DELETE, ...), bucketId and objectId, with
//     or without the object resource as a JSON body; or the object
//     resource alone ({"kind": "storage#object", "name": ..., "bucket":
//     ...}), where a route dropped the attributes: it is read as created,
//     which is safe because adoption looks at the object as it is now
//     (https://cloud.google.com/storage/docs/pubsub-notifications).
//   - Azure Event Grid events of Blob Storage, in the Event Grid schema
//     (eventType, subject) or the CloudEvents 1.0 schema (type, subject),
//     one event or a JSON array of them:
//     Microsoft.Storage.BlobCreated and BlobDeleted, the key taken from a
//     subject "/blobServices/default/containers/CONTAINER/blobs/KEY"
//     (Event Grid puts the blob's name there as it is, not encoded), or
//     else from data.url
//     (https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage,
//     https://learn.microsoft.com/azure/event-grid/cloud-event-schema).
//   - Cloud Storage events as CloudEvents (Eventarc:
//     google.cloud.storage.object.v1.finalized and .deleted, the object
//     resource in data).
//
// Events this package does not act on (other types, SNS subscription
// confirmations, Event Grid's validation event) come back as EventOther.
// A message that is none of these is a *PayloadError; so is a part of one
// that cannot be read (a record without a key, a key that does not
// decode), and then the events that could be read are returned with it.
//
// The bucket or container a payload names is reported in Event.Bucket and
// not checked against anything here (see Adopter.Bucket).
func ParseNotification(body []byte, attrs map[string]string) ([]Event, error) {
	if evs, ok, err := gcsAttributes(body, attrs); ok {
		return evs, err
	}
	p := &parser{}
	p.payload(body, 0)
	if len(p.events) == 0 && p.err == nil {
		p.fail("no events")
	}
	if p.err != nil {
		return p.events, p.err
	}
	return p.events, nil
}

// parser collects the events of one message and its first error.
type parser struct {
	events []Event
	err    *PayloadError
	errs   int
}

func (p *parser) add(ev Event) { p.events = append(p.events, ev) }

func (p *parser) fail(format string, args ...any) {
	p.errs++
	if p.err == nil {
		p.err = &PayloadError{Reason: fmt.Sprintf(format, args...)}
		return
	}
	if p.errs == 2 {
		p.err.Reason += " (and more)"
	}
}

// object is a JSON object with its members as they are: the services'
// field names differ only in case (SNS "Type" and CloudEvents "type", S3's
// test "Bucket" and GCS's "bucket"), which encoding/json's struct fields
// would not tell apart.
type object map[string]json.RawMessage

// str returns member name as a string, or "".
func (o object) str(name string) string {
	var s string
	if raw, ok := o[name]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// obj returns member name as an object, or nil.
func (o object) obj(name string) object {
	var m object
	if raw, ok := o[name]; ok {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}

// payload reads a message body (or an envelope's inner message).
func (p *parser) payload(body []byte, depth int) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		p.fail("empty body")
	case depth > maxNesting:
		p.fail("envelopes nested too deep")
	case body[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			p.fail("malformed JSON array: %v", err)
			return
		}
		for _, it := range items {
			var o object
			if err := json.Unmarshal(it, &o); err != nil || o == nil {
				p.fail("array element is not a JSON object")
				continue
			}
			p.object(o, depth)
		}
	case body[0] == '{':
		var o object
		if err := json.Unmarshal(body, &o); err != nil {
			p.fail("malformed JSON: %v", err)
			return
		}
		p.object(o, depth)
	default:
		p.fail("not JSON")
	}
}

// object reads one JSON object: whichever of the known shapes it has.
func (p *parser) object(o object, depth int) {
	switch {
	case o["Records"] != nil:
		p.s3Records(o)
	case o.str("Event") == "s3:TestEvent":
		p.add(Event{Kind: EventTest, Source: SourceS3, Type: "s3:TestEvent", Bucket: o.str("Bucket")})
	case o["TopicArn"] != nil && o.str("Type") != "":
		// An SNS message: a notification carries the publisher's
		// message as a string; the rest are SNS's own.
		if o.str("Type") != "Notification" {
			p.add(Event{Source: SourceSNS, Type: o.str("Type")})
			return
		}
		p.payload([]byte(o.str("Message")), depth+1)
	case o.str("eventType") != "" && o["subject"] != nil:
		p.storageEvent(o.str("eventType"), o)
	case o.str("specversion") != "" && o.str("type") != "":
		p.storageEvent(o.str("type"), o)
	case o.str("kind") == "storage#object":
		// The object resource alone: the attributes that said what
		// happened were lost on the way.
		if o.str("name") == "" {
			p.fail("GCS object resource without a name")
			return
		}
		p.add(Event{Kind: EventCreated, Source: SourceGCS, Type: "storage#object", Bucket: o.str("bucket"), Key: o.str("name")})
	default:
		p.fail("unrecognised JSON object")
	}
}

// s3Records reads an S3 event's records.
func (p *parser) s3Records(o object) {
	var records []object
	if err := json.Unmarshal(o["Records"], &records); err != nil {
		p.fail("S3 Records is not an array of objects")
		return
	}
	if len(records) == 0 {
		p.fail("S3 event without records")
	}
	for i, r := range records {
		s3 := r.obj("s3")
		name := r.str("eventName")
		if s3 == nil || name == "" || !strings.HasSuffix(r.str("eventSource"), ":s3") {
			p.fail("record %d is not an S3 event", i)
			continue
		}
		// Notification configurations spell types "s3:ObjectCreated:*";
		// records drop the "s3:".
		name = strings.TrimPrefix(name, "s3:")
		ev := Event{Source: SourceS3, Type: name, Bucket: s3.obj("bucket").str("name")}
		switch {
		case strings.HasPrefix(name, "ObjectCreated:"):
			ev.Kind = EventCreated
		case strings.HasPrefix(name, "ObjectRemoved:"):
			ev.Kind = EventRemoved
		}
		raw := s3.obj("object").str("key")
		key, err := url.QueryUnescape(raw)
		if raw == "" || err != nil {
			p.fail("S3 record %d: bad object key %q", i, raw)
			continue
		}
		ev.Key = key
		p.add(ev)
	}
}

// Event Grid's Blob Storage event types, and the CloudEvents types of
// Cloud Storage events (Eventarc).
const (
	azureCreated = "Microsoft.Storage.BlobCreated"
	azureDeleted = "Microsoft.Storage.BlobDeleted"
	gcsCEPrefix  = "google.cloud.storage.object.v1."
)

// storageEvent reads an Event Grid event or a CloudEvent of type typ.
func (p *parser) storageEvent(typ string, o object) {
	switch {
	case strings.HasPrefix(typ, "Microsoft.Storage."):
		ev := Event{Source: SourceAzure, Type: typ}
		switch typ {
		case azureCreated:
			ev.Kind = EventCreated
		case azureDeleted:
			ev.Kind = EventRemoved
		default:
			p.add(ev)
			return
		}
		container, key, ok := azureSubject(o.str("subject"))
		if !ok {
			container, key, ok = azureURL(o.obj("data").str("url"))
		}
		if !ok {
			p.fail("%s event without a blob subject or URL", typ)
			return
		}
		ev.Bucket, ev.Key = container, key
		p.add(ev)
	case strings.HasPrefix(typ, gcsCEPrefix):
		ev := Event{Source: SourceGCS, Type: typ}
		switch strings.TrimPrefix(typ, gcsCEPrefix) {
		case "finalized":
			ev.Kind = EventCreated
		case "deleted":
			ev.Kind = EventRemoved
		default:
			p.add(ev)
			return
		}
		data := o.obj("data")
		ev.Bucket, ev.Key = data.str("bucket"), data.str("name")
		if ev.Key == "" {
			ev.Key = strings.TrimPrefix(o.str("subject"), "objects/")
		}
		if ev.Key == "" {
			p.fail("%s event without an object name", typ)
			return
		}
		p.add(ev)
	default:
		// Another service's event (or Event Grid's subscription
		// validation): nothing to adopt.
		p.add(Event{Type: typ})
	}
}

// azureSubject splits a Blob Storage event subject,
// "/blobServices/default/containers/CONTAINER/blobs/KEY".
func azureSubject(subject string) (container, key string, ok bool) {
	rest, ok := strings.CutPrefix(subject, "/blobServices/default/containers/")
	if !ok {
		return "", "", false
	}
	container, key, ok = strings.Cut(rest, "/blobs/")
	return container, key, ok && container != "" && key != ""
}

// azureURL splits a blob URL, https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY
// (path-escaped).
func azureURL(raw string) (container, key string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "", "", false
	}
	container, key, ok = strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return container, key, ok && container != "" && key != ""
}

// gcsAttributes reads a Cloud Storage notification from its message
// attributes, if it has them (ok).
func gcsAttributes(body []byte, attrs map[string]string) (evs []Event, ok bool, err error) {
	typ := attrs["eventType"]
	if typ == "" || attrs["bucketId"] == "" && attrs["objectId"] == "" {
		return nil, false, nil
	}
	ev := Event{Source: SourceGCS, Type: typ, Bucket: attrs["bucketId"], Key: attrs["objectId"]}
	switch typ {
	case "OBJECT_FINALIZE":
		ev.Kind = EventCreated
	case "OBJECT_DELETE":
		ev.Kind = EventRemoved
	}
	if ev.Key == "" {
		// payloadFormat JSON_API_V1: the object resource is the body.
		var o object
		if json.Unmarshal(bytes.TrimSpace(body), &o) == nil {
			ev.Key = o.str("name")
			if ev.Bucket == "" {
				ev.Bucket = o.str("bucket")
			}
		}
	}
	if ev.Key == "" && ev.Kind != EventOther {
		return nil, true, &PayloadError{Reason: "GCS " + typ + " notification without objectId or object name"}
	}
	return []Event{ev}, true, nil
}

// Adopter receives bucket event notifications and adopts each object they
// report created: Store.Adopt takes an image written past the wrapper
// through the write path. Everything else is acknowledged and left alone:
// deletions (the wrapper deletes an original's variants with it; an
// object deleted past the wrapper leaves orphans that regen removes),
// S3's test event, other event types, and the events the wrapper's own
// writes raise (variants, manifested originals), which Adopt recognises
// at the cost of one Attributes call, so no event loops back.
//
// Events may come twice and in any order: Adopt works on the object as it
// is when the event is handled, and an object that has its manifest
// already is left alone, so a duplicate, a stale event of an object
// replaced since (the newer object is adopted, once), and an event of an
// object deleted since (nothing to do) all settle correctly.
//
// The bucket or container an event names is not checked unless Bucket is
// set: by default every event on the subscription is taken to be about
// the Store's bucket.
type Adopter struct {
	// Store adopts the objects; it must wrap the bucket the notifications
	// are about.
	Store *blobimage.Store
	// Subscription delivers the notifications. Several Adopters (in one
	// process or many) may share it.
	Subscription *pubsub.Subscription
	// Concurrency bounds the messages handled at once; 0 means
	// GOMAXPROCS. The Store's memory budget bounds decoding on top.
	Concurrency int
	// Bucket, when set, is the only bucket (S3, GCS) or container (Azure)
	// whose events are acted on; events naming another are acknowledged
	// and ignored. Events that name none are acted on.
	Bucket string
	// Logger receives a line per refused object, failed adoption and
	// unreadable message (warnings) and per ignored event (debug); nil
	// logs nothing.
	Logger *slog.Logger
	// Done, when set, is called after each event with what became of it:
	// out is Adopt's outcome for a created object (nil for events that
	// needed no adoption); err is nil when the event is settled, else why
	// not: a refusal (matching blobimage.ErrNotImage and the like; the
	// event is acknowledged and the object left as it is), a failure that
	// will be retried, or ctx ending. A message that cannot be read is
	// reported once, with a zero Event and a *PayloadError. Calls may be
	// concurrent.
	Done func(ev Event, out *blobimage.Outcome, err error)
}

// Run receives and handles notifications until ctx is done or the
// subscription fails, then waits for the messages under way. A message is
// acknowledged once each of its events is settled: adopted (manifest
// written), found needing nothing, or refused for good (the object is not
// an acceptable image: logged with its error, left as it is). If any event
// failed otherwise (the bucket erred), the message is negatively
// acknowledged when the engine supports it, and redelivered; the events
// that did succeed are no-ops the second time. A message cut short because
// ctx ended is negatively acknowledged too, so another worker takes it up
// at once. A message that is not a notification is logged and
// acknowledged.
//
// Run returns nil when ctx ends, else the subscription's error.
func (a *Adopter) Run(ctx context.Context) error {
	log := a.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return receive(ctx, a.Subscription, a.Concurrency, func(msg *pubsub.Message) {
		a.handle(ctx, log, msg)
	})
}

// handle settles one notification message.
func (a *Adopter) handle(ctx context.Context, log *slog.Logger, msg *pubsub.Message) {
	events, err := ParseNotification(msg.Body, msg.Metadata)
	if err != nil {
		log.WarnContext(ctx, "queue: skipping an unreadable notification", "err", err, "events", len(events))
		a.done(Event{}, nil, err)
	}
	retry := false
	for i, ev := range events {
		if ctx.Err() != nil {
			// Shutting down: hand the message back, events not yet done
			// included.
			for _, rest := range events[i:] {
				a.done(rest, nil, fmt.Errorf("queue: event for %q interrupted: %w", rest.Key, ctx.Err()))
			}
			nack(msg)
			return
		}
		out, err := a.event(ctx, log, ev)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			err = fmt.Errorf("queue: adoption of %q interrupted: %w", ev.Key, ctx.Err())
			a.done(ev, out, err)
			for _, rest := range events[i+1:] {
				a.done(rest, nil, fmt.Errorf("queue: event for %q interrupted: %w", rest.Key, ctx.Err()))
			}
			nack(msg)
			return
		case permanent(err):
			log.WarnContext(ctx, "queue: object refused; left as it is", "key", ev.Key, "source", ev.Source,
				"refusal", refusal(err), "err", err)
		default:
			log.WarnContext(ctx, "queue: adoption failed; it will be retried", "key", ev.Key, "source", ev.Source, "err", err)
			retry = true
		}
		a.done(ev, out, err)
	}
	if retry {
		nack(msg)
		return
	}
	msg.Ack()
}

// event acts on one event: it adopts the object of a created event.
func (a *Adopter) event(ctx context.Context, log *slog.Logger, ev Event) (*blobimage.Outcome, error) {
	switch {
	case ev.Kind != EventCreated:
		log.DebugContext(ctx, "queue: ignoring event", "kind", ev.Kind.String(), "type", ev.Type, "key", ev.Key)
		return nil, nil
	case a.Bucket != "" && ev.Bucket != "" && ev.Bucket != a.Bucket:
		log.DebugContext(ctx, "queue: ignoring event of another bucket", "bucket", ev.Bucket, "key", ev.Key)
		return nil, nil
	}
	return a.Store.Adopt(ctx, ev.Key)
}

func (a *Adopter) done(ev Event, out *blobimage.Outcome, err error) {
	if a.Done != nil {
		a.Done(ev, out, err)
	}
}
