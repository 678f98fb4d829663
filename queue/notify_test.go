package queue_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/blobimage/blobimage/queue"
)

// The payloads below are written as the services send them, modelled on:
//   - S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
//     (event structure, s3:TestEvent) and
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
//     (event types);
//   - SNS: https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
//     (the envelope an SQS queue receives without raw message delivery);
//   - GCS: https://cloud.google.com/storage/docs/pubsub-notifications
//     (attributes, JSON_API_V1 payload) and the Eventarc CloudEvent types
//     google.cloud.storage.object.v1.*;
//   - Azure: https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage
//     (Event Grid schema) and https://learn.microsoft.com/azure/event-grid/cloud-event-schema
//     (CloudEvents schema).

// s3Event is an S3 event notification (event version 2.1) with one record
// per eventName/key pair; keys are given as S3 encodes them.
const s3Event = `{"Records":[
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:00.000Z",
  "eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},
  "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/my+summer+photo%2B1.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}},
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:01.000Z",
  "eventName":"ObjectCreated:CompleteMultipartUpload","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/%C3%A9t%C3%A9/%E5%86%99%E7%9C%9F.jpg","size":52428800,"eTag":"abc-7","sequencer":"0055AED6DCD90281E6"}}},
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:02.000Z",
  "eventName":"ObjectCreated:Copy","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/100%25+real%3F.jpg","size":10,"eTag":"e","sequencer":"0055AED6DCD90281E7"}}},
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:03.000Z",
  "eventName":"ObjectRemoved:Delete","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/old.jpg","sequencer":"0055AED6DCD90281E8"}}},
 {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:04.000Z",
  "eventName":"ObjectRemoved:DeleteMarkerCreated","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/older.jpg","versionId":"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY","sequencer":"0055AED6DCD90281E9"}}},
 {"eventVersion":"2.3","eventSource":"aws:s3","awsRegion":"us-west-2","eventTime":"2024-05-01T10:00:05.000Z",
  "eventName":"ObjectTagging:Put","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"X","x-amz-id-2":"Y"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":"amzn-s3-demo-bucket","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
   "object":{"key":"photos/a.jpg","eTag":"e","sequencer":"0055AED6DCD90281EA"}}}
]}`

var s3Want = []queue.Event{
	{Kind: queue.EventCreated, Source: "s3", Type: "ObjectCreated:Put", Bucket: "amzn-s3-demo-bucket", Key: "photos/my summer photo+1.jpg"},
	{Kind: queue.EventCreated, Source: "s3", Type: "ObjectCreated:CompleteMultipartUpload", Bucket: "amzn-s3-demo-bucket", Key: "photos/été/写真.jpg"},
	{Kind: queue.EventCreated, Source: "s3", Type: "ObjectCreated:Copy", Bucket: "amzn-s3-demo-bucket", Key: "photos/100% real?.jpg"},
	{Kind: queue.EventRemoved, Source: "s3", Type: "ObjectRemoved:Delete", Bucket: "amzn-s3-demo-bucket", Key: "photos/old.jpg"},
	{Kind: queue.EventRemoved, Source: "s3", Type: "ObjectRemoved:DeleteMarkerCreated", Bucket: "amzn-s3-demo-bucket", Key: "photos/older.jpg"},
	{Kind: queue.EventOther, Source: "s3", Type: "ObjectTagging:Put", Bucket: "amzn-s3-demo-bucket", Key: "photos/a.jpg"},
}

// snsEnvelope wraps msg (a JSON string literal's contents) as SNS delivers
// it to an SQS queue without raw message delivery.
func snsEnvelope(typ, msg string) string {
	return `{
  "Type" : "` + typ + `",
  "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:images",
  "Subject" : "Amazon S3 Notification",
  "Message" : ` + msg + `,
  "Timestamp" : "2024-05-01T10:00:00.500Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:images:c9135db0-26c4-47ec-8998-413945fb5a96"
}`
}

const s3TestEvent = `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T09:59:59.089Z","Bucket":"amzn-s3-demo-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`

// gcsAttrs are the attributes of a Cloud Storage notification.
func gcsAttrs(eventType, object string) map[string]string {
	return map[string]string{
		"notificationConfig": "projects/_/buckets/my-bucket/notificationConfigs/3",
		"eventType":          eventType,
		"payloadFormat":      "JSON_API_V1",
		"bucketId":           "my-bucket",
		"objectId":           object,
		"objectGeneration":   "1714557600123456",
		"eventTime":          "2024-05-01T10:00:00.123456Z",
	}
}

// gcsObject is the JSON_API_V1 payload: the object resource.
const gcsObject = `{
  "kind": "storage#object",
  "id": "my-bucket/photos/été 1.jpg/1714557600123456",
  "selfLink": "https://www.googleapis.com/storage/v1/b/my-bucket/o/photos%2F%C3%A9t%C3%A9%201.jpg",
  "name": "photos/été 1.jpg",
  "bucket": "my-bucket",
  "generation": "1714557600123456",
  "metageneration": "1",
  "contentType": "image/jpeg",
  "timeCreated": "2024-05-01T10:00:00.123Z",
  "updated": "2024-05-01T10:00:00.123Z",
  "storageClass": "STANDARD",
  "size": "48213",
  "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
  "mediaLink": "https://storage.googleapis.com/download/storage/v1/b/my-bucket/o/photos%2F%C3%A9t%C3%A9%201.jpg?generation=1714557600123456&alt=media",
  "crc32c": "AAAAAA==",
  "etag": "CMDo4rXU3IUDEAE="
}`

// eventGrid is a Blob Storage event in the Event Grid schema.
func eventGrid(eventType, subject, api string) string {
	return `{
  "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/myaccount",
  "subject": "` + subject + `",
  "eventType": "` + eventType + `",
  "id": "831e1650-001e-001b-66ab-eeb76e069631",
  "data": {
    "api": "` + api + `",
    "clientRequestId": "6d79dbfb-0e37-4fc4-981f-442c9ca65760",
    "requestId": "831e1650-001e-001b-66ab-eeb76e000000",
    "eTag": "0x8D4BCC2E4835CD0",
    "contentType": "image/jpeg",
    "contentLength": 524288,
    "blobType": "BlockBlob",
    "url": "https://myaccount.blob.core.windows.net/images/photos/new%20file.jpg",
    "sequencer": "00000000000004420000000000028963",
    "storageDiagnostics": {"batchId": "b68529f3-68cd-4744-baa4-3c0498ec19f0"}
  },
  "dataVersion": "",
  "metadataVersion": "1",
  "eventTime": "2024-05-01T10:00:00.0000000Z"
}`
}

// cloudEvent is a Blob Storage event in the CloudEvents 1.0 schema.
const cloudEvent = `{
  "source": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/myaccount",
  "subject": "/blobServices/default/containers/images/blobs/photos/ce 1.jpg",
  "type": "Microsoft.Storage.BlobCreated",
  "time": "2024-05-01T10:00:00.0000000Z",
  "id": "9aeb0fdf-c01e-0131-0922-9eb54906e209",
  "data": {
    "api": "PutBlob",
    "eTag": "0x8D76C39E4407333",
    "contentType": "image/jpeg",
    "contentLength": 30699,
    "blobType": "BlockBlob",
    "url": "https://myaccount.blob.core.windows.net/images/photos/ce%201.jpg",
    "sequencer": "000000000000000000000000000099240000000000c41c18"
  },
  "specversion": "1.0"
}`

// eventarc is a Cloud Storage event as a CloudEvent (Eventarc).
const eventarc = `{
  "specversion": "1.0",
  "type": "google.cloud.storage.object.v1.finalized",
  "source": "//storage.googleapis.com/projects/_/buckets/my-bucket",
  "subject": "objects/photos/arc.jpg",
  "id": "1234567890",
  "time": "2024-05-01T10:00:00.123Z",
  "datacontenttype": "application/json",
  "data": {"kind": "storage#object", "name": "photos/arc.jpg", "bucket": "my-bucket", "generation": "1"}
}`

func TestParseNotification(t *testing.T) {
	const created, removed, other, test = queue.EventCreated, queue.EventRemoved, queue.EventOther, queue.EventTest
	s3One := `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"photos/a+b.jpg"}}}]}`
	for _, c := range []struct {
		name  string
		body  string
		attrs map[string]string
		want  []queue.Event
	}{
		{"s3", s3Event, nil, s3Want},
		{"s3 via SNS", snsEnvelope("Notification", quote(s3One)), nil,
			[]queue.Event{{Kind: created, Source: "s3", Type: "ObjectCreated:Put", Bucket: "b", Key: "photos/a b.jpg"}}},
		{"s3 test event", s3TestEvent, nil,
			[]queue.Event{{Kind: test, Source: "s3", Type: "s3:TestEvent", Bucket: "amzn-s3-demo-bucket"}}},
		{"s3 test event via SNS", snsEnvelope("Notification", quote(s3TestEvent)), nil,
			[]queue.Event{{Kind: test, Source: "s3", Type: "s3:TestEvent", Bucket: "amzn-s3-demo-bucket"}}},
		{"SNS subscription confirmation", snsEnvelope("SubscriptionConfirmation", `"You have chosen to subscribe"`), nil,
			[]queue.Event{{Kind: other, Source: "sns", Type: "SubscriptionConfirmation"}}},
		{"minio", `{"EventName":"s3:ObjectCreated:Put","Key":"b/photos/m.jpg","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"photos%2Fm.jpg"}}}]}`, nil,
			[]queue.Event{{Kind: created, Source: "s3", Type: "ObjectCreated:Put", Bucket: "b", Key: "photos/m.jpg"}}},
		{"gcs attributes only", "", func() map[string]string {
			a := gcsAttrs("OBJECT_FINALIZE", "photos/été 1.jpg")
			a["payloadFormat"] = "NONE"
			return a
		}(), []queue.Event{{Kind: created, Source: "gcs", Type: "OBJECT_FINALIZE", Bucket: "my-bucket", Key: "photos/été 1.jpg"}}},
		{"gcs attributes and body", gcsObject, gcsAttrs("OBJECT_FINALIZE", "photos/été 1.jpg"),
			[]queue.Event{{Kind: created, Source: "gcs", Type: "OBJECT_FINALIZE", Bucket: "my-bucket", Key: "photos/été 1.jpg"}}},
		{"gcs body only", gcsObject, nil,
			[]queue.Event{{Kind: created, Source: "gcs", Type: "storage#object", Bucket: "my-bucket", Key: "photos/été 1.jpg"}}},
		{"gcs delete", gcsObject, gcsAttrs("OBJECT_DELETE", "photos/été 1.jpg"),
			[]queue.Event{{Kind: removed, Source: "gcs", Type: "OBJECT_DELETE", Bucket: "my-bucket", Key: "photos/été 1.jpg"}}},
		{"gcs metadata update", gcsObject, gcsAttrs("OBJECT_METADATA_UPDATE", "photos/été 1.jpg"),
			[]queue.Event{{Kind: other, Source: "gcs", Type: "OBJECT_METADATA_UPDATE", Bucket: "my-bucket", Key: "photos/été 1.jpg"}}},
		{"gcs eventarc", eventarc, nil,
			[]queue.Event{{Kind: created, Source: "gcs", Type: "google.cloud.storage.object.v1.finalized", Bucket: "my-bucket", Key: "photos/arc.jpg"}}},
		{"event grid array", "[" + eventGrid("Microsoft.Storage.BlobCreated", "/blobServices/default/containers/images/blobs/photos/new file.jpg", "PutBlockList") +
			"," + eventGrid("Microsoft.Storage.BlobDeleted", "/blobServices/default/containers/images/blobs/photos/gone.jpg", "DeleteBlob") + "]", nil,
			[]queue.Event{
				{Kind: created, Source: "azure", Type: "Microsoft.Storage.BlobCreated", Bucket: "images", Key: "photos/new file.jpg"},
				{Kind: removed, Source: "azure", Type: "Microsoft.Storage.BlobDeleted", Bucket: "images", Key: "photos/gone.jpg"},
			}},
		{"event grid single", eventGrid("Microsoft.Storage.BlobCreated", "/blobServices/default/containers/images/blobs/photos/100% ünï.jpg", "PutBlob"), nil,
			[]queue.Event{{Kind: created, Source: "azure", Type: "Microsoft.Storage.BlobCreated", Bucket: "images", Key: "photos/100% ünï.jpg"}}},
		{"event grid URL when the subject is not a blob's", eventGrid("Microsoft.Storage.BlobCreated", "", "PutBlob"), nil,
			[]queue.Event{{Kind: created, Source: "azure", Type: "Microsoft.Storage.BlobCreated", Bucket: "images", Key: "photos/new file.jpg"}}},
		{"event grid tier change", eventGrid("Microsoft.Storage.BlobTierChanged", "/blobServices/default/containers/images/blobs/photos/a.jpg", "SetBlobTier"), nil,
			[]queue.Event{{Kind: other, Source: "azure", Type: "Microsoft.Storage.BlobTierChanged"}}},
		{"event grid validation", `[{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/x","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2024-05-01T10:00:00Z","metadataVersion":"1","dataVersion":"1"}]`, nil,
			[]queue.Event{{Kind: other, Type: "Microsoft.EventGrid.SubscriptionValidationEvent"}}},
		{"cloudevents", cloudEvent, nil,
			[]queue.Event{{Kind: created, Source: "azure", Type: "Microsoft.Storage.BlobCreated", Bucket: "images", Key: "photos/ce 1.jpg"}}},
		{"cloudevents batch", "[" + cloudEvent + "]", nil,
			[]queue.Event{{Kind: created, Source: "azure", Type: "Microsoft.Storage.BlobCreated", Bucket: "images", Key: "photos/ce 1.jpg"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := queue.ParseNotification([]byte(c.body), c.attrs)
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

// TestParseNotificationGarbage: what is not a notification is a
// *PayloadError; a message partly readable returns what it could read.
func TestParseNotificationGarbage(t *testing.T) {
	for _, c := range []struct {
		name, body string
		attrs      map[string]string
		events     int
	}{
		{"empty", "", nil, 0},
		{"text", "hello", nil, 0},
		{"a job", `{"key":"photos/a.jpg","token":"abc"}`, nil, 0},
		{"truncated", `{"Records":[{"eventSource":"aws:s3"`, nil, 0},
		{"empty array", `[]`, nil, 0},
		{"array of numbers", `[1,2]`, nil, 0},
		{"no records", `{"Records":[]}`, nil, 0},
		{"bad escape", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"photos/%zz.jpg"}}}]}`, nil, 0},
		{"not s3 records", `{"Records":[{"eventSource":"aws:dynamodb","eventName":"INSERT","dynamodb":{}}]}`, nil, 0},
		{"event grid without subject or url", `{"eventType":"Microsoft.Storage.BlobCreated","subject":"/x","data":{}}`, nil, 0},
		{"gcs finalize without object", "", map[string]string{"eventType": "OBJECT_FINALIZE", "bucketId": "b"}, 0},
		{"one good one bad", "[" + cloudEvent + `,{"nonsense":true}]`, nil, 1},
		{"sns without a message", snsEnvelope("Notification", `""`), nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := queue.ParseNotification([]byte(c.body), c.attrs)
			var pe *queue.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *PayloadError", err, err)
			}
			if len(got) != c.events {
				t.Errorf("got %d events %v, want %d", len(got), got, c.events)
			}
		})
	}
}

// quote makes s a JSON string literal.
func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
