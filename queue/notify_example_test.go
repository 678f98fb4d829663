package queue_test

import (
	"fmt"

	"github.com/blobimage/blobimage/queue"
)

// An S3 event notification as an SQS queue receives it: the key is
// URL-encoded, "+" for a space. A worker adopts the created object and
// acknowledges the rest.
func ExampleParseNotification() {
	body := `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
	  "s3":{"bucket":{"name":"amzn-s3-demo-bucket"},"object":{"key":"photos/summer+2024/caf%C3%A9.jpg","size":48213}}},
	 {"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectRemoved:Delete",
	  "s3":{"bucket":{"name":"amzn-s3-demo-bucket"},"object":{"key":"photos/old.jpg"}}}]}`
	events, err := queue.ParseNotification([]byte(body), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ev := range events {
		fmt.Printf("%s %s %q\n", ev.Source, ev.Kind, ev.Key)
	}
	// Output:
	// s3 created "photos/summer 2024/café.jpg"
	// s3 removed "photos/old.jpg"
}
