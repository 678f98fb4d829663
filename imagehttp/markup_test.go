package imagehttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// markupConfig: photos/** with "small" (fit 64, PNG preferred, JPEG
// fallback), "medium" (fit 200, JPEG) and "thumb" (a 50×50 crop: another
// aspect, never in a srcset).
func markupConfig() config {
	cfg := testConfig()
	cfg.Rules[0].Variants = append(cfg.Rules[0].Variants,
		variants.Spec{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50}}})
	return cfg
}

// elements parses one HTML fragment and returns the elements in document
// order, by tag.
func elements(t *testing.T, fragment string) map[string][]map[string]string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatalf("parse %q: %v", fragment, err)
	}
	out := map[string][]map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			out[n.Data] = append(out[n.Data], attrs)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return out
}

// parseSrcset splits "URL Ww, …" into URL → width.
func parseSrcset(t *testing.T, srcset string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range strings.Split(srcset, ", ") {
		u, d, ok := strings.Cut(c, " ")
		w, err := strconv.Atoi(strings.TrimSuffix(d, "w"))
		if !ok || err != nil || !strings.HasSuffix(d, "w") {
			t.Fatalf("srcset candidate %q", c)
		}
		out[u] = w
	}
	return out
}

// TestPictureMarkup: the <picture> of an image lists the variants of its
// aspect with width descriptors, a <source> for the PNG alternate, the
// displayed size and the placeholder; every URL in it, fetched from the
// image handler, answers an image of the width its descriptor says in the
// type its source says.
func TestPictureMarkup(t *testing.T) {
	s, _ := memStore(t, markupConfig())
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	key := "photos/a cat, & \"friends\".jpg"
	f := put(t, s, key, photo(400, 300))

	m := imagehttp.Responsive(f, imagehttp.MarkupOptions{Alt: "a cat"})
	els := elements(t, string(m.Picture()))
	if len(els["picture"]) != 1 || len(els["source"]) != 1 || len(els["img"]) != 1 {
		t.Fatalf("picture markup: %v", els)
	}
	img, source := els["img"][0], els["source"][0]
	for attr, want := range map[string]string{"width": "400", "height": "300", "alt": "a cat", "loading": "lazy",
		"sizes": "(max-width: 200px) 100vw, 200px", "decoding": "async"} {
		if img[attr] != want {
			t.Errorf("img %s=%q, want %q", attr, img[attr], want)
		}
	}
	if source["type"] != "image/png" || source["sizes"] != img["sizes"] {
		t.Errorf("source: %v", source)
	}
	fallback := parseSrcset(t, img["srcset"])
	if len(fallback) != 2 {
		t.Errorf("img srcset %q: want small and medium, not the crop", img["srcset"])
	}
	// The <img>'s URLs are negotiated (an Img without <picture> still
	// gets what the browser names); the sources' name their format.
	check := func(u string, width int, want codecs.Format, accept string) {
		t.Helper()
		resp, body := get(t, srv.URL+u, "Accept", accept)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		got, info, err := codecs.Decode(context.Background(), body, codecs.Limits{})
		if err != nil || info.Format != want || got.Bounds().Dx() != width || resp.Header.Get("Content-Type") != want.MediaType() {
			t.Errorf("GET %s: %s %v (%v), %s; want %s %d wide", u, info.Format, got.Bounds(), err, resp.Header.Get("Content-Type"), want, width)
		}
	}
	for u, w := range fallback {
		check(u, w, codecs.JPEG, "image/*")
	}
	pngs := parseSrcset(t, source["srcset"])
	if len(pngs) != 1 {
		t.Errorf("PNG source %q: want small only", source["srcset"])
	}
	for u, w := range pngs {
		check(u, w, codecs.PNG, "image/*")
	}
	if _, ok := fallback[img["src"]]; !ok {
		t.Errorf("src %q is not one of the srcset's", img["src"])
	}

	// The placeholder: the average colour and a data: PNG whose pixels
	// average near it.
	style := img["style"]
	if !strings.Contains(style, "background-color:"+f.Color) {
		t.Errorf("style %q lacks the colour %s", style, f.Color)
	}
	_, after, ok := strings.Cut(style, "url(data:image/png;base64,")
	data, _, _ := strings.Cut(after, ")")
	raw, err := base64.StdEncoding.DecodeString(data)
	if !ok || err != nil {
		t.Fatalf("style %q: no data: PNG (%v)", style, err)
	}
	preview, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := parseColor(t, f.Color)
	if got := meanColor(preview); !testimage.Near(got, want, 24) {
		t.Errorf("placeholder PNG averages %v, the image %v", got, want)
	}
	if len(data) > 2000 {
		t.Errorf("placeholder PNG is %d bytes of base64", len(data))
	}
}

// TestImgMarkupOptions: chosen variants, the original as the widest
// candidate, custom sizes and URLs, eager loading, colour only.
func TestImgMarkupOptions(t *testing.T) {
	s, _ := memStore(t, markupConfig())
	f := put(t, s, "photos/b.jpg", photo(400, 300))
	m := imagehttp.Responsive(f, imagehttp.MarkupOptions{
		Variants: []string{"medium", "thumb"}, Original: true, Sizes: "50vw", Eager: true, Color: true, Class: "hero",
		URL: func(f *blobimage.ImageFile, variant string, format codecs.Format) string {
			return "https://cdn.example/" + f.Key + "/" + variant + "." + string(format)
		},
	})
	img := elements(t, string(m.Img()))["img"][0]
	got := parseSrcset(t, img["srcset"])
	want := map[string]int{"https://cdn.example/photos/b.jpg/medium.": 200, "https://cdn.example/photos/b.jpg/.": 400}
	if len(got) != len(want) {
		t.Errorf("srcset %q, want medium and the original", img["srcset"])
	}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("srcset %q: %s want %dw", img["srcset"], u, w)
		}
	}
	if img["sizes"] != "50vw" || img["loading"] != "" || img["class"] != "hero" {
		t.Errorf("img %v", img)
	}
	if img["style"] != "background-color:"+f.Color {
		t.Errorf("style %q, want the colour only", img["style"])
	}

	// Named crops make a ladder of their own, with their own size.
	m = imagehttp.Responsive(f, imagehttp.MarkupOptions{Variants: []string{"thumb"}})
	img = elements(t, string(m.Img()))["img"][0]
	if img["srcset"] != "/img/photos/b.jpg?variant=thumb 50w" || img["width"] != "50" || img["height"] != "50" {
		t.Errorf("crop ladder: img %v", img)
	}

	// A transparent picture gets no placeholder: it would show through.
	clear := testimage.Pattern(80, 60)
	for i := 3; i < len(clear.Pix); i += 8 {
		clear.Pix[i] = 0
	}
	f3 := put(t, s, "photos/d.png", testimage.PNG(clear))
	if m := imagehttp.Responsive(f3, imagehttp.MarkupOptions{}); m.Style != "" || f3.Placeholder == "" {
		t.Errorf("transparent image: style %q (placeholder %q), want none", m.Style, f3.Placeholder)
	}

	// No variant at all: the original alone.
	f2 := put(t, s, "photos/c.jpg", photo(60, 40))
	m = imagehttp.Responsive(f2, imagehttp.MarkupOptions{Variants: []string{}, NoPlaceholder: true})
	img = elements(t, string(m.Img()))["img"][0]
	if img["src"] != "/img/photos/c.jpg" || img["style"] != "" || img["width"] != "60" {
		t.Errorf("img %v: want the original and no placeholder", img)
	}
}

// meanColor is the mean of img's opaque colour.
func meanColor(img image.Image) color.NRGBA {
	b := img.Bounds()
	var r, g, bl, n int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			r, g, bl, n = r+int(c.R), g+int(c.G), bl+int(c.B), n+1
		}
	}
	return color.NRGBA{R: uint8(r / n), G: uint8(g / n), B: uint8(bl / n), A: 255}
}

// parseColor reads "#rrggbb".
func parseColor(t *testing.T, s string) color.NRGBA {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "#"))
	if err != nil || len(b) != 3 {
		t.Fatalf("colour %q: %v", s, err)
	}
	return color.NRGBA{R: b[0], G: b[1], B: b[2], A: 255}
}
