package imagehttp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
)

var signingKey = []byte("0123456789abcdef-test-signing-key")

// TestSignedURLs: on a bucket that cannot sign (memblob), a Store with a
// Signer gives every original, variant and alternate a URL to the image
// handler; each is served, the pending ones made on their first read; a
// tampered, truncated or expired signature is 403 and makes nothing; with
// RequireSignature an unsigned request is 403.
func TestSignedURLs(t *testing.T) {
	cfg := testConfig()
	cfg.FanOut = blobimage.Lazy // variants made by their first (signed) read
	// The signer's base must be known before the Store is made; a path
	// base works for any host.
	signer, err := imagehttp.NewSigner("/img/", signingKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg.URLSigner = signer
	s, inner := memStore(t, cfg)
	srv := serve(t, s, imagehttp.ImageOptions{Signer: signer}, imagehttp.UploadOptions{})
	f := put(t, s, "photos/Zürich/a b.jpg", photo(320, 240))

	urls := map[string]string{}
	u, err := f.URL(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	urls["original"] = u
	for name, v := range f.Variants {
		if v.URL != "" {
			t.Errorf("%s is pending but has URL %q", name, v.URL)
		}
		for _, e := range append(v.Alternates, v.Fallback()) {
			u, err := f.EncodingURL(t.Context(), name, e.Format)
			if err != nil {
				t.Fatal(err)
			}
			urls[name+"/"+string(e.Format)] = u
		}
	}
	for what, u := range urls {
		if !strings.HasPrefix(u, "/img/") || !strings.Contains(u, "&sig=") {
			t.Errorf("%s: URL %q is not a signed handler URL", what, u)
			continue
		}
		resp, body := get(t, srv.URL+u)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %s %s", what, resp.Status, body)
			continue
		}
		want := codecs.JPEG
		if strings.HasSuffix(what, "/png") {
			want = codecs.PNG
		}
		if got := sniff(t, body); got != want {
			t.Errorf("%s: served %s, want %s", what, got, want)
		}
	}

	// Tampering.
	f2 := put(t, s, "photos/b.jpg", photo(320, 240))
	good, err := f2.EncodingURL(t.Context(), "medium", "")
	if err != nil {
		t.Fatal(err)
	}
	before := len(keysOf(t, inner))
	other := strings.Replace(good, "/medium-", "/small-", 1)
	for name, bad := range map[string]string{
		"other key":      other,
		"no signature":   good[:strings.Index(good, "&sig=")],
		"bad signature":  good[:len(good)-3] + "AAA",
		"extra param":    good + "&variant=small",
		"expiry changed": strings.Replace(good, "exp=", "exp=9", 1),
	} {
		resp, body := get(t, srv.URL+bad, "Accept", "application/json")
		want := http.StatusForbidden
		if name == "no signature" {
			want = http.StatusBadRequest // unsigned: variant keys are not served by name
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %s %s, want %d", name, resp.Status, body, want)
		}
	}
	if n := len(keysOf(t, inner)); n != before {
		t.Errorf("refused requests made %d objects", n-before)
	}

	// Expired.
	expired, err := signer.SignedURL(t.Context(), "photos/b.jpg", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if resp, _ := get(t, srv.URL+expired); resp.StatusCode != http.StatusForbidden {
		t.Errorf("expired URL: %s, want 403", resp.Status)
	}

	// RequireSignature.
	strict := serve(t, s, imagehttp.ImageOptions{Signer: signer, RequireSignature: true}, imagehttp.UploadOptions{})
	if resp, _ := get(t, strict.URL+"/img/photos/b.jpg"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned request with RequireSignature: %s, want 403", resp.Status)
	}
	fresh, _ := signer.SignedURL(t.Context(), "photos/b.jpg", time.Minute)
	if resp, _ := get(t, strict.URL+fresh); resp.StatusCode != 200 {
		t.Errorf("signed request with RequireSignature: %s", resp.Status)
	}
}

// TestSignerKey: a short key is refused; keys that routers would clean go
// in the query.
func TestSignerKey(t *testing.T) {
	if _, err := imagehttp.NewSigner("/img/", []byte("short")); err == nil {
		t.Error("a 5-byte signing key was accepted")
	}
	for key, want := range map[string][2]string{
		"photos/a b.jpg": {"photos/a%20b.jpg", ""},
		"a//b.jpg":       {"", "key=a%2F%2Fb.jpg"},
		"../etc/passwd":  {"", "key=..%2Fetc%2Fpasswd"},
		"photos/a?b.jpg": {"photos/a%3Fb.jpg", ""},
	} {
		if p, q := imagehttp.KeyPath(key); p != want[0] || q != want[1] {
			t.Errorf("KeyPath(%q) = %q, %q; want %q, %q", key, p, q, want[0], want[1])
		}
	}
}
