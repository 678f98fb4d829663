package imagehttp_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/s3test"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// testConfig: photos/** kept with GPS stripped; "small" in PNG (preferred)
// and JPEG (fallback), "medium" in JPEG.
func testConfig() config {
	small := variants.Spec{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 64, Height: 64}},
		Formats: []codecs.Format{codecs.PNG, codecs.JPEG}}
	medium := variants.Spec{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 200, Height: 200}}}
	return config{Config: variants.Config{Rules: []variants.Rule{
		{Match: "photos/**", Variants: []variants.Spec{small, medium}},
	}}}
}

// memStore wraps a fresh memblob with cfg.
// config is a test's config and the Store's options together.
type config struct {
	variants.Config
	blobimage.Options
}

func memStore(t testing.TB, cfg config) (*blobimage.Store, *blob.Bucket) {
	t.Helper()
	inner := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = inner.Close() })
	s, err := blobimage.Wrap(inner, &cfg.Config, &cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner
}

// fileStore wraps a fresh fileblob folder with cfg.
func fileStore(t testing.TB, cfg config) (*blobimage.Store, *blob.Bucket) {
	t.Helper()
	inner, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	s, err := blobimage.Wrap(inner, &cfg.Config, &cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner
}

// s3Store wraps a fresh bucket of an in-process S3 server (gofakes3),
// opened through s3blob's URL as an application opens real S3.
func s3Store(t testing.TB, cfg config) (*blobimage.Store, *blob.Bucket) {
	t.Helper()
	inner := s3test.Start(t).Open(t, "renditions")
	s, err := blobimage.Wrap(inner, &cfg.Config, &cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner
}

// photo is a w×h test pattern JPEG.
func photo(w, h int) []byte { return testimage.JPEG(testimage.Pattern(w, h), 90) }

// put stores data at key through s.
func put(t testing.TB, s *blobimage.Store, key string, data []byte) *blobimage.ImageFile {
	t.Helper()
	f, err := s.Put(context.Background(), key, bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return f
}

// serve starts a server with the image handler at /img/ and the uploader
// at /upload (multipart) and /upload/{key...} (raw bodies).
func serve(t testing.TB, s *blobimage.Store, io imagehttp.ImageOptions, uo imagehttp.UploadOptions) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /img/{key...}", imagehttp.NewImageHandler(s, io))
	up := imagehttp.NewUploader(s, uo)
	mux.Handle("POST /upload", up)
	mux.Handle("PUT /upload/{key...}", up)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get sends a GET with the given header pairs.
func get(t testing.TB, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return do(t, "GET", url, nil, hdr...)
}

func do(t testing.TB, method, url string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

type formFile struct {
	name string
	data []byte
}

// form builds a multipart body: the fields first, then the files.
func form(t testing.TB, fields map[string]string, files ...formFile) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// sniff is the format of an image body.
func sniff(t testing.TB, b []byte) codecs.Format {
	t.Helper()
	f, err := codecs.Sniff(b)
	if err != nil {
		t.Fatalf("response is not an image: %v (%.60q)", err, b)
	}
	return f
}

// record runs one request through h without a server.
func record(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// keysOf lists every key of b.
func keysOf(t testing.TB, b *blob.Bucket) []string {
	t.Helper()
	var ks []string
	it := b.List(nil)
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return ks
		}
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, o.Key)
	}
}
