package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// formatsConfig writes a config whose small variant is encoded as PNG
// (preferred) and JPEG (the fallback), and returns its path.
func formatsConfig(t *testing.T) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "formats.yaml")
	err := os.WriteFile(cfg, []byte(`
rules:
  - match: "**"
    variants:
      - {name: small, op: fit, width: 64, height: 64, formats: [png, jpeg]}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestGetFormat: get --format returns that encoding of a variant; without
// it, the fallback; a format the variant lacks is an error naming those it
// has.
func TestGetFormat(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	bucket := "file://" + filepath.Join(dir, "data")
	cfg := formatsConfig(t)
	src := photo(t, dir, "a.jpg")
	if code, _, errOut := cli(t, "--bucket", bucket, "--config", cfg, "put", src); code != 0 {
		t.Fatalf("put: %d %s", code, errOut)
	}
	for _, tc := range []struct {
		args []string
		want codecs.Format
	}{
		{[]string{"--variant", "small"}, codecs.JPEG},
		{[]string{"--variant", "small", "--format", "png"}, codecs.PNG},
		{[]string{"--variant", "small", "--format", "jpeg"}, codecs.JPEG},
	} {
		out := filepath.Join(dir, "out")
		args := append([]string{"--bucket", bucket, "--config", cfg, "get", "a.jpg", "-o", out}, tc.args...)
		if code, _, errOut := cli(t, args...); code != 0 {
			t.Fatalf("get %v: %d %s", tc.args, code, errOut)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := codecs.Sniff(data); err != nil || f != tc.want {
			t.Errorf("get %v: %s %v, want %s", tc.args, f, err, tc.want)
		}
	}
	code, _, errOut := cli(t, "--bucket", bucket, "--config", cfg, "get", "a.jpg", "--variant", "small", "--format", "gif")
	if code != exitFail || !bytes.Contains([]byte(errOut), []byte("png, jpeg")) {
		t.Errorf("get --format gif: %d %q, want a failure naming png, jpeg", code, errOut)
	}
	if code, _, _ := cli(t, "--bucket", bucket, "--config", cfg, "get", "a.jpg", "--format", "png"); code != exitUsage {
		t.Errorf("--format without --variant: exit %d, want %d", code, exitUsage)
	}
}

// TestServeNegotiates: /img/KEY?variant=NAME answers with the first of the
// variant's formats the Accept header names explicitly, the fallback for
// wildcards, and Vary: Accept every time.
func TestServeNegotiates(t *testing.T) {
	t.Setenv("BLOBIMAGE_CONFIG", formatsConfig(t))
	s := openTestStore(t, "mem://", "")
	h := serveHandler(s, serveOptions{})
	if rec := upload(t, h, map[string]string{"key": "a.jpg"}, upFile{"a.jpg", testJPEG(t, 320, 240)}); rec.Code != 303 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		accept string
		want   string
	}{
		{"", "image/jpeg"},
		{"*/*", "image/jpeg"},
		{"image/*", "image/jpeg"},
		{"image/png,image/*;q=0.8", "image/png"},
		{"image/png;q=0", "image/jpeg"},
	} {
		rec := serveReq(t, h, "GET", "/img/a.jpg?variant=small", nil, "", "Accept", tc.accept)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.want {
			t.Errorf("Accept %q: %d %s, want %s", tc.accept, rec.Code, rec.Header().Get("Content-Type"), tc.want)
		}
		if got, err := codecs.Sniff(rec.Body.Bytes()); err != nil || got.MediaType() != tc.want {
			t.Errorf("Accept %q: body is %s %v", tc.accept, got, err)
		}
		if v := rec.Header().Get("Vary"); v != "Accept" {
			t.Errorf("Accept %q: Vary %q", tc.accept, v)
		}
	}
	if v := serveReq(t, h, "GET", "/img/a.jpg", nil, "").Header().Get("Vary"); v != "Accept" {
		t.Errorf("original: Vary %q", v)
	}
}
