package thumbhash_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/blobimage/blobimage/thumbhash"
)

// pattern is a deterministic picture with detail in every channel: red
// grows to the right, green downwards, blue along the diagonal, and alpha
// (when asked) in a sawtooth.
func pattern(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 3), 255}
			if alpha {
				c.A = uint8((x*7 + y*3) % 256)
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// The hashes the published JavaScript implementation (evanw/thumbhash,
// js/thumbhash.js, rgbaToThumbHash) gives for pattern: this package must
// produce them byte for byte, so its hashes decode with any published
// decoder. The decoded pictures were also compared with thumbHashToRGBA's:
// no channel differed by more than 1.
var reference = []struct {
	w, h  int
	alpha bool
	hash  string
}{
	{100, 75, false, "3wcKPZqBhoeAdXhnl3iHd3BzCPiI"},
	{100, 75, true, "3weGHI4IcIiAdXhoCCiHgH+IiYuSICaVBg=="},
	{75, 100, false, "3/cJPRpwd4F2h3Vol4h4h4NwB/d3"},
	{75, 100, true, "4AeGJAwHkCdomYWGNwV4gH9YN3N6bWBIBw=="},
	{100, 100, false, "3wcKNxpwd4eAd3h3lXiXeYh3CAmWgI8H"},
	{100, 100, true, "3weGHQwHYImAd3h1d5BgCfiHZVVsXQMjag=="},
	{1, 1, false, "AAgCBwAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	{1, 1, true, "AAiCBQAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="},
	{100, 20, false, "HggKSZoweIZxiHaH9JMI+Ic="},
	{100, 20, true, "HxiGKYwHQLuAmHj0lAj4eFJAdHR4eIc="},
	{20, 100, false, "HvgJSRpxcDeIiGeGc5QP93g="},
	{20, 100, true, "nweGIQ4XknBIiZuBpg/nloZ3SnYwSo0="},
	{37, 61, false, "oPcNHBpxB4d3eHd4eHewygz4eA=="},
	{37, 61, true, "n/eFExAXk4CIeXegyhz2iCpVB9E4fYc="},
	{3, 97, false, "m6cNORpzcFeIeYZ5cYgP93g="},
	{3, 97, true, "oIaFGQwngpCI2lZwnAjHaYd4coeAyDc="},
}

func TestEncodeMatchesReference(t *testing.T) {
	for _, c := range reference {
		hash, err := thumbhash.Encode(pattern(c.w, c.h, c.alpha))
		if err != nil {
			t.Fatal(err)
		}
		if got := base64.StdEncoding.EncodeToString(hash); got != c.hash {
			t.Errorf("%dx%d alpha=%v: hash %s, reference %s", c.w, c.h, c.alpha, got, c.hash)
		}
	}
}

// A hash's header holds the average colour: a solid picture's must come
// back within the header's quantisation (6 bits for luminance and each
// chroma channel).
func TestAverageColorOfSolid(t *testing.T) {
	for _, want := range []color.NRGBA{
		{0, 0, 0, 255}, {255, 255, 255, 255}, {200, 30, 40, 255}, {20, 180, 60, 255},
		{30, 60, 220, 255}, {128, 128, 128, 255}, {250, 200, 10, 255},
	} {
		img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = want.R, want.G, want.B, want.A
		}
		hash, err := thumbhash.Encode(img)
		if err != nil {
			t.Fatal(err)
		}
		got, err := thumbhash.AverageColor(hash)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(got, want); d > 6 {
			t.Errorf("solid %v: average %v (off by %d)", want, got, d)
		}
		if len(hash) > 25 {
			t.Errorf("solid %v: %d bytes", want, len(hash))
		}
		// A solid picture decodes to itself.
		dec, err := thumbhash.Decode(hash)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(dec.Pix); i += 4 {
			c := color.NRGBA{dec.Pix[i], dec.Pix[i+1], dec.Pix[i+2], dec.Pix[i+3]}
			if d := maxDiff(c, want); d > 6 {
				t.Fatalf("solid %v: decoded pixel %v", want, c)
			}
		}
	}
}

// The average is weighted by alpha: transparent pixels' colour does not
// count, and the header's alpha is the mean coverage.
func TestAverageColorWeightsAlpha(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 20; x++ {
			if x < 10 {
				img.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 0}) // invisible blue
			} else {
				img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			}
		}
	}
	hash, err := thumbhash.Encode(img)
	if err != nil {
		t.Fatal(err)
	}
	got, err := thumbhash.AverageColor(hash)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got, color.NRGBA{255, 0, 0, 128}); d > 10 {
		t.Errorf("average %v, want red at half coverage", got)
	}
}

// AspectRatio is the ratio of the luminance's coefficient counts: 7 along
// the longer side (5 with alpha), the shorter side in proportion, rounded.
func TestAspectRatio(t *testing.T) {
	for _, c := range []struct {
		w, h  int
		alpha bool
		want  float64
	}{
		{100, 100, false, 1}, {100, 75, false, 7.0 / 5}, {75, 100, false, 5.0 / 7},
		{100, 50, false, 7.0 / 4}, {100, 10, false, 7}, {10, 100, false, 1.0 / 7},
		{100, 75, true, 5.0 / 4}, {60, 100, true, 3.0 / 5},
	} {
		hash, err := thumbhash.Encode(pattern(c.w, c.h, c.alpha))
		if err != nil {
			t.Fatal(err)
		}
		got, err := thumbhash.AspectRatio(hash)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%dx%d alpha=%v: aspect %v, want %v", c.w, c.h, c.alpha, got, c.want)
		}
		dec, err := thumbhash.Decode(hash)
		if err != nil {
			t.Fatal(err)
		}
		if w, h := dec.Rect.Dx(), dec.Rect.Dy(); max(w, h) != 32 || (w > h) != (c.w > c.h) {
			t.Errorf("%dx%d: decoded %dx%d", c.w, c.h, w, h)
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 0, 10), image.Rect(0, 0, 101, 10), image.Rect(0, 0, 10, 101)} {
		if _, err := thumbhash.Encode(image.NewNRGBA(r)); err == nil {
			t.Errorf("%v: no error", r)
		}
	}
	hash, _ := thumbhash.Encode(pattern(50, 40, true))
	for n := 0; n < len(hash); n++ {
		if _, err := thumbhash.Decode(hash[:n]); !errors.Is(err, thumbhash.ErrShort) {
			t.Errorf("%d of %d bytes: %v", n, len(hash), err)
		}
	}
	if _, err := thumbhash.AverageColor(hash[:4]); !errors.Is(err, thumbhash.ErrShort) {
		t.Errorf("AverageColor of 4 bytes: %v", err)
	}
}

func maxDiff(a, b color.NRGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}, {a.A, b.A}} {
		d = max(d, int(math.Abs(float64(p[0])-float64(p[1]))))
	}
	return d
}

// Encode a small rendering, then read the colour a page paints first.
func Example() {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0x33, 0x66, 0x99, 0xff
	}
	hash, _ := thumbhash.Encode(img)
	c, _ := thumbhash.AverageColor(hash)
	ratio, _ := thumbhash.AspectRatio(hash)
	fmt.Printf("#%02x%02x%02x, aspect %.2f\n", c.R, c.G, c.B, ratio)
	// Output: #316698, aspect 1.40
}
