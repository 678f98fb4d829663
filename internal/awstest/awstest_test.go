package awstest

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/awssnssqs"
)

func setEnv(t *testing.T, s *Server) {
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
}

func sqsClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
}

// The reason for the adapter: today's SQS client speaks JSON 1.0, which
// goaws alone answers with 400 "Bad Request" (it finds no form Action).
// If this starts failing, goaws learned JSON and the adapter can go.
func TestGoawsAloneSpeaksNoSQSJSON(t *testing.T) {
	s := Start(t)
	q := s.CreateQueue(t, "plain", time.Second)
	bare := httptest.NewServer(router.New())
	defer bare.Close()
	_, err := sqsClient(bare.URL).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q)})
	if err == nil {
		t.Fatal("goaws alone answered an SQS JSON ReceiveMessage")
	}
	t.Logf("goaws alone: %v", err)
	if _, err := sqsClient(s.URL).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q)}); err != nil {
		t.Fatalf("through the adapter: %v", err)
	}
	_, err = sqsClient(s.URL).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q)})
	if err == nil || !strings.Contains(err.Error(), "UnsupportedOperation") {
		t.Fatalf("an operation the adapter does not translate: %v, want UnsupportedOperation", err)
	}
}

func receive(t *testing.T, sub *pubsub.Subscription, within time.Duration) *pubsub.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	m, err := sub.Receive(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exercise sends two messages to topic and checks, on sub: bodies and
// metadata arrive; an unacknowledged message comes back after the
// visibility timeout; a nacked one comes back at once; acknowledged ones
// do not come back.
func exercise(t *testing.T, topicURL, subURL string) {
	ctx := context.Background()
	topic, err := pubsub.OpenTopic(ctx, topicURL)
	if err != nil {
		t.Fatal(err)
	}
	defer topic.Shutdown(ctx)
	sub, err := pubsub.OpenSubscription(ctx, subURL)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(ctx)
	for _, b := range []string{"one", "two"} {
		if err := topic.Send(ctx, &pubsub.Message{Body: []byte(b), Metadata: map[string]string{"key": b + ".jpg"}}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]*pubsub.Message{}
	for range 2 {
		m := receive(t, sub, 10*time.Second)
		if m == nil {
			t.Fatalf("received %d of 2 messages", len(got))
		}
		if m.Metadata["key"] != string(m.Body)+".jpg" {
			t.Errorf("message %q: metadata %v", m.Body, m.Metadata)
		}
		got[string(m.Body)] = m
	}
	if got["one"] == nil || got["two"] == nil {
		t.Fatalf("received %v", got)
	}
	got["one"].Ack()
	// "two" is neither acked nor nacked, as by a killed worker: it must
	// come back after the one-second visibility timeout.
	start := time.Now()
	m := receive(t, sub, 10*time.Second)
	if m == nil || string(m.Body) != "two" {
		t.Fatalf("after the visibility timeout: %v, want two again", m)
	}
	t.Logf("redelivered after %v", time.Since(start).Round(10*time.Millisecond))
	m.Nack()
	if m = receive(t, sub, 10*time.Second); m == nil || string(m.Body) != "two" {
		t.Fatalf("after a nack: %v, want two again", m)
	}
	m.Ack()
	if m = receive(t, sub, 3*time.Second); m != nil {
		t.Fatalf("after both were acked: %q came back", m.Body)
	}
}

func TestSQSThroughGocloud(t *testing.T) {
	s := Start(t)
	setEnv(t, s)
	q := s.CreateQueue(t, "jobs", time.Second)
	u := "awssqs://" + strings.TrimPrefix(q, "http://") + "?" + s.URLParams()
	exercise(t, u, u)
}

func TestSNSToSQSThroughGocloud(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) {
			s := Start(t)
			setEnv(t, s)
			q := s.CreateQueue(t, "jobs", time.Second)
			arn := s.CreateTopic(t, "jobs")
			s.Subscribe(t, arn, q, raw)
			exercise(t, "awssns:///"+arn+"?"+s.URLParams(), "awssqs://"+strings.TrimPrefix(q, "http://")+"?"+s.URLParams())
		})
	}
}

// goaws' errors reach the SDK as JSON 1.0 errors: whole calls and batch
// entries.
func TestAdapterErrors(t *testing.T) {
	s := Start(t)
	q := s.CreateQueue(t, "jobs", time.Second)
	c := sqsClient(s.URL)
	ctx := context.Background()
	_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(strings.TrimSuffix(q, "jobs") + "missing")})
	if err == nil || !strings.Contains(err.Error(), "NonExistentQueue") {
		t.Errorf("receive from a missing queue: %v, want NonExistentQueue", err)
	}
	out, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q),
		Entries: []sqstypes.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: aws.String("nonsense")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "a" || len(out.Successful) != 0 {
		t.Errorf("a stale receipt handle: failed %+v, successful %+v", out.Failed, out.Successful)
	} else {
		t.Logf("stale receipt handle: %s: %s", aws.ToString(out.Failed[0].Code), aws.ToString(out.Failed[0].Message))
	}
}
