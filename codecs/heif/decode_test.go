package heif_test

import (
	"context"
	"image"
	"image/draw"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	_ "github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// decode decodes data through the codecs registry with default limits.
func decode(tb testing.TB, data []byte) (image.Image, codecs.Info) {
	tb.Helper()
	img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return img, info
}

type levelCase struct {
	name string
	src  func() image.Image
	enc  func(tb testing.TB, img image.Image) []byte
	ref  func(tb testing.TB, data []byte) image.Image
}

// Sources of the level tests.
var (
	opaque  = func() image.Image { return photo(333, 217, false) }
	alpha   = func() image.Image { return photo(333, 217, true) }
	deep    = func() image.Image { return deepen(photo(333, 217, false)) }
	grey    = func() image.Image { return greyOf(photo(333, 217, false)) }
	deepGry = func() image.Image { return deepen(greyOf(photo(333, 217, false))) }
)

// deepen returns img with 16-bit samples, so that the encoders make a
// deeper file from it (heif-enc -b 10 reads 16-bit PNG only).
func deepen(img image.Image) image.Image {
	out := image.NewNRGBA64(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

func greyOf(img image.Image) image.Image {
	out := image.NewGray(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

func heifCase(name string, src func() image.Image, args ...string) levelCase {
	return levelCase{name, src, func(tb testing.TB, img image.Image) []byte { return heifEnc(tb, img, args...) }, heifConvert}
}

func avifCase(name string, src func() image.Image, args ...string) levelCase {
	return levelCase{name, src, func(tb testing.TB, img image.Image) []byte { return avifEnc(tb, img, args...) }, avifDec}
}

// TestLevelsMatchReference decodes fixtures of every depth, chroma layout,
// range and alpha the encoders make, and compares the pixels with the
// format's reference decoder: at least 40 dB PSNR.
func TestLevelsMatchReference(t *testing.T) {
	cases := []levelCase{
		heifCase("heic 420 q90", opaque, "-q", "90"),
		heifCase("heic 444 q90", opaque, "-q", "90", "-p", "chroma=444"),
		heifCase("heic 422 q90", opaque, "-q", "90", "-p", "chroma=422"),
		heifCase("heic lossless", opaque, "-L", "-p", "chroma=444"),
		heifCase("heic 10-bit 420", deep, "-q", "90", "-b", "10"),
		heifCase("heic 10-bit 444", deep, "-q", "90", "-b", "10", "-p", "chroma=444"),
		heifCase("heic 12-bit 444", deep, "-q", "90", "-b", "12", "-p", "chroma=444"),
		heifCase("heic monochrome", grey, "-q", "90"),
		heifCase("heic monochrome 10-bit", deepGry, "-q", "90", "-b", "10"),
		heifCase("heic alpha", alpha, "-q", "90"),
		avifCase("avif 8 420 full", opaque, "-d", "8", "-y", "420"),
		avifCase("avif 8 420 limited", opaque, "-d", "8", "-y", "420", "-r", "limited"),
		avifCase("avif 8 420 bt709", opaque, "-d", "8", "-y", "420", "--cicp", "1/13/1"),
		avifCase("avif 8 420 bt2020 limited", opaque, "-d", "8", "-y", "420", "--cicp", "9/13/9", "-r", "limited"),
		avifCase("avif 8 444 limited", opaque, "-d", "8", "-y", "444", "-r", "limited"),
		avifCase("avif 10 422", opaque, "-d", "10", "-y", "422"),
		avifCase("avif 12 420 limited", opaque, "-d", "12", "-y", "420", "-r", "limited"),
		avifCase("avif 8 400", opaque, "-d", "8", "-y", "400"),
		avifCase("avif 10 alpha", alpha, "-d", "10", "-y", "444"),
		avifCase("avif 8 alpha premultiplied", alpha, "-d", "8", "-y", "420", "-p"),
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			data := c.enc(t, c.src())
			ref := c.ref(t, data)
			img, info := decode(t, data)
			if info.Width != 333 || info.Height != 217 || !info.Oriented {
				t.Errorf("info %+v", info)
			}
			col, al := testimage.PSNR16(t, ref, img)
			t.Logf("%T: colour %.1f dB, alpha %.1f dB vs reference", img, col, al)
			if col < 40 || al < 40 {
				t.Errorf("PSNR colour %.1f dB, alpha %.1f dB against the reference decoder; want ≥ 40", col, al)
			}
		})
	}
}
