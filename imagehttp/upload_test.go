package imagehttp_test

import (
	"bytes"
	"encoding/json"
	"image"
	"net/http"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/testimage"
)

type uploadResponse struct {
	Files []struct {
		Filename string `json:"filename"`
		Key      string `json:"key"`
		Status   int    `json:"status"`
		Error    string `json:"error"`
		Image    *struct {
			Width, Height int
			Metadata      struct {
				GPS *struct{ Lat, Lon float64 }
			}
		} `json:"image"`
	} `json:"files"`
	Error string `json:"error"`
}

func decodeUpload(t *testing.T, body []byte) uploadResponse {
	t.Helper()
	var r uploadResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("upload response %s: %v", body, err)
	}
	return r
}

// TestUploader: a form with two files under a prefix, a raw body, and every
// refusal with its status, each leaving what was stored as it was.
func TestUploader(t *testing.T) {
	s, inner := fileStore(t, testConfig())
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{MaxFiles: 3})
	post := func(fields map[string]string, files ...formFile) (*http.Response, uploadResponse) {
		t.Helper()
		body, ct := form(t, fields, files...)
		resp, b := do(t, "POST", srv.URL+"/upload", body, "Content-Type", ct, "Accept", "application/json")
		return resp, decodeUpload(t, b)
	}

	// Two files into a folder; the writer gets the GPS position the rule
	// keeps out of storage.
	exif := testimage.EXIF{Make: "Nikon", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	withGPS := testimage.JPEG(testimage.Pattern(320, 240), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	resp, r := post(map[string]string{"prefix": "photos/trip"}, formFile{"C:\\Users\\me\\IMG_1.jpg", withGPS}, formFile{"IMG_2.jpg", photo(100, 80)})
	if resp.StatusCode != http.StatusCreated || len(r.Files) != 2 || r.Files[0].Key != "photos/trip/IMG_1.jpg" || r.Files[1].Key != "photos/trip/IMG_2.jpg" {
		t.Fatalf("form upload: %s %+v", resp.Status, r)
	}
	if img := r.Files[0].Image; img == nil || img.Width != 320 || img.Metadata.GPS == nil {
		t.Errorf("result of the first file: %+v", r.Files[0].Image)
	}
	if f, err := s.Image(t.Context(), "photos/trip/IMG_1.jpg"); err != nil || f.Metadata.GPS != nil {
		t.Errorf("stored: %+v %v (no position may be stored)", f, err)
	}

	// A raw body to the key in the route.
	resp, b := do(t, "PUT", srv.URL+"/upload/photos/raw.jpg", bytes.NewReader(photo(64, 64)), "Content-Type", "image/jpeg")
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("raw body: %s %s", resp.Status, b)
	}
	before, err := inner.ReadAll(t.Context(), "photos/raw.jpg")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		fields map[string]string
		files  []formFile
		status int
	}{
		{"overwrite", map[string]string{"key": "photos/raw.jpg"}, []formFile{{"x.jpg", photo(80, 80)}}, http.StatusConflict},
		{"not an image", map[string]string{"prefix": "photos"}, []formFile{{"notes.jpg", []byte("hello, world")}}, http.StatusUnsupportedMediaType},
		{"svg", map[string]string{"prefix": "photos"}, []formFile{{"x.jpg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)}}, http.StatusUnsupportedMediaType},
		{"bidi override", map[string]string{"prefix": "photos"}, []formFile{{"\u202egpj.exe", photo(8, 8)}}, http.StatusBadRequest},
		{"zero width", map[string]string{"key": "photos/a\u200b.jpg"}, []formFile{{"a.jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"dot segment", map[string]string{"key": "photos/../a.jpg"}, []formFile{{"a.jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"variant space", map[string]string{"key": "_variants/photos/a.jpg/x"}, []formFile{{"a.jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"no rule", map[string]string{"prefix": "docs"}, []formFile{{"a.jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"long segment", map[string]string{"prefix": "photos"}, []formFile{{strings.Repeat("a", 300) + ".jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"folder collision", map[string]string{"key": "photos/raw.jpg/b.jpg"}, []formFile{{"a.jpg", photo(8, 8)}}, http.StatusConflict},
		{"too many files", map[string]string{"prefix": "photos/many"}, []formFile{{"1.jpg", photo(8, 8)}, {"2.jpg", photo(8, 8)}, {"3.jpg", photo(8, 8)}, {"4.jpg", photo(8, 8)}}, http.StatusBadRequest},
		{"no file", map[string]string{"prefix": "photos"}, nil, http.StatusBadRequest},
		{"one key, two files", map[string]string{"key": "photos/one.jpg"}, []formFile{{"1.jpg", photo(8, 8)}, {"2.jpg", photo(8, 8)}}, http.StatusBadRequest},
	} {
		resp, r := post(tc.fields, tc.files...)
		if tc.status != 0 && resp.StatusCode != tc.status {
			t.Errorf("%s: %s %+v, want %d", tc.name, resp.Status, r, tc.status)
		}
		for _, f := range r.Files {
			if f.Status >= 500 {
				t.Errorf("%s: a file got %d: %s", tc.name, f.Status, f.Error)
			}
		}
	}
	after, err := inner.ReadAll(t.Context(), "photos/raw.jpg")
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("a refused overwrite changed the stored image (%v)", err)
	}
	// With Overwrite, the same upload replaces it.
	srv2 := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{Overwrite: func(*http.Request) bool { return true }})
	body, ct := form(t, map[string]string{"key": "photos/raw.jpg"}, formFile{"x.jpg", photo(80, 80)})
	if resp, b := do(t, "POST", srv2.URL+"/upload", body, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Errorf("overwrite allowed: %s %s", resp.Status, b)
	}
	if f, err := s.Image(t.Context(), "photos/raw.jpg"); err != nil || f.Width != 80 {
		t.Errorf("after an allowed overwrite: %+v %v", f, err)
	}
	// A browser gets a page.
	body, ct = form(t, map[string]string{"prefix": "photos"}, formFile{"notes.jpg", []byte("hello")})
	resp, b = do(t, "POST", srv.URL+"/upload", body, "Content-Type", ct, "Accept", "text/html")
	if resp.StatusCode != 415 || !strings.Contains(string(b), "not an image") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML refusal: %s %s %s", resp.Status, resp.Header.Get("Content-Type"), b)
	}

	// Over max_bytes: 413, for a form and for a raw body.
	cfg := testConfig()
	cfg.Limits.MaxBytes = 50_000
	small, _ := memStore(t, cfg)
	srv3 := serve(t, small, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	big := testimage.JPEG(noise(400, 400), 95)
	if len(big) <= 50_000 {
		t.Fatalf("the big upload is only %d bytes", len(big))
	}
	body, ct = form(t, map[string]string{"prefix": "photos"}, formFile{"big.jpg", big})
	if resp, b := do(t, "POST", srv3.URL+"/upload", body, "Content-Type", ct); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("form over max_bytes: %s %s", resp.Status, b)
	}
	if resp, b := do(t, "PUT", srv3.URL+"/upload/photos/big.jpg", bytes.NewReader(big)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("raw body over max_bytes: %s %s", resp.Status, b)
	}
}

// noise is a w×h picture of pseudo-random pixels, which compresses badly.
func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	return img
}
