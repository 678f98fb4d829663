// Package natsjs is a gocloud.dev/pubsub driver for NATS JetStream.
//
// # Why this package exists
//
// gocloud ships a NATS driver (gocloud.dev/pubsub/natspubsub), but it cannot
// be fetched from the Go module proxy this project builds against, and its
// default mode is core NATS, which is at-most-once: a message delivered to a
// worker that dies before finishing the job is gone. Background jobs need
// at-least-once delivery, so this package is a small driver written directly
// against the JetStream API of github.com/nats-io/nats.go/jetstream and
// exposed through the portable *pubsub.Topic and *pubsub.Subscription types.
//
// # Delivery semantics
//
// A Topic publishes each message to a subject and waits for the JetStream
// publish acknowledgement, so a successful Send means the message is stored
// in a stream. The stream must already exist; see [EnsureStream] (the URL
// opener creates it when missing). Sending to a subject that no stream
// captures fails with gcerrors.NotFound.
//
// A Subscription reads from a durable pull consumer with explicit acks:
//
//   - Every Subscription opened on the same stream and consumer name, in one
//     process or many, shares that consumer's messages: each message is handed
//     to one of them at a time (competing consumers).
//   - A message that is not acked within the consumer's AckWait (default 30s)
//     is delivered again, to any subscriber. In particular a worker that is
//     killed, or a Subscription that is shut down, while holding un-acked
//     messages loses nothing; the messages come back after AckWait.
//   - Message.Nack sends a NAK and the message is redelivered at once.
//   - Message.Ack is sent as a JetStream "double ack" (the server confirms
//     it); acking a message twice, or acking after a nack, is not an error.
//
// Delivery is at-least-once, never exactly-once: a job whose ack is lost, or
// that runs longer than AckWait, is redelivered, so handlers must be
// idempotent. For jobs that may run longer than AckWait either raise AckWait
// or call InProgress on the underlying jetstream.Msg (see Message.As below)
// periodically. Note that pubsub.Subscription pre-fetches messages, and a
// pre-fetched message's AckWait is already running while it waits in the
// local queue.
//
// The consumer is created (or its configuration updated) by the first
// ReceiveBatch of a Subscription with the Subscription's options, so all
// subscribers of one consumer should use the same [SubscriptionOptions].
//
// Message metadata is carried in NATS message headers and the body in the
// message data. Header names and values are percent-encoded where needed
// (control characters, spaces, '%' and non-ASCII bytes; in names also
// everything that is not an HTTP token character, and the first letter of
// names that would collide with NATS' reserved "Nats-*", "Status" and
// "Description" headers), so any UTF-8 metadata round-trips unchanged.
// Headers of messages published by other NATS clients that are not valid
// escapes are passed through as they are.
//
// # URLs
//
// Importing this package registers the scheme "natsjs" with
// pubsub.DefaultURLMux:
//
//	natsjs://SUBJECT?stream=NAME
//	    a topic publishing to SUBJECT; stream names the stream that is
//	    created (work-queue retention, file storage, subjects [SUBJECT]) if it
//	    does not exist yet (default "BLOBIMAGE").
//	natsjs://STREAM?consumer=NAME&subject=FILTER&ack_wait=30s
//	    a subscription on the durable consumer NAME (required) of STREAM,
//	    optionally filtered to FILTER, with the given AckWait (default 30s).
//	    If STREAM does not exist it is created with subjects [FILTER]
//	    (subject is then required).
//
// The server is taken from the environment variable NATS_SERVER_URL (default
// nats://127.0.0.1:4222). The default opener connects lazily, on the first
// open, and then reuses that connection for every topic and subscription on
// the same server URL for the life of the process. Existing streams are never
// modified by the URL opener.
//
// # As
//
// Topic.As exposes *jetstream.JetStream and **nats.Conn; Subscription.As
// exposes the same, plus *jetstream.Consumer once the consumer has been
// created (after the first receive). Message.As exposes *jetstream.Msg for
// received messages. BeforeSend's As exposes **nats.Msg and AfterSend's As
// exposes **jetstream.PubAck. ErrorAs works with any error type in the
// chain, e.g. jetstream.JetStreamError or *jetstream.APIError.
package natsjs
