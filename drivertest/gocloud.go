package drivertest

import (
	"context"
	"net/http"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	gocloudtest "gocloud.dev/blob/drivertest"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// Backend is one storage backend the suites run over.
type Backend struct {
	// Bucket is the inner bucket. Every driver the harness makes wraps
	// this one bucket (the wrapper does not close it), so what one test
	// writes another driver of the same harness reads.
	Bucket *blob.Bucket
	// HTTPClient fetches signed URLs; nil when the backend cannot sign.
	HTTPClient *http.Client
	// SupportsCopy and SupportsNonSlashDelimiters answer gocloud's
	// harness questions.
	SupportsCopy               bool
	SupportsNonSlashDelimiters bool
	// Close releases the backend (the Bucket included); may be nil.
	Close func()
}

// BackendMaker opens a fresh backend for one test.
type BackendMaker func(ctx context.Context, t *testing.T) (*Backend, error)

// RunGocloudConformance runs gocloud's own blob conformance suite
// (gocloud.dev/blob/drivertest) over blobimage's wrapper around the buckets
// newBackend opens, with cfg. The suite writes only plain keys, so cfg's
// rules should not match them (a rule such as "photos/**" does not): it
// proves the wrapper is a drop-in bucket for everything that is not an
// image.
func RunGocloudConformance(t *testing.T, newBackend BackendMaker, cfg *variants.Config, asTests ...gocloudtest.AsTest) {
	gocloudtest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (gocloudtest.Harness, error) {
		be, err := newBackend(ctx, t)
		if err != nil {
			return nil, err
		}
		return &harness{be: be, cfg: cfg}, nil
	}, asTests)
}

type harness struct {
	be  *Backend
	cfg *variants.Config
}

func (h *harness) MakeDriver(ctx context.Context) (driver.Bucket, error) {
	s, err := blobimage.Wrap(h.be.Bucket, h.cfg, nil)
	if err != nil {
		return nil, err
	}
	return s.Driver(), nil
}

// MakeDriverForNonexistentBucket is not meaningful for a wrapper: it wraps
// whatever bucket it is given.
func (h *harness) MakeDriverForNonexistentBucket(context.Context) (driver.Bucket, error) {
	return nil, nil
}

func (h *harness) HTTPClient() *http.Client         { return h.be.HTTPClient }
func (h *harness) SupportsCopy() bool               { return h.be.SupportsCopy }
func (h *harness) SupportsNonSlashDelimiters() bool { return h.be.SupportsNonSlashDelimiters }

// SkipDownloadAt is false: every backend runs gocloud's DownloadAt test.
func (h *harness) SkipDownloadAt() bool { return false }

func (h *harness) Close() {
	if h.be.Close != nil {
		h.be.Close()
	}
}
