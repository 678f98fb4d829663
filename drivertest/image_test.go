package drivertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/drivertest"
)

func TestImageConformanceMem(t *testing.T) {
	drivertest.RunImageConformance(t, func(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
		b := memblob.OpenBucket(nil)
		return &drivertest.Backend{Bucket: b, SupportsCopy: true, Close: func() { _ = b.Close() }}, nil
	})
}

func TestImageConformanceFile(t *testing.T) {
	drivertest.RunImageConformance(t, func(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
		b, err := fileblob.OpenBucket(t.TempDir(), nil)
		if err != nil {
			return nil, err
		}
		return &drivertest.Backend{Bucket: b, SupportsCopy: true, Close: func() { _ = b.Close() }}, nil
	})
}

// TestImageConformanceFileSigned runs the image suite over fileblob with
// an HMAC URL signer and a loopback server that serves what it signs, so
// the signed variant URLs are fetched over HTTP on a local backend too.
func TestImageConformanceFileSigned(t *testing.T) {
	drivertest.RunImageConformance(t, func(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
		var signer *fileblob.URLSignerHMAC
		var b *blob.Bucket
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := *r.URL
			u.Scheme, u.Host = "http", r.Host
			key, err := signer.KeyFromURL(r.Context(), &u)
			if err != nil || r.Method != http.MethodGet {
				http.Error(w, "bad signature", http.StatusForbidden)
				return
			}
			data, err := b.ReadAll(r.Context(), key)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(data)
		}))
		base, err := url.Parse(srv.URL + "/signed")
		if err != nil {
			srv.Close()
			return nil, err
		}
		signer = fileblob.NewURLSignerHMAC(base, []byte("blobimage-test-secret"))
		b, err = fileblob.OpenBucket(t.TempDir(), &fileblob.Options{URLSigner: signer})
		if err != nil {
			srv.Close()
			return nil, err
		}
		return &drivertest.Backend{Bucket: b, HTTPClient: srv.Client(), SupportsCopy: true,
			Close: func() { _ = b.Close(); srv.Close() }}, nil
	})
}
