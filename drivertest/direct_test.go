package drivertest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"cloud.google.com/go/storage"
	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
)

// checkDirectUpload runs a direct upload end to end on inner, a bucket of
// a backend that signs its own URLs: DirectUpload signs a PUT to a staging
// key, client PUTs a JPEG to it for real with the headers it names, and
// Promote writes the image through the write path (variants made) and
// removes the staged object. beforeSign, when set, is the
// DirectUploadOptions.BeforeSign. It returns the DirectUpload.
func checkDirectUpload(t *testing.T, inner *blob.Bucket, client *http.Client, beforeSign func(func(any) bool) error) *blobimage.DirectUpload {
	t.Helper()
	ctx := context.Background()
	s, err := blobimage.Wrap(inner, drivertest.ImageConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	du, err := s.DirectUpload(ctx, "photos/direct.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg",
		BeforeSign: beforeSign})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, du.Method, du.URL,
		bytes.NewReader(testimage.JPEG(testimage.Pattern(640, 480), 90)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range du.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT to the signed URL %s: %s: %s", du.URL, resp.Status, body)
	}
	if ok, _ := inner.Exists(ctx, "photos/direct.jpg"); ok {
		t.Fatal("the PUT wrote the final key")
	}
	f, err := s.Promote(ctx, du.StagingKey)
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 640 || f.Height != 480 || len(f.Variants) == 0 {
		t.Fatalf("promoted: %+v", f)
	}
	for name, v := range f.Variants {
		if ok, err := inner.Exists(ctx, v.Key); !ok || err != nil {
			t.Errorf("variant %s (%s) missing: %v", name, v.Key, err)
		}
	}
	if ok, _ := inner.Exists(ctx, du.StagingKey); ok {
		t.Error("staged object left after promotion")
	}
	return du
}

func TestGCSDirectUpload(t *testing.T) {
	s := newGCSServer(t)
	be, err := s.maker(context.Background(), t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(be.Close)
	// gocloud signs GCS URLs with the V2 scheme; BeforeSign picks V4,
	// Google's current one (and the one fake-gcs-server accepts for
	// uploads).
	v4 := func(asFunc func(any) bool) error {
		var o *storage.SignedURLOptions
		if asFunc(&o) {
			o.Scheme = storage.SigningSchemeV4
		}
		return nil
	}
	checkDirectUpload(t, be.Bucket, be.HTTPClient, v4)
}

func TestS3DirectUpload(t *testing.T) {
	s := newS3Server(t)
	be, err := s.maker(context.Background(), t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(be.Close)
	checkDirectUpload(t, be.Bucket, be.HTTPClient, nil)
}
