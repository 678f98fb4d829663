package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/rabbittest"
)

// TestWorkerNotificationsRabbitMQ: `blobimage worker --notifications
// rabbit://events`, as a process of its own on a real broker, adopts
// images written past the wrapper as the three clouds announce them, each
// published as the service sends it (S3 with a form-encoded key; Cloud
// Storage with attributes only, as AMQP headers; Azure Event Grid as an
// array), and ignores the events of the wrapper's own writes (a put's
// variants and manifested original): their objects are unchanged. A
// duplicate event changes nothing; SIGINT ends it with status 0.
func TestWorkerNotificationsRabbitMQ(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a worker process")
	}
	server := rabbittest.Start(t)
	dir := t.TempDir()
	bucketURL := "file://" + filepath.ToSlash(dir) + "/b?create_dir=true"
	t.Setenv("BLOBIMAGE_BUCKET", bucketURL)
	t.Setenv("BLOBIMAGE_CONFIG", "")
	t.Setenv("BLOBIMAGE_SUBSCRIPTION", "")
	t.Setenv("BLOBIMAGE_NOTIFICATIONS", "")
	t.Setenv("RABBIT_SERVER_URL", server)
	ctx := context.Background()

	w := startCLI(t, "worker", "--notifications", "rabbit://events", "--concurrency", "2")
	w.waitFor(t, "adopting objects", 30*time.Second)

	// One image through the wrapper (its own writes raise events too), and
	// three written past it.
	src := photo(t, dir, "src.jpg")
	if code, _, errOut := cli(t, "put", "--key", "photos/own.jpg", src); code != 0 {
		t.Fatalf("put: %s", errOut)
	}
	inner, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	past := []string{"photos/s3 upload+1.jpg", "photos/gcs.jpg", "photos/azure.jpg"}
	for _, k := range past {
		if err := inner.WriteAll(ctx, k, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	own := map[string]time.Time{}
	it := inner.List(nil)
	for {
		o, err := it.Next(ctx)
		if err != nil {
			break
		}
		if o.Key == "photos/own.jpg" || strings.HasPrefix(o.Key, blobimage.DefaultVariantPrefix) {
			own[o.Key] = o.ModTime
		}
	}
	if len(own) != 3 {
		t.Fatalf("the put wrote %v, want the original and 2 variants", own)
	}

	conn, err := amqp.Dial(server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	publish := func(body string, headers amqp.Table) {
		t.Helper()
		err := ch.PublishWithContext(ctx, "events", "", true, false, amqp.Publishing{Body: []byte(body), Headers: headers})
		if err != nil {
			t.Fatal(err)
		}
	}
	s3 := func(key string) string {
		return `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",` +
			`"eventTime":"2026-12-06T12:00:00.000Z","eventName":"ObjectCreated:Put",` +
			`"s3":{"s3SchemaVersion":"1.0","bucket":{"name":"b","arn":"arn:aws:s3:::b"},` +
			`"object":{"key":"` + key + `","size":1234,"eTag":"0123","sequencer":"0055AED6DCD90281E5"}}}]}`
	}
	// The wrapper's own writes, as S3 reports them.
	for k := range own {
		publish(s3(strings.ReplaceAll(k, " ", "+")), nil)
	}
	publish(s3("photos/s3+upload%2B1.jpg"), nil)
	publish(s3("photos/s3+upload%2B1.jpg"), nil) // duplicate
	publish("", amqp.Table{"eventType": "OBJECT_FINALIZE", "bucketId": "b", "objectId": "photos/gcs.jpg",
		"payloadFormat": "NONE", "notificationConfig": "projects/_/buckets/b/notificationConfigs/1"})
	publish(`[{"topic":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",`+
		`"subject":"/blobServices/default/containers/c/blobs/photos/azure.jpg",`+
		`"eventType":"Microsoft.Storage.BlobCreated","id":"1","eventTime":"2026-12-06T12:00:00Z",`+
		`"data":{"api":"PutBlob","url":"https://a.blob.core.windows.net/c/photos/azure.jpg"},`+
		`"dataVersion":"","metadataVersion":"1"}]`, nil)

	for _, k := range past {
		w.waitFor(t, "adopted "+k, 60*time.Second)
		_, out, _ := cli(t, "info", k)
		if s := variantStates(t, out); s["small"] != "ready" || s["medium"] != "ready" {
			t.Errorf("%s after its event: %v", k, s)
		}
	}
	if code := w.interrupt(t); code != 0 {
		t.Errorf("worker after SIGINT: exit %d:\n%s", code, w.output())
	}
	if n := strings.Count(w.output(), "adopted photos/s3 upload+1.jpg"); n != 1 {
		t.Errorf("the duplicated event adopted %d times:\n%s", n, w.output())
	}
	for k, mod := range own {
		a, err := inner.Attributes(ctx, k)
		if err != nil || !a.ModTime.Equal(mod) {
			t.Errorf("the wrapper's own %s changed after its event: %v", k, err)
		}
	}
}
