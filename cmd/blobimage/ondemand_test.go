package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
)

// TestServeOnDemand: serve answers the widths a rule's on_demand allows,
// refuses others, and with a signing key serves signed transforms only.
func TestServeOnDemand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "od.yaml")
	if err := os.WriteFile(cfg, []byte(`
rules:
  - match: "**"
    on_demand: {widths: [32, 64], formats: [webp, jpeg]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLOBIMAGE_CONFIG", cfg)
	s := openTestStore(t, "mem://", "")
	key := []byte("serve's transform key")
	h := serveHandler(s, serveOptions{SignKey: key})
	if rec := upload(t, h, nil, upFile{"a.jpg", testJPEG(t, 120, 90)}); rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		target, accept string
		status, width  int
		ctype          string
	}{
		{"/img/a.jpg?w=32", "image/webp", 200, 32, "image/webp"},
		{"/img/a.jpg?w=64", "*/*", 200, 64, "image/jpeg"},
		{"/img/a.jpg?w=48", "*/*", http.StatusForbidden, 0, ""},
		{"/img/a.jpg?w=32&h=10", "*/*", http.StatusForbidden, 0, ""},
		{imagehttp.TransformURL("/img/", key, "a.jpg", blobimage.Transform{Width: 40, Height: 40, Op: "fill"}), "*/*", 200, 40, "image/jpeg"},
	} {
		rec := serveReq(t, h, "GET", tc.target, nil, "", "Accept", tc.accept)
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.target, rec.Code, rec.Body, tc.status)
			continue
		}
		if tc.status == 200 {
			img, info, err := codecs.Decode(context.Background(), rec.Body.Bytes(), codecs.Limits{})
			if err != nil || img.Bounds().Dx() != tc.width || info.Format.MediaType() != tc.ctype || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) {
				t.Errorf("%s: %v %s (%v), want %d wide %s", tc.target, img, rec.Header().Get("Content-Type"), err, tc.width, tc.ctype)
			}
		}
	}
}
