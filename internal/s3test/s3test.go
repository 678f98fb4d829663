// Package s3test runs an in-process S3 server (gofakes3, memory backend)
// for tests, opened through gocloud's s3blob URL as an application opens
// real S3. It imports gofakes3, so only test code should import it.
package s3test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3://
)

// Server is an S3 server on 127.0.0.1.
type Server struct {
	// URL is its endpoint, http://127.0.0.1:PORT.
	URL     string
	backend *s3mem.Backend
}

// Start starts a server for t (stopped by t.Cleanup) and sets the AWS
// SDK's environment for the test so that it neither looks for instance
// credentials nor finds real ones (gofakes3 accepts any signature), and
// does not check response checksums: gofakes3 sends the whole object's
// CRC32 with a ranged GET, which the S3 SDK of gocloud.dev v0.49.0 checks
// against the part it got (real S3 sends no full-object checksum with a
// range).
func Start(t testing.TB) *Server {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_ACCESS_KEY_ID":                "blobimage-test",
		"AWS_SECRET_ACCESS_KEY":            "blobimage-test-secret",
		"AWS_SESSION_TOKEN":                "",
		"AWS_PROFILE":                      "",
		"AWS_CONFIG_FILE":                  "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":      "/dev/null",
		"AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
	} {
		t.Setenv(k, v)
	}
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, backend: be}
}

// BucketURL creates the bucket name and returns its s3:// URL.
func (s *Server) BucketURL(t testing.TB, name string) string {
	t.Helper()
	if err := s.backend.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return "s3://" + name + "?endpoint=" + s.URL + "&use_path_style=true&region=us-east-1&disable_https=true"
}

// Open creates the bucket name and opens it; it is closed by t.Cleanup.
func (s *Server) Open(t testing.TB, name string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), s.BucketURL(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}
