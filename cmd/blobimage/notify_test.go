package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/pubsub"

	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

// TestWorkerNotificationsNATS: images written straight to the bucket
// (past the wrapper) and announced by S3 event notifications on NATS
// JetStream are adopted by `blobimage worker --notifications`: `info`
// then shows them with their variants. A non-image is reported and left
// as it is, S3's test event is ignored, and after SIGINT (a cancelled
// context) the worker exits 0.
func TestWorkerNotificationsNATS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(dir)+"/b?create_dir=true")
	t.Setenv("BLOBIMAGE_CONFIG", "")
	t.Setenv("BLOBIMAGE_SUBSCRIPTION", "")
	t.Setenv("BLOBIMAGE_NOTIFICATIONS", "")
	t.Setenv("NATS_SERVER_URL", natstest.Start(t))
	const (
		topicURL = "natsjs://bucket.events?stream=EVENTS"
		subURL   = "natsjs://EVENTS?consumer=adopters&subject=bucket.events&ack_wait=2s"
		image    = "photos/beach day+1.jpg"
		notImage = "photos/notes.txt"
	)
	ctx := context.Background()

	// A tool writes straight to the bucket.
	inner, err := fileblob.OpenBucket(filepath.Join(dir, "b"), &fileblob.Options{CreateDir: true})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	data, err := os.ReadFile(photo(t, dir, "beach.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := inner.WriteAll(ctx, image, data, nil); err != nil {
		t.Fatal(err)
	}
	notes := []byte("not a picture")
	if err := inner.WriteAll(ctx, notImage, notes, nil); err != nil {
		t.Fatal(err)
	}

	// S3 announces both (keys form-encoded), after its test event.
	topic, err := pubsub.OpenTopic(ctx, topicURL)
	if err != nil {
		t.Fatal(err)
	}
	defer topic.Shutdown(ctx)
	record := func(key string) string {
		k, _ := json.Marshal(strings.NewReplacer(" ", "+", "+", "%2B").Replace(key))
		return `{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put",` +
			`"s3":{"s3SchemaVersion":"1.0","bucket":{"name":"b"},"object":{"key":` + string(k) + `,"size":1}}}`
	}
	for _, body := range []string{
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T09:59:59.089Z","Bucket":"b","RequestId":"R","HostId":"H"}`,
		`{"Records":[` + record(image) + `]}`,
		`{"Records":[` + record(notImage) + `]}`,
	} {
		if err := topic.Send(ctx, &pubsub.Message{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var out, errOut lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(wctx, []string{"worker", "--notifications", subURL, "--concurrency", "1"}, &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, info, _ := cli(t, "info", image)
		if c == 0 {
			if s := variantStates(t, info); s["small"] == "ready" && s["medium"] == "ready" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not adopted after 30s: info: %s", image, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The non-image's message comes after the image's: wait for its report.
	for !strings.Contains(errOut.String(), notImage) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if c := <-code; c != 0 {
		t.Errorf("worker: exit %d after SIGINT: %s", c, errOut.String())
	}
	if !strings.Contains(out.String(), "adopted "+image+"\n") {
		t.Errorf("stdout %q does not report the adoption", out.String())
	}
	if e := errOut.String(); !strings.Contains(e, notImage) || !strings.Contains(e, "not an image") {
		t.Errorf("stderr does not report the refusal: %s", e)
	}
	if got, err := inner.ReadAll(ctx, notImage); err != nil || !bytes.Equal(got, notes) {
		t.Errorf("refused object now %q, %v", got, err)
	}
	if c, _, _ := cli(t, "info", notImage); c == 0 {
		t.Errorf("info %s succeeded: the refused object was adopted", notImage)
	}
}

// lockedBuffer is a buffer a command writes to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWorkerModes: --subscription and --notifications are two workers.
func TestWorkerModes(t *testing.T) {
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(t.TempDir())+"?create_dir=true")
	code, _, errOut := cli(t, "worker", "--subscription", "natsjs://A", "--notifications", "natsjs://B")
	if code != exitUsage || !strings.Contains(errOut, "--notifications") {
		t.Errorf("both flags: exit %d, %s", code, errOut)
	}
	code, _, errOut = cli(t, "worker", "--notifications", "mem://events")
	if code != exitUsage || !strings.Contains(errOut, "mem://") {
		t.Errorf("mem:// notifications: exit %d, %s", code, errOut)
	}
}
