package drivertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob"

	"github.com/blobimage/blobimage/drivertest"
)

// s3Server is an in-process gofakes3 S3 server on 127.0.0.1, made for one
// test; each backend it makes is a fresh bucket opened through the s3blob
// URL opener, as an application would open real S3.
type s3Server struct {
	srv     *httptest.Server
	backend *s3mem.Backend
	n       atomic.Int64
}

func newS3Server(t *testing.T) *s3Server {
	t.Helper()
	// The AWS SDK must neither look for EC2 instance credentials nor find
	// real ones: gofakes3 accepts any signature.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "blobimage-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "blobimage-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	// gofakes3 answers a ranged GET with the whole object's CRC32 header,
	// which the S3 SDK of gocloud.dev v0.49.0 checks against the part it got; real
	// S3 sends no full-object checksum with a range.
	t.Setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	return &s3Server{srv: srv, backend: be}
}

func (s *s3Server) maker(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
	name := fmt.Sprintf("bucket-%03d", s.n.Add(1))
	if err := s.backend.CreateBucket(name); err != nil {
		return nil, err
	}
	u := fmt.Sprintf("s3://%s?endpoint=%s&use_path_style=true&region=us-east-1&disable_https=true", name, s.srv.URL)
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, err
	}
	return &drivertest.Backend{Bucket: b, HTTPClient: http.DefaultClient, SupportsCopy: true,
		SupportsNonSlashDelimiters: true, Close: func() { _ = b.Close() }}, nil
}

func TestGocloudConformanceS3(t *testing.T) {
	s := newS3Server(t)
	drivertest.RunGocloudConformance(t, s.maker, conformanceConfig())
}

func TestImageConformanceS3(t *testing.T) {
	s := newS3Server(t)
	drivertest.RunImageConformance(t, s.maker)
}
