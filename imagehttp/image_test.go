package imagehttp_test

import (
	"fmt"
	"image"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
)

// TestImageHandler drives the image handler on a real loopback server:
// originals and variants with their types, Accept negotiation with Vary,
// the safety headers, revalidation, HEAD, and refusals with their
// statuses.
func TestImageHandler(t *testing.T) {
	s, inner := memStore(t, testConfig())
	put(t, s, "photos/a.jpg", photo(320, 240))
	if err := inner.WriteAll(t.Context(), "photos/page.jpg", []byte("<html><script>alert(1)</script>"), nil); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})

	for _, tc := range []struct {
		path, accept string
		want         codecs.Format
		size         image.Point
	}{
		{"/img/photos/a.jpg", "", codecs.JPEG, image.Pt(320, 240)},
		{"/img/photos/a.jpg?variant=medium", "image/png", codecs.JPEG, image.Pt(200, 150)},
		{"/img/photos/a.jpg?variant=small", "", codecs.JPEG, image.Pt(64, 48)},
		{"/img/photos/a.jpg?variant=small", "image/*,*/*;q=0.8", codecs.JPEG, image.Pt(64, 48)},
		{"/img/photos/a.jpg?variant=small", "image/png,image/*", codecs.PNG, image.Pt(64, 48)},
		{"/img/photos/a.jpg?variant=small&format=png", "", codecs.PNG, image.Pt(64, 48)},
		{"/img/?key=photos/a.jpg&variant=small", "image/png", codecs.PNG, image.Pt(64, 48)},
	} {
		resp, body := get(t, srv.URL+tc.path, "Accept", tc.accept)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %s %s", tc.path, resp.Status, body)
			continue
		}
		if f := sniff(t, body); f != tc.want || resp.Header.Get("Content-Type") != tc.want.MediaType() {
			t.Errorf("%s (Accept %q): %s as %s, want %s", tc.path, tc.accept, f, resp.Header.Get("Content-Type"), tc.want)
		}
		img, _, err := codecs.Decode(t.Context(), body, codecs.Limits{})
		if err != nil || img.Bounds().Size() != tc.size {
			t.Errorf("%s: decodes to %v (%v), want %v", tc.path, img.Bounds(), err, tc.size)
		}
		for h, want := range map[string]string{
			"Vary":                    "Accept",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox",
			"Cache-Control":           "no-cache",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.path, h, got, want)
			}
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", tc.path)
			continue
		}
		if resp, _ := get(t, srv.URL+tc.path, "Accept", tc.accept, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match its own ETag: %s, want 304", tc.path, resp.Status)
		}
	}
	if resp, body := do(t, "HEAD", srv.URL+"/img/photos/a.jpg", nil); resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength <= 0 {
		t.Errorf("HEAD: %s, %d bytes, length %d", resp.Status, len(body), resp.ContentLength)
	}

	f, err := s.Image(t.Context(), "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/img/photos/missing.jpg", 404},
		{"GET", "/img/photos/page.jpg", 404}, // no manifest: never served, whatever it holds
		{"GET", "/img/photos/a.jpg?variant=huge", 404},
		{"GET", "/img/photos/a.jpg?variant=small&format=gif", 404},
		{"GET", "/img/" + f.Variants["medium"].Key, 400}, // variant keys only through signed URLs
		{"GET", "/img/", 400},
	} {
		resp, body := do(t, tc.method, srv.URL+tc.path, nil, "Accept", "application/json")
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %s %s, want %d", tc.method, tc.path, resp.Status, body, tc.status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" || !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s %s: %s %s, want a JSON error", tc.method, tc.path, ct, body)
		}
	}
	// The same refusal for a browser is a page.
	resp, body := get(t, srv.URL+"/img/photos/missing.jpg", "Accept", "text/html,application/xhtml+xml")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "not found") {
		t.Errorf("HTML refusal: %s %s %s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	h := imagehttp.NewImageHandler(s, imagehttp.ImageOptions{})
	if rec := record(h, "POST", "/img/photos/a.jpg"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestRanges: a single range, ranges merged where they overlap or nearly
// touch, and a request for 50,000 one-byte ranges answered with the whole
// object at once (not 50,000 multipart parts).
func TestRanges(t *testing.T) {
	s, _ := memStore(t, testConfig())
	put(t, s, "photos/a.jpg", photo(640, 480))
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	_, whole := get(t, srv.URL+"/img/photos/a.jpg")
	if len(whole) < 2000 {
		t.Fatalf("original of %d bytes: too small for the test", len(whole))
	}

	resp, body := get(t, srv.URL+"/img/photos/a.jpg", "Range", "bytes=100-199")
	if resp.StatusCode != http.StatusPartialContent || string(body) != string(whole[100:200]) {
		t.Errorf("one range: %s, %d bytes", resp.Status, len(body))
	}
	// Overlapping and adjacent ranges become one.
	resp, body = get(t, srv.URL+"/img/photos/a.jpg", "Range", "bytes=300-399,100-199,150-250,260-280")
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-399/%d", len(whole)) ||
		string(body) != string(whole[100:400]) {
		t.Errorf("merged ranges: %s %q, %d bytes", resp.Status, resp.Header.Get("Content-Range"), len(body))
	}
	// Two distant ranges stay two (multipart).
	resp, _ = get(t, srv.URL+"/img/photos/a.jpg", "Range", "bytes=0-9,1000-1009")
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("two ranges: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	// Many distant ranges: the whole object.
	var rs []string
	for i := 0; i < 50000; i++ {
		rs = append(rs, fmt.Sprintf("%d-%d", (i*200)%len(whole), (i*200)%len(whole)))
	}
	start := time.Now()
	resp, body = get(t, srv.URL+"/img/photos/a.jpg", "Range", "bytes="+strings.Join(rs[:20], ","))
	if resp.StatusCode != 200 || len(body) != len(whole) {
		t.Errorf("20 distant ranges: %s, %d bytes; want the whole object", resp.Status, len(body))
	}
	// A header that large does not fit Go's default 1 MiB header limit in
	// one piece here; send it straight to the handler.
	h := imagehttp.NewImageHandler(s, imagehttp.ImageOptions{})
	rec := record(h, "GET", "/img/?key=photos/a.jpg", "Range", "bytes="+strings.Join(rs, ","))
	if rec.Code != 200 || rec.Body.Len() != len(whole) {
		t.Errorf("50,000 ranges: %d, %d bytes; want the whole object", rec.Code, rec.Body.Len())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ranges took %v", d)
	}
	// An unsatisfiable range is still 416.
	if resp, _ := get(t, srv.URL+"/img/photos/a.jpg", "Range", fmt.Sprintf("bytes=%d-", len(whole)+10)); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %s", resp.Status)
	}
}
