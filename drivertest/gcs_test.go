package drivertest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/gcsblob"

	"github.com/blobimage/blobimage/drivertest"
)

// gcsServer is an in-process fake-gcs-server on 127.0.0.1, made for one
// test; each backend it makes is a fresh bucket opened through the gcsblob
// URL opener with STORAGE_EMULATOR_HOST pointing at the server. URLs are
// signed locally with a throwaway RSA key (access_id and private_key_path),
// as with a real service account.
type gcsServer struct {
	srv     *fakestorage.Server
	keyPath string
	n       atomic.Int64
}

func newGCSServer(t *testing.T) *gcsServer {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("STORAGE_EMULATOR_HOST", u.Host)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	return &gcsServer{srv: srv, keyPath: keyPath}
}

func (s *gcsServer) maker(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
	name := fmt.Sprintf("bucket-%03d", s.n.Add(1))
	s.srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: name})
	q := url.Values{"access_id": {"blobimage-test@example.iam.gserviceaccount.com"}, "private_key_path": {s.keyPath}}
	b, err := blob.OpenBucket(ctx, "gs://"+name+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	return &drivertest.Backend{Bucket: b, HTTPClient: &http.Client{Transport: s}, SupportsCopy: true,
		SupportsNonSlashDelimiters: true, Close: func() { _ = b.Close() }}, nil
}

// RoundTrip fetches URLs signed for the emulator. cloud.google.com/go/storage
// signs https://STORAGE_EMULATOR_HOST/... URLs while the emulator serves
// plain HTTP, so requests to its host are sent over http; nothing else of
// the request changes.
func (s *gcsServer) RoundTrip(r *http.Request) (*http.Response, error) {
	if u, err := url.Parse(s.srv.URL()); err == nil && r.URL.Host == u.Host && r.URL.Scheme == "https" {
		r = r.Clone(r.Context())
		r.URL.Scheme = "http"
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestGocloudConformanceGCS(t *testing.T) {
	s := newGCSServer(t)
	drivertest.RunGocloudConformance(t, s.maker, conformanceConfig())
}

func TestImageConformanceGCS(t *testing.T) {
	s := newGCSServer(t)
	drivertest.RunImageConformance(t, s.maker)
}
