package webp_test

import (
	"bytes"
	"context"
	"image"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	_ "github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// cwebp encodes the PNG of src with Debian's cwebp and the given options.
func cwebp(t testing.TB, src image.Image, args ...string) []byte {
	t.Helper()
	return testimage.Convert(t, "cwebp", testimage.PNG(src), ".png", ".webp", append([]string{"-quiet"}, args...)...)
}

func decode(t testing.TB, data []byte) (image.Image, codecs.Info) {
	t.Helper()
	img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != codecs.WebP {
		t.Fatalf("format %q", info.Format)
	}
	return img, info
}

// TestDecodeLossyMatchesDwebp decodes lossy WebPs made by cwebp and compares
// the pixels with libwebp's own decoder. VP8 codes limited-range Y'CbCr;
// read as full range (the defect this guards against) the same files come
// out 31 dB from dwebp (37 dB with alpha, which darkens what shows). What remains is rounding and chroma
// upsampling: Go's image.YCbCr repeats each chroma sample, dwebp
// interpolates ("fancy" upsampling) unless told -nofancy.
func TestDecodeLossyMatchesDwebp(t *testing.T) {
	src := testimage.Photo(640, 480)
	for _, tc := range []struct {
		name string
		src  image.Image
		args []string
	}{
		{"q75", src, []string{"-q", "75"}},
		{"q90", src, []string{"-q", "90"}},
		{"q75 alpha", testimage.WithAlpha(src), []string{"-q", "75"}},
		{"q90 alpha_q 50", testimage.WithAlpha(src), []string{"-q", "90", "-alpha_q", "50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := cwebp(t, tc.src, tc.args...)
			got, info := decode(t, data)
			alpha := tc.src != src
			want := map[bool]string{false: "*image.YCbCr", true: "*image.NYCbCrA"}[alpha]
			if typ := typeName(got); typ != want {
				t.Errorf("decoded a %s, want %s", typ, want)
			}
			if info.Width != 640 || info.Height != 480 {
				t.Errorf("info %d×%d", info.Width, info.Height)
			}
			ref := dwebp(t, data)
			fancy := testimage.PSNR(t, ref, got, alpha)
			plain := testimage.PSNR(t, dwebp(t, data, "-nofancy"), got, alpha)
			// The planes as VP8 codes them, read as full range.
			raw, err := xwebp.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			unscaled := testimage.PSNR(t, ref, raw, alpha)
			t.Logf("PSNR against dwebp: %.2f dB (fancy upsampling), %.2f dB (-nofancy); limited range read as full: %.2f dB", fancy, plain, unscaled)
			if fancy < 45 || plain < 45 {
				t.Errorf("PSNR against dwebp %.2f dB (fancy), %.2f dB (-nofancy), want ≥ 45", fancy, plain)
			}
			if fancy-unscaled < 10 {
				t.Errorf("limited range read as full is %.2f dB from dwebp, not 10 dB below the decode: the test does not tell the levels apart", unscaled)
			}
		})
	}
}

// TestDecodeLossyLevels checks black and white against the limited range:
// read as full range they come out as 16 and 235.
func TestDecodeLossyLevels(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			v := uint8(0)
			if x >= 32 {
				v = 255
			}
			i := src.PixOffset(x, y)
			src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = v, v, v, 255
		}
	}
	got := testimage.NRGBA(first(decode(t, cwebp(t, src, "-q", "90"))))
	for _, p := range []struct {
		x    int
		want uint8
	}{{8, 0}, {56, 255}} {
		c := got.NRGBAAt(p.x, 16)
		for _, v := range []uint8{c.R, c.G, c.B} {
			if d := int(v) - int(p.want); d < -2 || d > 2 {
				t.Errorf("pixel at x=%d is %v, want %d ± 2", p.x, c, p.want)
				break
			}
		}
	}
}

// TestDecodeLosslessMatchesDwebp: a lossless WebP decodes to exactly what
// dwebp makes of it, alpha and all.
func TestDecodeLosslessMatchesDwebp(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  image.Image
	}{
		{"opaque", testimage.Photo(320, 240)},
		{"alpha", testimage.WithAlpha(testimage.Photo(320, 240))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := cwebp(t, tc.src, "-lossless")
			got, _ := decode(t, data)
			if typ := typeName(got); typ != "*image.NRGBA" {
				t.Errorf("decoded a %s, want *image.NRGBA", typ)
			}
			if !bytes.Equal(testimage.NRGBA(got).Pix, testimage.NRGBA(dwebp(t, data)).Pix) {
				t.Error("pixels differ from dwebp's")
			}
			if !bytes.Equal(testimage.NRGBA(got).Pix, testimage.NRGBA(tc.src).Pix) && tc.name == "opaque" {
				t.Error("pixels differ from the source")
			}
		})
	}
}

func first(img image.Image, _ codecs.Info) image.Image { return img }

func typeName(v any) string {
	switch v.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.NYCbCrA:
		return "*image.NYCbCrA"
	case *image.NRGBA:
		return "*image.NRGBA"
	}
	return "other"
}
