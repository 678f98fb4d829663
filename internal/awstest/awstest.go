// Package awstest runs an SQS and SNS server for tests in process:
// goaws (github.com/Admiral-Piett/goaws), which keeps the queues and
// topics, hands out receipt handles, hides received messages for the
// queue's visibility timeout and delivers SNS publishes to subscribed
// queues.
//
// goaws v0.4.5 predates the AWS JSON 1.0 protocol that the SQS API and
// aws-sdk-go-v2's SQS client switched to in 2023 (X-Amz-Target:
// AmazonSQS.ReceiveMessage and a JSON body, where goaws reads only the
// query protocol's form Action=ReceiveMessage and answers in XML), and
// SNS's PublishBatch, which gocloud's awssns topics send, came after it
// too. So the Server puts a small protocol adapter in front of goaws
// (see adapter.go) that translates the calls gocloud.dev/pubsub/awssnssqs
// makes into goaws' query calls and the XML answers back. The adapter
// only translates: every queue operation is goaws' own.
package awstest

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/sirupsen/logrus"
)

// Region and Account are the server's: they appear in its queue URLs
// and topic ARNs.
const (
	Region  = "us-east-1"
	Account = "000000000000"
)

// Server is goaws behind the protocol adapter, listening on loopback.
type Server struct {
	// URL is the endpoint for AWS SDK clients, http://127.0.0.1:PORT.
	URL string
	// Host is URL's host:port.
	Host  string
	goaws http.Handler
}

// one serializes Servers: goaws keeps its queues and topics in package
// variables, so a test binary can run one at a time.
var one sync.Mutex

// Start starts a Server with no queues or topics. It stops when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	one.Lock()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		one.Unlock()
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	logrus.SetLevel(logrus.WarnLevel)
	app.SyncQueues.Lock()
	app.SyncQueues.Queues = map[string]*app.Queue{}
	app.SyncQueues.Unlock()
	app.SyncTopics.Lock()
	app.SyncTopics.Topics = map[string]*app.Topic{}
	app.SyncTopics.Unlock()
	app.CurrentEnvironment = app.Environment{Host: host, Port: port, Region: Region, AccountID: Account,
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 262144}}

	s := &Server{goaws: router.New()}
	hs := httptest.NewUnstartedServer(adapter{goaws: s.goaws})
	_ = hs.Listener.Close()
	hs.Listener = l
	hs.Start()
	s.URL, s.Host = hs.URL, l.Addr().String()
	// Requeues messages whose visibility timeout has passed.
	quit := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		gosqs.PeriodicTasks(100*time.Millisecond, quit)
		close(stopped)
	}()
	t.Cleanup(func() {
		hs.Close()
		close(quit)
		<-stopped
		one.Unlock()
	})
	return s
}

// Env is the environment an AWS SDK client needs to talk to the Server
// and nothing else: fake static credentials, no shared config files, no
// EC2 metadata lookups.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           "blobimage-test",
		"AWS_SECRET_ACCESS_KEY":       "blobimage-test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  Region,
		"AWS_ENDPOINT_URL":            "",
	}
}

// URLParams is the query gocloud's awssqs:// and awssns:// URLs need to
// reach the Server: region and endpoint.
func (s *Server) URLParams() string {
	return url.Values{"region": {Region}, "endpoint": {s.URL}}.Encode()
}

// CreateQueue creates the queue name with the visibility timeout (whole
// seconds, at least 1) and returns its URL.
func (s *Server) CreateQueue(t testing.TB, name string, visibility time.Duration) string {
	t.Helper()
	secs := max(1, int(visibility/time.Second))
	var out struct {
		URL string `xml:"CreateQueueResult>QueueUrl"`
	}
	s.call(t, url.Values{"Action": {"CreateQueue"}, "QueueName": {name},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {strconv.Itoa(secs)}}, &out)
	// goaws builds it from the environment's host and port.
	return "http://" + s.Host + "/" + Account + "/" + name
}

// CreateTopic creates the SNS topic name and returns its ARN.
func (s *Server) CreateTopic(t testing.TB, name string) string {
	t.Helper()
	var out struct {
		ARN string `xml:"CreateTopicResult>TopicArn"`
	}
	s.call(t, url.Values{"Action": {"CreateTopic"}, "Name": {name}}, &out)
	return out.ARN
}

// Subscribe subscribes the queue at queueURL to the topic, with raw
// message delivery or the SNS JSON envelope.
func (s *Server) Subscribe(t testing.TB, topicARN, queueURL string, raw bool) {
	t.Helper()
	s.call(t, url.Values{"Action": {"Subscribe"}, "TopicArn": {topicARN}, "Protocol": {"sqs"},
		"Endpoint": {queueURL}, "Attributes.entry.1.key": {"RawMessageDelivery"},
		"Attributes.entry.1.value": {strconv.FormatBool(raw)}}, nil)
}

// call makes a query-protocol call straight to goaws and decodes its XML
// answer into out, if out is not nil.
func (s *Server) call(t testing.TB, form url.Values, out any) {
	t.Helper()
	status, body := queryCall(s.goaws, form)
	if status != http.StatusOK {
		t.Fatalf("goaws %s: status %d: %s", form.Get("Action"), status, body)
	}
	if out != nil {
		if err := xml.Unmarshal(body, out); err != nil {
			t.Fatalf("goaws %s: %v: %s", form.Get("Action"), err, body)
		}
	}
}

// queryCall calls goaws in process with a query-protocol form and returns
// the status and body of its answer.
func queryCall(goaws http.Handler, form url.Values) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	goaws.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// queryError is goaws' XML error answer.
type queryError struct {
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

func parseQueryError(status int, body []byte) queryError {
	var e queryError
	if xml.Unmarshal(body, &e) != nil || e.Code == "" {
		e = queryError{Code: "InternalError", Message: fmt.Sprintf("goaws status %d: %.200s", status, body)}
	}
	return e
}
