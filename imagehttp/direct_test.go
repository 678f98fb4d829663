package imagehttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// directServer mounts the two direct upload endpoints.
func directServer(t testing.TB, s *blobimage.Store, o imagehttp.DirectOptions) *httptest.Server {
	t.Helper()
	d := imagehttp.NewDirectUploads(s, o)
	mux := http.NewServeMux()
	mux.Handle("/direct/presign", d.Presign())
	mux.Handle("/direct/promote", d.Promote())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// postJSON posts v as JSON and decodes the answer into out (when not nil).
func postJSON(t testing.TB, u string, v, out any) *http.Response {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, data := do(t, "POST", u, bytes.NewReader(body), "Content-Type", "application/json")
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s: %v: %s", u, err, data)
		}
	}
	return resp
}

// putDirect PUTs data to a presigned URL with its headers.
func putDirect(t testing.TB, du *blobimage.DirectUpload, data []byte) *http.Response {
	t.Helper()
	var hdr []string
	for k, v := range du.Headers {
		hdr = append(hdr, k, v)
	}
	resp, body := do(t, du.Method, du.URL, bytes.NewReader(data), hdr...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s: %s", du.URL, resp.Status, body)
	}
	return resp
}

// TestDirectUploadS3: on S3 (gofakes3, through s3blob): presign, a real
// PUT to the presigned URL, promote; the answer describes the image, its
// variants are in the bucket and the staged object is gone. Then the
// refusals, each with its status.
func TestDirectUploadS3(t *testing.T) {
	ctx := context.Background()
	s, inner := s3Store(t, testConfig())
	srv := directServer(t, s, imagehttp.DirectOptions{})
	data := photo(640, 480)

	var du blobimage.DirectUpload
	resp := postJSON(t, srv.URL+"/direct/presign", map[string]any{"key": "photos/cat.jpg", "content_type": "image/jpeg", "byte_size": len(data)}, &du)
	if resp.StatusCode != http.StatusOK || du.Method != "PUT" || du.Key != "photos/cat.jpg" || du.MaxBytes != int64(len(data)) ||
		!strings.Contains(du.URL, "X-Amz-Signature") || du.Headers["Content-Type"] != "image/jpeg" {
		t.Fatalf("presign: %s %+v", resp.Status, du)
	}
	putDirect(t, &du, data)
	if ok, _ := inner.Exists(ctx, du.StagingKey); !ok {
		t.Fatal("the PUT did not stage the upload")
	}
	var res imagehttp.Result
	resp = postJSON(t, srv.URL+"/direct/promote", map[string]string{"staging_key": du.StagingKey}, &res)
	if resp.StatusCode != http.StatusCreated || res.Key != "photos/cat.jpg" || res.Image == nil || res.Image.Width != 640 || len(res.Image.Variants) != 2 {
		t.Fatalf("promote: %s %+v", resp.Status, res)
	}
	for name, v := range res.Image.Variants {
		if ok, _ := inner.Exists(ctx, v.Key); !ok {
			t.Errorf("variant %s not in the bucket", name)
		}
	}
	if ok, _ := inner.Exists(ctx, du.StagingKey); ok {
		t.Error("staged object left")
	}
	if resp := postJSON(t, srv.URL+"/direct/promote", map[string]string{"staging_key": du.StagingKey}, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second promote: %s, want 404", resp.Status)
	}

	// Refusals at presign.
	limit := s.Config().Limits.MaxBytes
	for _, tc := range []struct {
		name string
		req  map[string]any
		want int
	}{
		{"type", map[string]any{"key": "photos/a.jpg", "content_type": "application/pdf"}, http.StatusUnsupportedMediaType},
		{"no type", map[string]any{"key": "photos/a.jpg"}, http.StatusUnsupportedMediaType},
		{"size", map[string]any{"key": "photos/a.jpg", "content_type": "image/jpeg", "byte_size": limit + 1}, http.StatusRequestEntityTooLarge},
		{"no rule", map[string]any{"key": "notes/a.jpg", "content_type": "image/jpeg"}, http.StatusBadRequest},
		{"reserved", map[string]any{"key": "_variants/photos/a.jpg", "content_type": "image/jpeg"}, http.StatusBadRequest},
		{"no key", map[string]any{"content_type": "image/jpeg"}, http.StatusBadRequest},
	} {
		if resp := postJSON(t, srv.URL+"/direct/presign", tc.req, nil); resp.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
		}
	}
	if resp, _ := get(t, srv.URL+"/direct/presign"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET presign: %s", resp.Status)
	}

	// Refusals at promotion: the image stays as it was, the upload goes.
	before, _ := inner.ReadAll(ctx, "photos/cat.jpg")
	for _, tc := range []struct {
		name string
		key  string
		data []byte
		want int
	}{
		{"not an image", "photos/new.jpg", []byte("<svg onload=alert(1)>"), http.StatusUnsupportedMediaType},
		{"over byte_size", "photos/new.jpg", append(photo(50, 50), make([]byte, 10)...), http.StatusRequestEntityTooLarge},
		{"exists", "photos/cat.jpg", photo(30, 30), http.StatusConflict},
	} {
		declared := len(tc.data)
		if tc.name == "over byte_size" {
			declared -= 10
		}
		var du blobimage.DirectUpload
		postJSON(t, srv.URL+"/direct/presign", map[string]any{"key": tc.key, "content_type": "image/jpeg", "byte_size": declared}, &du)
		putDirect(t, &du, tc.data)
		if resp := postJSON(t, srv.URL+"/direct/promote", map[string]string{"staging_key": du.StagingKey}, nil); resp.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
		}
		if ok, _ := inner.Exists(ctx, du.StagingKey); ok {
			t.Errorf("%s: refused upload left staged", tc.name)
		}
	}
	if after, _ := inner.ReadAll(ctx, "photos/cat.jpg"); !bytes.Equal(before, after) {
		t.Error("a refused promotion changed the image")
	}
	if ok, _ := inner.Exists(ctx, "photos/new.jpg"); ok {
		t.Error("a refused promotion wrote its key")
	}
	if resp := postJSON(t, srv.URL+"/direct/promote", map[string]string{"staging_key": "photos/cat.jpg"}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("promote of a final key: %s", resp.Status)
	}
}

// TestDirectUploadForm: a plain form (no JavaScript JSON) works too, the
// key from the filename and prefix, and Overwrite lets a promotion
// replace an image.
func TestDirectUploadForm(t *testing.T) {
	s, _ := s3Store(t, testConfig())
	put(t, s, "photos/2024/dog.jpg", photo(100, 100))
	srv := directServer(t, s, imagehttp.DirectOptions{Overwrite: func(*http.Request) bool { return true }})
	resp, body := do(t, "POST", srv.URL+"/direct/presign",
		strings.NewReader(url.Values{"filename": {`C:\pics\dog.jpg`}, "prefix": {"photos/2024"}, "content_type": {"image/jpeg"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	var du blobimage.DirectUpload
	if err := json.Unmarshal(body, &du); err != nil || resp.StatusCode != http.StatusOK || du.Key != "photos/2024/dog.jpg" {
		t.Fatalf("presign: %s %s", resp.Status, body)
	}
	putDirect(t, &du, photo(300, 200))
	resp, body = do(t, "POST", srv.URL+"/direct/promote", strings.NewReader(url.Values{"staging_key": {du.StagingKey}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"width": 300`) {
		t.Fatalf("promote: %s %s", resp.Status, body)
	}
}

// TestDirectUploadCannotSign: memblob cannot sign: 501, saying so.
func TestDirectUploadCannotSign(t *testing.T) {
	s, _ := memStore(t, testConfig())
	srv := directServer(t, s, imagehttp.DirectOptions{})
	body, _ := json.Marshal(map[string]any{"key": "photos/a.jpg", "content_type": "image/jpeg"})
	resp, data := do(t, "POST", srv.URL+"/direct/presign", bytes.NewReader(body), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(string(data), "cannot sign") {
		t.Fatalf("memblob presign: %s %s", resp.Status, data)
	}
}

// A direct upload through an application's two endpoints: the browser
// asks for a URL, PUTs the file there, and hands the staging key back.
// The bucket here is a folder whose signed URLs point at a handler
// standing in for S3's.
func ExampleDirectUploads() {
	dir, _ := os.MkdirTemp("", "direct")
	defer os.RemoveAll(dir)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/bucket")
	signer := fileblob.NewURLSignerHMAC(base, []byte("secret"))
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{URLSigner: signer})
	if err != nil {
		log.Fatal(err)
	}
	defer bucket.Close()
	mux.HandleFunc("PUT /bucket", func(w http.ResponseWriter, r *http.Request) {
		key, err := signer.KeyFromURL(r.Context(), r.URL)
		if err != nil || r.Header.Get("Content-Type") != r.URL.Query().Get("contentType") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if err := bucket.Upload(r.Context(), key, r.Body, &blob.WriterOptions{ContentType: r.Header.Get("Content-Type")}); err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
		}
	})

	store, err := blobimage.Wrap(bucket, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	direct := imagehttp.NewDirectUploads(store, imagehttp.DirectOptions{})
	mux.Handle("POST /direct-uploads", direct.Presign())
	mux.Handle("POST /direct-uploads/promote", direct.Promote())

	file := testimage.JPEG(testimage.Pattern(1200, 900), 90)
	body, _ := json.Marshal(map[string]any{"key": "photos/cat.jpg", "content_type": "image/jpeg", "byte_size": len(file)})
	resp, err := http.Post(srv.URL+"/direct-uploads", "application/json", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	var du blobimage.DirectUpload
	_ = json.NewDecoder(resp.Body).Decode(&du)
	resp.Body.Close()

	req, _ := http.NewRequest(du.Method, du.URL, bytes.NewReader(file))
	for k, v := range du.Headers {
		req.Header.Set(k, v)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("PUT:", resp.Status)

	body, _ = json.Marshal(map[string]string{"staging_key": du.StagingKey})
	resp, err = http.Post(srv.URL+"/direct-uploads/promote", "application/json", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	var res imagehttp.Result
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	fmt.Println("promote:", resp.Status, res.Key, res.Image.Width, res.Image.Height)
	// Output:
	// PUT: 200 OK
	// promote: 201 Created photos/cat.jpg 1200 900
}
