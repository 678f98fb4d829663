package heif_test

// Fixtures: every HEIC and AVIF file the tests use is made here, at test
// time, by Debian's encoders (heif-enc from libheif-examples, avifenc from
// libavif-bin) from a PNG the test writes; the reference decodes come from
// heif-convert and avifdec. Without the tools the tests skip, unless
// BLOBIMAGE_REQUIRE_TOOLS=1 (CI), where they fail.

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// photo returns a w×h test picture with smooth colour gradients and fine
// detail and sharp edges in luma, so that colour and level errors show in
// PSNR. The edges change luma only (the same amount added to R, G and B),
// so that the reference decoders' chroma upsampling, which differs from
// one decoder to the next, does not dominate a comparison. With alpha, the
// alpha channel ramps from transparent to opaque with a hole.
func photo(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			d := 12*math.Sin(float64(y)/3) + 10*math.Cos(float64(x)/2)
			if (x/48+y/48)%2 == 0 && x%48 > 8 && y%48 > 8 && x%48 < 20 {
				d += 40
			}
			r := 50 + 120*fx + 10*math.Sin(float64(y)/37) + d
			g := 45 + 130*fy + d
			b := 110 + 60*math.Sin(3*fx+2*fy) + d
			a := 255.0
			if alpha {
				a = 255 * fx
				if dx, dy := fx-0.5, fy-0.5; dx*dx+dy*dy < 0.02 {
					a = 0
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{clamp8(r), clamp8(g), clamp8(b), clamp8(a)})
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}

// fixtureCache keeps fixtures made with the same arguments within one test
// binary run: the encoders take up to seconds per file.
var fixtureCache sync.Map

// heifEnc encodes img with heif-enc and the given options (e.g. "-q",
// "90", "-p", "chroma=444", "-b", "10", "-L", "--avif").
func heifEnc(tb testing.TB, img image.Image, args ...string) []byte {
	tb.Helper()
	return encodeWith(tb, "heif-enc", img, ".heic", args...)
}

// avifEnc encodes img with avifenc and the given options (e.g. "-d", "10",
// "-y", "420", "-r", "limited", "--irot", "1").
func avifEnc(tb testing.TB, img image.Image, args ...string) []byte {
	tb.Helper()
	return encodeWith(tb, "avifenc", img, ".avif", append([]string{"-s", "8"}, args...)...)
}

// encodeWith runs the encoder name with args on a PNG of img (see
// testimage.Convert), once for each name, args and picture.
func encodeWith(tb testing.TB, name string, img image.Image, ext string, args ...string) []byte {
	tb.Helper()
	key := name + "|" + strings.Join(args, " ") + "|" + img.Bounds().String() + "|" + pixelKey(img)
	if v, ok := fixtureCache.Load(key); ok {
		return v.([]byte)
	}
	data := testimage.Convert(tb, name, testimage.PNG(img), ".png", ext, args...)
	fixtureCache.Store(key, data)
	return data
}

// pixelKey summarises an image's pixels for the fixture cache.
func pixelKey(img image.Image) string {
	var sum uint64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 5 {
			r, g, bl, a := img.At(x, y).RGBA()
			sum = sum*31 + uint64(r) + uint64(g)<<3 + uint64(bl)<<5 + uint64(a)<<7
		}
	}
	return fmt.Sprintf("%x", sum)
}

// heifConvert decodes a HEIF/AVIF file with heif-convert (libheif) and
// returns the PNG it writes, as *image.NRGBA or *image.RGBA (8-bit) or
// 16-bit models.
func heifConvert(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	return testimage.ReferenceDecode(tb, "heif-convert", data, "--quiet")
}

// avifDec decodes an AVIF file with avifdec to an 8-bit PNG.
func avifDec(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	return testimage.ReferenceDecode(tb, "avifdec", data, "-d", "8")
}
