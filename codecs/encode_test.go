package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// encodeDecode encodes img as f with o and decodes the result with codecs.
func encodeDecode(t *testing.T, img image.Image, f codecs.Format, o codecs.EncodeOptions) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, img, f, o); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	out, info, err := codecs.Decode(context.Background(), buf.Bytes(), codecs.Limits{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if info.Format != f {
		t.Fatalf("encoded as %s, want %s", info.Format, f)
	}
	return out
}

// uniform returns a 16×16 image of type like filled with c.
func fill(m draw.Image, c color.Color) draw.Image {
	draw.Draw(m, m.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	return m
}

func TestEncodeJPEGFlattensTransparency(t *testing.T) {
	r := image.Rect(0, 0, 16, 16)
	white := color.NRGBA{255, 255, 255, 255}
	blueBG := color.NRGBA{0, 0, 255, 255}
	pal := image.NewPaletted(r, color.Palette{color.RGBA{}, color.RGBA{255, 0, 0, 255}})
	ycc := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio444)
	for i := range ycc.Y {
		// Pure red in YCbCr is (76, 85, 255); half transparent.
		ycc.Y[i], ycc.Cb[i], ycc.Cr[i], ycc.A[i] = 76, 85, 255, 128
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		bg   color.Color
		want color.NRGBA
	}{
		// Fully transparent pixels keep whatever colour they store; it
		// must not show.
		{"transparent nrgba with red colour", &image.NRGBA{Pix: bytes.Repeat([]byte{255, 0, 0, 0}, 256), Stride: 64, Rect: r}, nil, white},
		{"transparent nrgba", image.NewNRGBA(r), nil, white},
		{"half transparent red nrgba", fill(image.NewNRGBA(r), color.NRGBA{255, 0, 0, 128}), nil, color.NRGBA{255, 127, 127, 255}},
		{"half transparent red rgba (premultiplied)", fill(image.NewRGBA(r), color.RGBA{128, 0, 0, 128}), nil, color.NRGBA{255, 127, 127, 255}},
		{"transparent rgba", image.NewRGBA(r), nil, white},
		{"half transparent red nrgba64", fill(image.NewNRGBA64(r), color.NRGBA64{0xffff, 0, 0, 0x8080}), nil, color.NRGBA{255, 127, 127, 255}},
		{"paletted transparent index", pal, nil, white},
		{"half transparent red nycbcra", ycc, nil, color.NRGBA{255, 127, 127, 255}},
		{"transparent nrgba on blue", image.NewNRGBA(r), blueBG, blueBG},
		{"half transparent red on blue", fill(image.NewNRGBA(r), color.NRGBA{255, 0, 0, 128}), blueBG, color.NRGBA{128, 0, 127, 255}},
		{"half transparent red rgba on blue", fill(image.NewRGBA(r), color.RGBA{128, 0, 0, 128}), blueBG, color.NRGBA{128, 0, 127, 255}},
		// A translucent background is composited over white first.
		{"transparent on translucent black", image.NewNRGBA(r), color.NRGBA{0, 0, 0, 128}, color.NRGBA{127, 127, 127, 255}},
		{"transparent on color.Transparent", image.NewNRGBA(r), color.Transparent, white},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if codecs.Opaque(tc.img) {
				t.Fatal("test image is opaque")
			}
			out := encodeDecode(t, tc.img, codecs.JPEG, codecs.EncodeOptions{Quality: 100, Background: tc.bg})
			for _, p := range []image.Point{{0, 0}, {8, 8}, {15, 15}} {
				if got := nrgbaAt(out, p.X, p.Y); !near(got, tc.want, 3) {
					t.Errorf("pixel %v = %v, want %v", p, got, tc.want)
				}
			}
		})
	}
}

// TestEncodeJPEGOpaqueNoCopy checks an opaque image goes to the encoder
// without a copy of its pixels, and that the view handed over is faithful:
// an opaque NRGBA encodes to the very bytes its RGBA twin does.
func TestEncodeJPEGOpaqueNoCopy(t *testing.T) {
	src := noise(1000, 1000, 7) // 4 MB of pixels
	twin := image.NewRGBA(src.Rect)
	copy(twin.Pix, src.Pix) // opaque: the same bytes
	var a, b bytes.Buffer
	if err := codecs.Encode(&a, src, codecs.JPEG, codecs.EncodeOptions{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := codecs.Encode(&b, twin, codecs.JPEG, codecs.EncodeOptions{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("opaque NRGBA does not encode like the equivalent RGBA")
	}
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	for _, img := range []image.Image{src, twin, image.NewGray(src.Rect), ycc, &image.NYCbCrA{YCbCr: *ycc, A: bytes.Repeat([]byte{255}, 1000*1000), AStride: 1000}} {
		n := allocated(func() {
			if err := codecs.Encode(io.Discard, img, codecs.JPEG, codecs.EncodeOptions{}); err != nil {
				t.Fatal(err)
			}
		})
		if n > 512<<10 {
			t.Errorf("%T: Encode allocated %d bytes", img, n)
		}
	}
	// A transparent image needs the flattened copy.
	n := allocated(func() { codecs.Encode(io.Discard, image.NewNRGBA(src.Rect), codecs.JPEG, codecs.EncodeOptions{}) })
	if n < 4_000_000 {
		t.Errorf("transparent NRGBA: Encode allocated only %d bytes; was it flattened?", n)
	}
}

func TestEncodeJPEGQuality(t *testing.T) {
	src := noise(128, 128, 3)
	enc := func(q int) []byte {
		var buf bytes.Buffer
		if err := codecs.Encode(&buf, src, codecs.JPEG, codecs.EncodeOptions{Quality: q}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if lo, hi := enc(10), enc(95); len(lo) >= len(hi) {
		t.Errorf("quality 10: %d bytes, quality 95: %d bytes", len(lo), len(hi))
	}
	if !bytes.Equal(enc(0), enc(codecs.DefaultQuality)) {
		t.Error("quality 0 is not DefaultQuality")
	}
	if !bytes.Equal(enc(150), enc(100)) || !bytes.Equal(enc(-5), enc(1)) {
		t.Error("quality out of 1–100 is not clamped")
	}
	out := encodeDecode(t, quads(64, 48), codecs.JPEG, codecs.EncodeOptions{})
	checkQuads(t, out, 12)
}

func TestEncodePNGLossless(t *testing.T) {
	src := noise(64, 48, 5)
	for i := 3; i < len(src.Pix); i += 4 * 7 {
		src.Pix[i] = uint8(i) // assorted alpha values, including 0
	}
	for _, level := range []png.CompressionLevel{png.DefaultCompression, png.NoCompression, png.BestSpeed, png.BestCompression} {
		out := encodeDecode(t, src, codecs.PNG, codecs.EncodeOptions{Compression: level})
		nrgba, ok := out.(*image.NRGBA)
		if !ok {
			t.Fatalf("level %d: decoded %T", level, out)
		}
		if !bytes.Equal(nrgba.Pix, src.Pix) {
			t.Errorf("level %d: pixels differ", level)
		}
	}
	var fast, best bytes.Buffer
	codecs.Encode(&fast, quads(256, 256), codecs.PNG, codecs.EncodeOptions{Compression: png.NoCompression})
	codecs.Encode(&best, quads(256, 256), codecs.PNG, codecs.EncodeOptions{Compression: png.BestCompression})
	if best.Len() >= fast.Len() {
		t.Errorf("compression level ignored: %d vs %d bytes", best.Len(), fast.Len())
	}
}

// TestEncodeGIF: a still GIF is a one-frame animation without a loop
// extension, its colours kept (quads has four).
func TestEncodeGIF(t *testing.T) {
	img := quads(8, 8)
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, img, codecs.GIF, codecs.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&buf)
	if err != nil || len(g.Image) != 1 || g.LoopCount != -1 {
		t.Fatalf("still GIF: %v, loop count %d", err, g.LoopCount)
	}
	for _, p := range []image.Point{{1, 1}, {6, 1}, {1, 6}, {6, 6}} {
		r1, g1, b1, _ := img.At(p.X, p.Y).RGBA()
		r2, g2, b2, _ := g.Image[0].At(p.X, p.Y).RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 {
			t.Errorf("pixel %v: %v, want %v", p, g.Image[0].At(p.X, p.Y), img.At(p.X, p.Y))
		}
	}
}

func TestEncodeUnsupported(t *testing.T) {
	img := quads(8, 8)
	for _, f := range []codecs.Format{codecs.HEIC, "bmp", ""} {
		var buf bytes.Buffer
		err := codecs.Encode(&buf, img, f, codecs.EncodeOptions{})
		if !errors.Is(err, codecs.ErrUnsupportedFormat) {
			t.Errorf("Encode(%q) = %v, want ErrUnsupportedFormat", f, err)
		}
		if buf.Len() != 0 {
			t.Errorf("Encode(%q) wrote %d bytes", f, buf.Len())
		}
	}
}

func TestEncodeEmpty(t *testing.T) {
	for _, img := range []image.Image{nil, image.NewNRGBA(image.Rect(0, 0, 0, 5))} {
		if err := codecs.Encode(io.Discard, img, codecs.PNG, codecs.EncodeOptions{}); err == nil {
			t.Errorf("Encode(%v) succeeded", img)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeWriteError(t *testing.T) {
	for _, f := range []codecs.Format{codecs.JPEG, codecs.PNG} {
		if err := codecs.Encode(failingWriter{}, quads(64, 64), f, codecs.EncodeOptions{}); err == nil {
			t.Errorf("%s: no error from a failing writer", f)
		}
	}
}

// atOnly hides an image's concrete type and its Opaque method.
type atOnly struct{ image.Image }

func TestOpaque(t *testing.T) {
	r := image.Rect(0, 0, 8, 8)
	opaqueNRGBA := quads(8, 8)
	holed := quads(8, 8)
	holed.SetNRGBA(7, 7, color.NRGBA{1, 2, 3, 254})
	for _, tc := range []struct {
		name string
		img  image.Image
		want bool
	}{
		{"opaque nrgba", opaqueNRGBA, true},
		{"nrgba with one translucent pixel", holed, false},
		{"ycbcr", image.NewYCbCr(r, image.YCbCrSubsampleRatio420), true},
		{"gray", image.NewGray(r), true},
		{"new rgba", image.NewRGBA(r), false},
		{"at-only opaque", atOnly{opaqueNRGBA}, true},
		{"at-only with translucent pixel", atOnly{holed}, false},
		{"uniform opaque", image.NewUniform(color.White), true},
		{"uniform transparent", image.NewUniform(color.Transparent), false},
	} {
		if got := codecs.Opaque(tc.img); got != tc.want {
			t.Errorf("%s: Opaque = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Opaque scans a sub-image only.
	if !codecs.Opaque(atOnly{holed.SubImage(image.Rect(0, 0, 7, 7))}) {
		t.Error("sub-image without the translucent pixel is not opaque")
	}
}
