package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/s3test"
)

// sendJSON posts v as JSON to url with the credentials (when user is not
// empty) and decodes a 2xx answer into out.
func sendJSON(t *testing.T, u, user, pass string, v, out any) *http.Response {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, data := send(t, "POST", u, "", user, pass, bytes.NewReader(body), "application/json")
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal([]byte(data), out); err != nil {
			t.Fatalf("%s: %v: %s", u, err, data)
		}
	}
	return resp
}

// putSigned PUTs data to a direct upload's URL (resolved against base)
// with its headers, without credentials, as a browser script does.
func putSigned(t *testing.T, base string, du *blobimage.DirectUpload, data []byte, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(du.URL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(du.Method, u.ResolveReference(ref).String(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range du.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestServeDirectUpload runs `serve` on a file:// bucket with credentials:
// the gallery offers the direct upload script and allows it in its CSP;
// presign and promote need the credentials, the PUT only its signature
// (checked: another key, another type, an oversize body are refused, and
// nothing lands); the promoted image is served. Then `regen` leaves a
// fresh unpromoted upload alone and removes it with --staged-age 0.
func TestServeDirectUpload(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "cfg.yaml")
	writeFile(t, cfg, "rules:\n  - match: 'photos/**'\n    variants:\n      - {name: small, op: fit, width: 64, height: 64}\nlimits:\n  max_bytes: 200000\n")
	const user, pass = "ann", "pw"
	base, stderr, bucket := startServe(t, "--config", cfg, "--auth", user+":"+pass)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", stderr)
		}
	})

	// Visitors who cannot write get the form post (whose 401 makes a
	// browser ask for the credentials); writers the script.
	if _, page := send(t, "GET", base+"/", "", "", "", nil, ""); strings.Contains(page, "data-direct") {
		t.Fatal("the gallery offers direct uploads to a visitor without credentials")
	}
	resp, page := send(t, "GET", base+"/", "", user, pass, nil, "")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(page, `data-direct="/direct/"`) || !strings.Contains(page, `<script src="/direct/upload.js"`) ||
		!strings.Contains(csp, "script-src 'self'; connect-src 'self'") || !strings.Contains(csp, "form-action 'self'") {
		t.Fatalf("gallery without direct uploads: CSP %q", csp)
	}
	if resp, js := send(t, "GET", base+"/direct/upload.js", "", "", "", nil, ""); resp.StatusCode != 200 ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js, "/promote") {
		t.Fatalf("upload.js: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}

	data := testJPEG(t, 320, 240)
	req := map[string]any{"key": "photos/cat.jpg", "content_type": "image/jpeg", "byte_size": len(data)}
	if resp := sendJSON(t, base+"/direct/presign", "", "", req, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("presign without credentials: %s", resp.Status)
	}
	var du blobimage.DirectUpload
	if resp := sendJSON(t, base+"/direct/presign", user, pass, req, &du); resp.StatusCode != 200 || !strings.HasPrefix(du.URL, "/direct/put?") {
		t.Fatalf("presign: %s %+v", resp.Status, du)
	}

	// The signature is checked, and covers the key and the type.
	tampered := du
	u, _ := url.Parse(du.URL)
	q := u.Query()
	q.Set("obj", "photos/cat.jpg")
	u.RawQuery = q.Encode()
	tampered.URL = u.String()
	if resp, _ := putSigned(t, base, &tampered, data, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT to another key: %s", resp.Status)
	}
	if resp, _ := putSigned(t, base, &du, data, map[string]string{"Content-Type": "text/html"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT with another type: %s", resp.Status)
	}
	if resp, _ := putSigned(t, base, &du, make([]byte, 200001), nil); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT over max_bytes: %s", resp.Status)
	}
	inner := openInner(t, bucket)
	if left := stagedKeys(t, inner); len(left) != 0 {
		t.Fatalf("refused PUTs left %q", left)
	}

	if resp, body := putSigned(t, base, &du, data, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT: %s %s", resp.Status, body)
	}
	if resp := sendJSON(t, base+"/direct/promote", "", "", map[string]string{"staging_key": du.StagingKey}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("promote without credentials: %s", resp.Status)
	}
	var res struct {
		Key   string
		Image imageFileJSON
	}
	if resp := sendJSON(t, base+"/direct/promote", user, pass, map[string]string{"staging_key": du.StagingKey}, &res); resp.StatusCode != http.StatusCreated ||
		res.Key != "photos/cat.jpg" || res.Image.Width != 320 {
		t.Fatalf("promote: %s %+v", resp.Status, res)
	}
	if resp, body := send(t, "GET", base+"/img/photos/cat.jpg?variant=small", "", "", "", nil, ""); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || len(body) == 0 {
		t.Fatalf("the promoted image's variant: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if left := stagedKeys(t, inner); len(left) != 0 {
		t.Fatalf("staged uploads left after promotion: %q", left)
	}

	// An upload nobody promotes: regen keeps it while it is young.
	var du2 blobimage.DirectUpload
	sendJSON(t, base+"/direct/presign", user, pass, map[string]any{"key": "photos/dog.jpg", "content_type": "image/jpeg"}, &du2)
	if resp, _ := putSigned(t, base, &du2, data, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT: %s", resp.Status)
	}
	if code, _, errOut := cli(t, "--bucket", bucket, "--config", cfg, "regen"); code != 0 || len(stagedKeys(t, inner)) != 1 {
		t.Fatalf("regen: exit %d %s; staged %q", code, errOut, stagedKeys(t, inner))
	}
	code, out, errOut := cli(t, "--bucket", bucket, "--config", cfg, "regen", "--staged-age", "0", "--json")
	var st blobimage.ReconcileStats
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Staged != 1 || st.Orphans != 0 {
		t.Fatalf("regen --staged-age 0: exit %d, %q %s", code, out, errOut)
	}
	if left := stagedKeys(t, inner); len(left) != 0 {
		t.Fatalf("regen left %q", left)
	}
}

// openInner opens a bucket URL as it is, without blobimage.
func openInner(t *testing.T, bucketURL string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// stagedKeys lists the objects in the staging folder of the default
// variant prefix.
func stagedKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var ks []string
	it := b.List(&blob.ListOptions{Prefix: blobimage.DefaultVariantPrefix + blobimage.DefaultVariantPrefix})
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

// TestServeDirectGuard: direct upload routes keep serve's guard: a
// read-only server refuses presigns and signed PUTs, and a foreign Host is
// refused before a signature is looked at.
func TestServeDirectGuard(t *testing.T) {
	t.Setenv("BLOBIMAGE_CONFIG", "")
	signer := newPutSigner()
	e := &env{global: global{bucket: "file://" + filepath.ToSlash(t.TempDir())}, stdout: io.Discard, stderr: io.Discard, fileSigner: signer}
	s, closeStore, err := e.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	signer.isStaged = func(k string) bool { _, ok := s.StagedKey(k); return ok }
	// The signer signs staging PUTs only: an ImageFile has no URLs.
	if _, err := s.Inner().SignedURL(context.Background(), "photos/a.jpg", &blob.SignedURLOptions{Method: "PUT"}); err == nil {
		t.Fatal("serve's signer signed a PUT to an original's key")
	}
	du, err := s.DirectUpload(context.Background(), "a.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	ro := serveHandler(s, serveOptions{Signer: signer, ReadOnly: true})
	body, _ := json.Marshal(map[string]string{"key": "b.jpg", "content_type": "image/jpeg"})
	if rec := serveReq(t, ro, "POST", "/direct/presign", bytes.NewReader(body), "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("read-only presign: %d", rec.Code)
	}
	if rec := serveReq(t, ro, "PUT", du.URL, bytes.NewReader(testJPEG(t, 10, 10)), "image/jpeg"); rec.Code != http.StatusForbidden {
		t.Errorf("read-only signed PUT: %d", rec.Code)
	}
	rw := serveHandler(s, serveOptions{Signer: signer})
	req := httptest.NewRequest("PUT", du.URL, bytes.NewReader(testJPEG(t, 10, 10)))
	req.Host = "attacker.example"
	req.Header.Set("Content-Type", "image/jpeg")
	rec := httptest.NewRecorder()
	rw.ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest {
		t.Errorf("signed PUT with a foreign Host: %d", rec.Code)
	}
	if ok, _ := s.Inner().Exists(context.Background(), du.StagingKey); ok {
		t.Error("a refused PUT landed")
	}
	if rec := serveReq(t, rw, "PUT", du.URL, bytes.NewReader(testJPEG(t, 10, 10)), "image/jpeg"); rec.Code != 200 {
		t.Errorf("signed PUT: %d %s", rec.Code, rec.Body)
	}
	if rec := serveReq(t, rw, "GET", "/direct/presign", nil, ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /direct/presign: %d", rec.Code)
	}
}

// TestServeDirectS3: on S3 the page's script talks to the bucket's origin
// (connect-src) and presign answers the bucket's own URL; on memblob,
// which cannot sign, the page keeps the form post and no script.
func TestServeDirectS3(t *testing.T) {
	t.Setenv("BLOBIMAGE_CONFIG", "")
	srv := s3test.Start(t)
	s := openTestStore(t, srv.BucketURL(t, "direct"), "")
	h := serveHandler(s, serveOptions{})
	rec := serveReq(t, h, "GET", "/", nil, "")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' "+srv.URL) {
		t.Fatalf("S3 gallery CSP %q: want the bucket's origin %s in connect-src", csp, srv.URL)
	}
	body, _ := json.Marshal(map[string]string{"key": "a.jpg", "content_type": "image/jpeg"})
	rec = serveReq(t, h, "POST", "/direct/presign", bytes.NewReader(body), "application/json")
	var du blobimage.DirectUpload
	if err := json.Unmarshal(rec.Body.Bytes(), &du); err != nil || rec.Code != 200 || !strings.HasPrefix(du.URL, srv.URL+"/direct/") {
		t.Fatalf("S3 presign: %d %s", rec.Code, rec.Body)
	}
	resp, _ := putSigned(t, srv.URL, &du, testJPEG(t, 100, 80), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT to S3: %s", resp.Status)
	}
	body, _ = json.Marshal(map[string]string{"staging_key": du.StagingKey})
	if rec := serveReq(t, h, "POST", "/direct/promote", bytes.NewReader(body), "application/json"); rec.Code != http.StatusCreated {
		t.Fatalf("S3 promote: %d %s", rec.Code, rec.Body)
	}
	if rec := serveReq(t, h, "GET", "/img/a.jpg", nil, ""); rec.Code != 200 {
		t.Fatalf("the promoted image: %d", rec.Code)
	}

	mem := serveHandler(openTestStore(t, "mem://", ""), serveOptions{})
	rec = serveReq(t, mem, "GET", "/", nil, "")
	if csp := rec.Header().Get("Content-Security-Policy"); csp != pageCSP || strings.Contains(rec.Body.String(), "data-direct") {
		t.Fatalf("memblob gallery: CSP %q", csp)
	}
	if rec := serveReq(t, mem, "POST", "/direct/presign", bytes.NewReader(body), "application/json"); rec.Code/100 != 4 {
		t.Fatalf("memblob presign: %d", rec.Code)
	}
}

// TestBrowserDirectUpload: in Chromium, a signed-in user's upload from the
// gallery goes straight to the bucket: the page's requests (recorded by
// wrapping fetch) are presign, the PUT to the signed URL and promote, and
// the browser lands on the image's page with the image stored. (With
// --auth-all the browser signs in on the gallery itself; with --auth
// alone it does on its first form post, and the gallery offers the script
// once its requests carry the credentials: TestServeDirectUpload.)
func TestBrowserDirectUpload(t *testing.T) {
	browserTools(t)
	const user, pass = "ann", "pw"
	base, stderr, bucket := startServe(t, "--addr", "127.0.0.1:0", "--auth", user+":"+pass, "--auth-all")
	b := startBrowser(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", stderr)
		}
	})
	photoPath := filepath.Join(t.TempDir(), "cat.jpg")
	writeFile(t, photoPath, string(testJPEG(t, 400, 300)))

	login, _ := url.Parse(base)
	login.User = url.UserPassword(user, pass)
	b.open(login.String() + "/")
	b.element("form[data-direct]")
	var ignored any
	b.script(&ignored, `const f = window.fetch;
		sessionStorage.setItem("requests", "");
		window.fetch = (u, o) => {
			sessionStorage.setItem("requests", sessionStorage.getItem("requests") + (o && o.method || "GET") + " " + u + "\n");
			return f(u, o);
		};
		return null;`)
	b.typeText(b.element(`form.upload input[name=prefix]`), "album")
	b.typeText(b.element(`form.upload input[type=file][name=file]`), photoPath)
	b.follow(b.element(`form.upload button[type=submit]`), base+"/info/album/cat.jpg")
	var requests string
	b.script(&requests, `return sessionStorage.getItem("requests")`)
	want := []string{"POST " + base + "/direct/presign", "PUT " + base + "/direct/put?", "POST " + base + "/direct/promote"}
	lines := strings.Split(strings.TrimSpace(requests), "\n")
	if len(lines) != len(want) {
		t.Fatalf("the page's requests:\n%s\nwant presign, PUT, promote", requests)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("request %d: %q, want %q…", i, lines[i], w)
		}
	}
	if code, out, _ := cli(t, "--bucket", bucket, "info", "album/cat.jpg"); code != 0 || !strings.Contains(out, `"width": 400`) {
		t.Fatalf("info after the direct upload: exit %d: %s", code, out)
	}
}
