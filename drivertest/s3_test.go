package drivertest_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/s3test"
)

// s3Server makes each backend a fresh bucket of one in-process S3 server
// (internal/s3test), opened through the s3blob URL opener as an
// application would open real S3.
type s3Server struct {
	srv *s3test.Server
	n   atomic.Int64
}

func newS3Server(t *testing.T) *s3Server {
	t.Helper()
	return &s3Server{srv: s3test.Start(t)}
}

func (s *s3Server) maker(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
	b, err := blob.OpenBucket(ctx, s.srv.BucketURL(t, fmt.Sprintf("bucket-%03d", s.n.Add(1))))
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
