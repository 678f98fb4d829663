package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blobimage/blobimage/blobimage"
)

// testJPEG encodes a w×h gradient with image/jpeg.
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// openTestStore opens bucketURL as the command does, with the built-in
// config unless BLOBIMAGE_CONFIG is set, and the given fan-out ("" is eager).
func openTestStore(t *testing.T, bucketURL, fanout string) *blobimage.Store {
	t.Helper()
	e := &env{global: global{bucket: bucketURL, config: os.Getenv("BLOBIMAGE_CONFIG"), fanout: fanout}, stdout: io.Discard, stderr: io.Discard}
	s, closeStore, err := e.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	return s
}

type upFile struct {
	name string
	data []byte
}

// multipartForm builds an upload request body.
func multipartForm(t *testing.T, fields map[string]string, files ...upFile) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// serveReq sends one request to h and returns the recorded response.
func serveReq(t *testing.T, h http.Handler, method, target string, body io.Reader, contentType string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.Host = "localhost" // the guard answers loopback names
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func upload(t *testing.T, h http.Handler, fields map[string]string, files ...upFile) *httptest.ResponseRecorder {
	t.Helper()
	body, ct := multipartForm(t, fields, files...)
	return serveReq(t, h, "POST", "/upload", body, ct)
}

// decodeSize decodes an image response and returns its dimensions.
func decodeSize(t *testing.T, rec *httptest.ResponseRecorder) image.Point {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("decode %d-byte response (%s): %v", rec.Body.Len(), rec.Header().Get("Content-Type"), err)
	}
	if format != "jpeg" {
		t.Errorf("format %s, want jpeg", format)
	}
	return img.Bounds().Size()
}

// bucketKeys lists every object of the inner bucket, variants included.
func bucketKeys(t *testing.T, s *blobimage.Store) []string {
	t.Helper()
	var keys []string
	it := s.Inner().List(nil)
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
}

// apiInfo fetches /api/info for key and decodes it.
func apiInfo(t *testing.T, h http.Handler, key string) imageFileJSON {
	t.Helper()
	rec := serveReq(t, h, "GET", keyURL("/api/info/", key), nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("/api/info/%s: %d %s %s", key, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	return decodeImageFile(t, rec.Body.String())
}

// TestServeUploadGalleryImg walks the pages on a fileblob bucket: an upload
// through the form, the gallery, the info page and JSON, and the bytes of
// the original and a variant with ranges and revalidation; the CLI then
// sees what the server stored.
func TestServeUploadGalleryImg(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_CONFIG", "")
	bucket := "file://" + filepath.ToSlash(dir) + "/b?create_dir=true"
	s := openTestStore(t, bucket, "")
	h := serveHandler(s, serveOptions{})
	orig := testJPEG(t, 640, 480)

	rec := upload(t, h, map[string]string{"prefix": "photos"}, upFile{"cat.jpg", orig})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/info/photos/cat.jpg" {
		t.Fatalf("upload: %d, Location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	// Written through the write path: the CLI reads it back with variants.
	code, out, errOut := cli(t, "--bucket", bucket, "info", "photos/cat.jpg")
	if code != 0 {
		t.Fatalf("info after upload: exit %d: %s", code, errOut)
	}
	if f := decodeImageFile(t, out); f.Width != 640 || f.Height != 480 || len(f.Variants) != 2 ||
		f.Variants["small"].Width != 400 || f.Variants["small"].Height != 300 {
		t.Errorf("stored ImageFile %+v", f)
	}
	keys := bucketKeys(t, s)
	if len(keys) != 3 || !slices.Contains(keys, "photos/cat.jpg") {
		t.Errorf("bucket holds %q, want the original and two variants", keys)
	}

	// The gallery shows it with the small variant as thumbnail.
	rec = serveReq(t, h, "GET", "/", nil, "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("gallery: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	for _, want := range []string{
		`<img src="/img/photos/cat.jpg?variant=small"`,
		`<a href="/info/photos/cat.jpg">photos/cat.jpg</a>`,
		`jpeg 640×480`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("gallery lacks %s:\n%s", want, page)
		}
	}
	if rec = serveReq(t, h, "GET", "/?prefix=other/", nil, ""); !strings.Contains(rec.Body.String(), "No images") {
		t.Errorf("gallery under another prefix lists something:\n%s", rec.Body)
	}

	// The info page and its JSON.
	rec = serveReq(t, h, "GET", "/info/photos/cat.jpg", nil, "")
	page = rec.Body.String()
	for _, want := range []string{"640×480 as displayed", "image/jpeg", "400×300", "ready",
		`href="/img/photos/cat.jpg?variant=medium"`, `href="/api/info/photos/cat.jpg"`, `action="/delete/photos/cat.jpg"`} {
		if rec.Code != 200 || !strings.Contains(page, want) {
			t.Errorf("info page (%d) lacks %q:\n%s", rec.Code, want, page)
		}
	}
	f := apiInfo(t, h, "photos/cat.jpg")
	if f.Key != "photos/cat.jpg" || f.Width != 640 || f.Height != 480 || f.Size != int64(len(orig)) {
		t.Errorf("/api/info = %+v", f)
	}
	if v := f.Variants["small"]; v.Width != 400 || v.Height != 300 || v.ContentType != "image/jpeg" || v.Size <= 0 {
		t.Errorf("/api/info small = %+v", v)
	}
	if v := f.Variants["medium"]; v.Width != 640 || v.Height != 480 {
		t.Errorf("/api/info medium = %+v (a fit never upscales)", v)
	}

	// The bytes: the original as stored, the variant at its size.
	rec = serveReq(t, h, "GET", "/img/photos/cat.jpg", nil, "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" || int64(rec.Body.Len()) != f.Size {
		t.Fatalf("original: %d %s, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	if got := decodeSize(t, rec); got != image.Pt(640, 480) {
		t.Errorf("original decodes to %v", got)
	}
	rec = serveReq(t, h, "GET", "/img/photos/cat.jpg?variant=small", nil, "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("small: %d %v", rec.Code, rec.Header())
	}
	if got := decodeSize(t, rec); got != image.Pt(400, 300) {
		t.Errorf("small decodes to %v", got)
	}
	small := rec.Body.Bytes()
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") == "" {
		t.Errorf("small: ETag %q, Cache-Control %q", etag, rec.Header().Get("Cache-Control"))
	} else if rec = serveReq(t, h, "GET", "/img/photos/cat.jpg?variant=small", nil, "", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match the ETag: %d, want 304", rec.Code)
	}
	rec = serveReq(t, h, "GET", "/img/photos/cat.jpg?variant=small", nil, "", "Range", "bytes=10-29")
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), small[10:30]) ||
		rec.Header().Get("Content-Range") != fmt.Sprintf("bytes 10-29/%d", len(small)) {
		t.Errorf("range: %d %q %q", rec.Code, rec.Header().Get("Content-Range"), rec.Body.Bytes())
	}
	if rec = serveReq(t, h, "HEAD", "/img/photos/cat.jpg?variant=original", nil, ""); rec.Code != 200 ||
		rec.Header().Get("Content-Length") != fmt.Sprint(f.Size) {
		t.Errorf("HEAD original: %d %v", rec.Code, rec.Header())
	}

	// Delete: the original and its variants go; a cross-site form cannot.
	if rec = serveReq(t, h, "POST", "/delete/photos/cat.jpg", nil, "", "Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site delete: %d, want 403", rec.Code)
	}
	if rec = serveReq(t, h, "POST", "/delete/photos/cat.jpg", nil, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if keys := bucketKeys(t, s); len(keys) != 0 {
		t.Errorf("left after delete: %q", keys)
	}
	if rec = serveReq(t, h, "GET", "/img/photos/cat.jpg", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("img after delete: %d", rec.Code)
	}
}

// TestServeLazyMemblob: on memblob with lazy fan-out, an upload stores the
// original with pending variants; the gallery's thumbnail URL makes its
// variant on the first read, as the library's read path does.
func TestServeLazyMemblob(t *testing.T) {
	t.Setenv("BLOBIMAGE_CONFIG", "")
	s := openTestStore(t, "mem://", "lazy")
	h := serveHandler(s, serveOptions{})

	rec := upload(t, h, map[string]string{"key": "dog.jpg"}, upFile{"IMG_0001.JPG", testJPEG(t, 1200, 900)})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/info/dog.jpg" {
		t.Fatalf("upload: %d %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if keys := bucketKeys(t, s); !slices.Equal(keys, []string{"dog.jpg"}) {
		t.Errorf("after a lazy upload the bucket holds %q, want only the original", keys)
	}
	f := apiInfo(t, h, "dog.jpg")
	states := variantStates(t, mustJSON(t, h, "dog.jpg"))
	if f.Width != 1200 || f.Height != 900 || states["small"] != "pending" || states["medium"] != "pending" {
		t.Errorf("lazy upload: %dx%d %v", f.Width, f.Height, states)
	}
	page := serveReq(t, h, "GET", "/", nil, "").Body.String()
	m := regexp.MustCompile(`<img src="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || m[1] != "/img/dog.jpg?variant=small" {
		t.Fatalf("gallery thumbnail of a pending image: %v\n%s", m, page)
	}
	rec = serveReq(t, h, "GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil, "")
	if rec.Code != 200 {
		t.Fatalf("thumbnail: %d %s", rec.Code, rec.Body)
	}
	if got := decodeSize(t, rec); got != image.Pt(400, 300) {
		t.Errorf("lazily made small decodes to %v", got)
	}
	if got := decodeSize(t, serveReq(t, h, "GET", "/img/dog.jpg?variant=medium", nil, "")); got != image.Pt(1000, 750) {
		t.Errorf("lazily made medium decodes to %v", got)
	}
	if n := len(bucketKeys(t, s)); n != 3 {
		t.Errorf("bucket holds %d objects after reading both variants, want 3", n)
	}
	// A variant made on read is stored: a second read gets the same bytes.
	a := serveReq(t, h, "GET", "/img/dog.jpg?variant=small", nil, "").Body.Bytes()
	b := serveReq(t, h, "GET", "/img/dog.jpg?variant=small", nil, "").Body.Bytes()
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Errorf("second read of small differs: %d vs %d bytes", len(a), len(b))
	}
}

// mustJSON returns the /api/info body for key.
func mustJSON(t *testing.T, h http.Handler, key string) string {
	t.Helper()
	return serveReq(t, h, "GET", keyURL("/api/info/", key), nil, "").Body.String()
}

// TestServeRefusals: refused uploads get a page naming the typed error,
// with its status, and write nothing; missing keys, variants and reserved
// keys get 404 and 400.
func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeFile(t, cfg, "rules:\n  - match: 'photos/**'\n    variants:\n      - {name: thumb, op: fill, width: 50, height: 50}\nlimits:\n  max_bytes: 100000\n")
	t.Setenv("BLOBIMAGE_CONFIG", cfg)
	s := openTestStore(t, "file://"+filepath.ToSlash(dir)+"/b?create_dir=true", "")
	h := serveHandler(s, serveOptions{})
	good := testJPEG(t, 64, 48)

	for _, tc := range []struct {
		name   string
		fields map[string]string
		files  []upFile
		status int
		want   string
	}{
		{"text", map[string]string{"prefix": "photos/"}, []upFile{{"notes.jpg", []byte("this is text, not a JPEG")}},
			http.StatusUnsupportedMediaType, "not an image"},
		{"too large", map[string]string{"prefix": "photos"}, []upFile{{"big.jpg", append(bytes.Clone(good), make([]byte, 100001)...)}},
			http.StatusRequestEntityTooLarge, "too large"},
		{"over the request limit", map[string]string{"prefix": "photos"}, []upFile{{"huge.jpg", make([]byte, 20*(100000+64<<10)+1)}},
			http.StatusRequestEntityTooLarge, "the request is over"},
		{"no rule", nil, []upFile{{"cat.jpg", good}}, http.StatusBadRequest, "matches no image rule"},
		{"reserved", map[string]string{"key": "_variants/photos/x.jpg"}, []upFile{{"x.jpg", good}}, http.StatusBadRequest, "reserved key"},
		{"dot segment", map[string]string{"prefix": "photos", "key": "../x.jpg"}, []upFile{{"x.jpg", good}}, http.StatusBadRequest, `&#34;..&#34; segment`},
		{"no file", map[string]string{"prefix": "photos"}, nil, http.StatusBadRequest, "no file in the form"},
		{"one key, two files", map[string]string{"key": "photos/a.jpg"}, []upFile{{"a.jpg", good}, {"b.jpg", good}}, http.StatusBadRequest, "names one object"},
	} {
		rec := upload(t, h, tc.fields, tc.files...)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: %d, want %d and %q in\n%s", tc.name, rec.Code, tc.status, tc.want, rec.Body)
		}
	}
	if keys := bucketKeys(t, s); len(keys) != 0 {
		t.Errorf("refused uploads wrote %q", keys)
	}
	if rec := serveReq(t, h, "POST", "/upload", strings.NewReader("a=b"), "application/x-www-form-urlencoded"); rec.Code != http.StatusBadRequest {
		t.Errorf("non-multipart upload: %d", rec.Code)
	}

	// One refused file among good ones: the good ones are stored, the page
	// says which was refused and why, with its status.
	rec := upload(t, h, map[string]string{"prefix": "photos"},
		upFile{"a.jpg", good}, upFile{"b.txt", []byte("plain text")}, upFile{"c.jpg", good})
	page := rec.Body.String()
	if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(page, "photos/b.txt") ||
		!strings.Contains(page, `<span class="error">not an image`) || strings.Count(page, ">stored<") != 2 {
		t.Errorf("mixed upload: %d\n%s", rec.Code, page)
	}
	keys := bucketKeys(t, s)
	if !slices.Contains(keys, "photos/a.jpg") || !slices.Contains(keys, "photos/c.jpg") || slices.Contains(keys, "photos/b.txt") || len(keys) != 4 {
		t.Errorf("after the mixed upload the bucket holds %q", keys)
	}
	f := apiInfo(t, h, "photos/a.jpg")
	if v := f.Variants["thumb"]; v.Width != 50 || v.Height != 50 {
		t.Errorf("thumb = %+v", v)
	}

	for _, tc := range []struct {
		target string
		status int
		want   string
	}{
		{"/img/photos/missing.jpg", 404, "not found"},
		{"/info/photos/missing.jpg", 404, "not found"},
		{"/api/info/photos/missing.jpg", 404, `"error": "not found"`},
		{"/img/photos/a.jpg?variant=huge", 404, `no such variant \"huge\"`},
		{"/img/" + f.Variants["thumb"].Key, 400, "reserved key"},
		{"/api/info/_variants/x", 400, "reserved key"},
		{"/img/", 400, "no key given"},
		{"/nowhere", 404, "no page at /nowhere"},
		{"/?page=!!", 400, "bad page token"},
	} {
		rec := serveReq(t, h, "GET", tc.target, nil, "")
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s: %d, want %d and %q in\n%s", tc.target, rec.Code, tc.status, tc.want, rec.Body)
		}
	}
	if rec := serveReq(t, h, "GET", "/upload", nil, ""); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET /upload: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	if rec := serveReq(t, h, "POST", "/img/photos/a.jpg", nil, ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /img/: %d", rec.Code)
	}

	// An object written past the wrapper is listed, but not served.
	if err := s.Inner().WriteAll(context.Background(), "photos/readme.html", []byte("<script>alert(1)</script>"), nil); err != nil {
		t.Fatal(err)
	}
	if rec := serveReq(t, h, "GET", "/img/photos/readme.html", nil, ""); rec.Code != 404 || strings.Contains(rec.Body.String(), "<script>") {
		t.Errorf("unmanaged object: %d\n%s", rec.Code, rec.Body)
	}
	page = serveReq(t, h, "GET", "/", nil, "").Body.String()
	if !strings.Contains(page, "photos/readme.html") || !strings.Contains(page, "not a blobimage original") {
		t.Errorf("gallery does not note the unmanaged object:\n%s", page)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestServeKeysAndPaging: keys with characters that need escaping, or that
// are not clean paths, round-trip through the gallery's links; the HTML
// escapes them; the gallery pages with ListPage tokens.
func TestServeKeysAndPaging(t *testing.T) {
	t.Setenv("BLOBIMAGE_CONFIG", "")
	s := openTestStore(t, "mem://", "")
	h := serveHandler(s, serveOptions{PageSize: 2})
	img := testJPEG(t, 40, 30)
	ctx := context.Background()

	weird := []string{`a b/<script>x</script>?#%.jpg`, "c/é.jpg"}
	for _, k := range weird {
		rec := upload(t, h, map[string]string{"key": k}, upFile{"x.jpg", img})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("upload %q: %d %s", k, rec.Code, rec.Body)
		}
		if _, err := s.Image(ctx, k); err != nil {
			t.Errorf("%q not stored: %v", k, err)
		}
	}
	// Keys that are not clean paths can only be written past the form.
	for _, k := range []string{"d//x.jpg", "e/./x.jpg"} {
		if _, err := s.Put(ctx, k, bytes.NewReader(img), nil); err != nil {
			t.Fatal(err)
		}
		weird = append(weird, k)
	}
	if rec := serveReq(t, h, "GET", "/img/d//x.jpg", nil, ""); rec.Code/100 != 3 {
		t.Errorf("an unclean path is redirected by ServeMux: %d", rec.Code)
	}

	// Walk the gallery's pages and follow every link.
	seen := map[string]bool{}
	target, pages := "/", 0
	for target != "" {
		pages++
		page := serveReq(t, h, "GET", target, nil, "").Body.String()
		if strings.Contains(page, "<script>x") {
			t.Errorf("unescaped key in the gallery:\n%s", page)
		}
		for _, m := range regexp.MustCompile(`<a href="(/info/[^"]+)">([^<]+)</a>`).FindAllStringSubmatch(page, -1) {
			link, key := htmlUnescape(m[1]), htmlUnescape(m[2])
			seen[key] = true
			rec := serveReq(t, h, "GET", link, nil, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "40×30 as displayed") {
				t.Errorf("%s → %s: %d", key, link, rec.Code)
			}
			u, _ := url.Parse(link)
			if f := apiInfo(t, h, key); f.Key != key {
				t.Errorf("/api/info of %q (via %s) = %q", key, u, f.Key)
			}
		}
		for _, m := range regexp.MustCompile(`<img src="(/img/[^"]+)"`).FindAllStringSubmatch(page, -1) {
			if got := decodeSize(t, serveReq(t, h, "GET", htmlUnescape(m[1]), nil, "")); got != image.Pt(40, 30) {
				t.Errorf("%s: %v", m[1], got)
			}
		}
		target = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(page); m != nil {
			target = htmlUnescape(m[1])
		}
		if pages > 10 {
			t.Fatal("gallery pages do not end")
		}
	}
	for _, k := range weird {
		if !seen[k] {
			t.Errorf("gallery never linked %q (saw %v)", k, seen)
		}
	}
	if pages != 2 {
		t.Errorf("%d gallery pages of 2 for 4 images, want 2 (the last token may be empty)", pages)
	}
	// A prefix filter keeps to its keys.
	page := serveReq(t, h, "GET", "/?prefix=c/", nil, "").Body.String()
	if !strings.Contains(page, "c/é.jpg") || strings.Contains(page, "x.jpg</a>") {
		t.Errorf("prefix c/:\n%s", page)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeCommand runs `blobimage serve` on a free port, uploads over
// real HTTP, and stops it by cancelling its context, as SIGINT does.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_CONFIG", "")
	bucket := "file://" + filepath.ToSlash(dir) + "/b?create_dir=true"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	// The default mem:// queue, as other commands of this test binary
	// have used (and shut down) before: each command gets its own.
	go func() {
		done <- run(ctx, []string{"--bucket", bucket, "--fanout", "background",
			"serve", "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		if m := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address printed: %q", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	body, ct := multipartForm(t, nil, upFile{"cat.jpg", testJPEG(t, 800, 600)})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post(base+"/upload", ct, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/info/cat.jpg" {
		t.Fatalf("upload: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, err = client.Get(base + "/img/cat.jpg?variant=small")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != 400 || cfg.Height != 300 {
		t.Errorf("small over HTTP: %s, %v %v", resp.Status, cfg, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after the interrupt: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	// Background jobs queued in-process were drained before exiting.
	_, out, _ := cli(t, "--bucket", bucket, "info", "cat.jpg")
	if s := variantStates(t, out); s["small"] != "ready" || s["medium"] != "ready" {
		t.Errorf("after serve stopped: %v", s)
	}

	// Usage errors, and a busy address.
	if code, _, errOut := cli(t, "serve", "extra"); code != exitUsage || errOut == "" {
		t.Errorf("serve extra: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "--bucket", bucket, "serve", "--addr", "127.0.0.1:-1"); code != exitFail || !strings.Contains(errOut, "serve:") {
		t.Errorf("bad address: exit %d, %q", code, errOut)
	}
	if code, out, _ := cli(t, "help"); code != 0 || !strings.Contains(out, "serve [--addr 127.0.0.1:8080]") {
		t.Errorf("help lacks serve: %q", out)
	}
}
