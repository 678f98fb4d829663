package main

import (
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/internal/awstest"
)

// awsVisibility is the test queues' visibility timeout: how long a
// received job stays hidden from other workers, so how long the killed
// worker's job takes to come back. It must outlast a job plus the time
// gocloud holds a prefetched message before handing it to the worker
// (gocloud cannot extend an SQS message's visibility), or a job still in
// progress would be delivered twice.
const awsVisibility = 10 * time.Second

// awsEngine is SQS or SNS on goaws in this process (see awstest), with
// the environment for the SDK in blobimage's processes: fake
// credentials, no AWS config files, no EC2 metadata.
func awsEngine(s *awstest.Server, topic, queueURL string) engine {
	return engine{topic: topic, sub: sqsURL(s, queueURL), env: s.Env()}
}

// sqsURL is gocloud's awssqs:// URL for a queue URL of s: the queue URL
// without its scheme (gocloud puts https:// back, and goaws goes by the
// queue name in it), with the region and the endpoint reaching s.
func sqsURL(s *awstest.Server, queueURL string) string {
	return "awssqs://" + strings.TrimPrefix(queueURL, "http://") + "?" + s.URLParams()
}

func TestDeliverySQS(t *testing.T) {
	s := awstest.Start(t)
	q := s.CreateQueue(t, "blobimage-jobs", awsVisibility)
	testDelivery(t, awsEngine(s, sqsURL(s, q), q))
}

// TestDeliverySNS sends the jobs to an SNS topic; the workers receive
// them from an SQS queue subscribed to it, in SNS's JSON envelope (the
// subscription's default, RawMessageDelivery false), which gocloud's
// awssqs subscription unwraps.
func TestDeliverySNS(t *testing.T) {
	s := awstest.Start(t)
	q := s.CreateQueue(t, "blobimage-jobs", awsVisibility)
	arn := s.CreateTopic(t, "blobimage-jobs")
	s.Subscribe(t, arn, q, false)
	testDelivery(t, awsEngine(s, "awssns:///"+arn+"?"+s.URLParams(), q))
}
