package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestGalleryMarkup parses the gallery's HTML: each image is an <img>
// whose srcset lists the variants that show the whole picture with their
// widths (not the square crop), with the gallery's sizes, the displayed
// width and height, lazy loading and the placeholder painted; every
// candidate URL serves an image of its descriptor's width.
func TestGalleryMarkup(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "gallery.yaml")
	if err := os.WriteFile(cfg, []byte(`
rules:
  - match: "**"
    variants:
      - {name: small, op: fit, width: 160, height: 160}
      - {name: medium, op: fit, width: 480, height: 480}
      - {name: square, op: fill, width: 100, height: 100}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLOBIMAGE_CONFIG", cfg)
	s := openTestStore(t, "mem://", "")
	h := serveHandler(s, serveOptions{})
	if rec := upload(t, h, nil, upFile{"wide.jpg", testJPEG(t, 640, 400)}); rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	rec := serveReq(t, h, "GET", "/", nil, "")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:") {
		t.Errorf("gallery CSP %q does not allow the placeholder's data: image", csp)
	}
	doc, err := html.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	var imgs []map[string]string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "img" {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			imgs = append(imgs, a)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(imgs) != 1 {
		t.Fatalf("gallery has %d images, want 1", len(imgs))
	}
	img := imgs[0]
	for attr, want := range map[string]string{"width": "640", "height": "400", "loading": "lazy", "alt": "wide.jpg",
		"sizes": gallerySizes, "src": "/img/wide.jpg?variant=medium"} {
		if img[attr] != want {
			t.Errorf("img %s=%q, want %q", attr, img[attr], want)
		}
	}
	if !strings.Contains(img["style"], "background-color:#") || !strings.Contains(img["style"], "data:image/png;base64,") {
		t.Errorf("img style %q: want the colour and the placeholder", img["style"])
	}
	want := map[string]int{"/img/wide.jpg?variant=small": 160, "/img/wide.jpg?variant=medium": 480}
	cands := strings.Split(img["srcset"], ", ")
	if len(cands) != len(want) {
		t.Errorf("srcset %q, want small and medium", img["srcset"])
	}
	for _, c := range cands {
		u, d, _ := strings.Cut(c, " ")
		w, err := strconv.Atoi(strings.TrimSuffix(d, "w"))
		if err != nil || want[u] != w {
			t.Errorf("srcset candidate %q", c)
			continue
		}
		if got := decodeSize(t, serveReq(t, h, "GET", u, nil, "")); got.X != w {
			t.Errorf("%s serves %v, want %d wide", u, got, w)
		}
	}
}
