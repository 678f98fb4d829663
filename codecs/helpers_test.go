package codecs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	// WebP is registered by its own package, which imports codecs: the
	// tests of WebP headers and pixels through Probe and Decode need it.
	_ "github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// Quadrant colours of quads; every channel is 0 or 255 so they survive JPEG
// compression recognisably and are in the Plan 9 palette.
var quadColours = [4]color.NRGBA{
	{255, 0, 0, 255},   // top left: red
	{0, 255, 0, 255},   // top right: green
	{0, 0, 255, 255},   // bottom left: blue
	{255, 255, 0, 255}, // bottom right: yellow
}

// quads returns a w×h NRGBA image split into four coloured quadrants.
func quads(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			m.SetNRGBA(x, y, quadColours[q])
		}
	}
	return m
}

// checkQuads asserts that img shows quads' colours at the quadrant centres,
// each channel within tol.
func checkQuads(t *testing.T, img image.Image, tol int) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pts := [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
	for i, p := range pts {
		got := color.NRGBAModel.Convert(img.At(b.Min.X+p.X, b.Min.Y+p.Y)).(color.NRGBA)
		if !near(got, quadColours[i], tol) {
			t.Errorf("quadrant %d at %v: got %v, want %v (±%d)", i, p, got, quadColours[i], tol)
		}
	}
}

func near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { v := int(x) - int(y); return v <= tol && -v <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

// noise returns a w×h opaque image of pseudo-random pixels, which no
// codec compresses much.
func noise(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 0))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		v := rng.Uint32()
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), 255
	}
	return m
}

func nrgbaAt(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func encJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encGIF encodes img with the Plan 9 palette (exact for quads' colours).
func encGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	p := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(p, p.Rect, img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := gif.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns a PNG signature and an 8-bit RGBA IHDR chunk declaring
// w×h, with a valid CRC, and nothing else.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // depth 8, colour type RGBA
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr[:])...)
}

func pngChunk(typ string, data []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// jpegHeader returns SOI, a JFIF APP0 segment and a baseline SOF0 declaring
// w×h with three components: enough for jpeg.DecodeConfig.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xFF, 0xD8}
	b = append(b, 0xFF, 0xE0, 0, 16)
	b = append(b, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"...)
	b = append(b, 0xFF, 0xC0, 0, 17, 8)
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	return b
}

// gifHeader returns a GIF89a header and logical screen descriptor
// declaring w×h, without a colour table or any frame.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0)
}

// webpSolid returns a complete lossless WebP of w×h pixels (1–16384 each)
// all of colour c: testimage.SolidVP8L in a RIFF container, 32 bytes
// whatever its size (a decompression bomb when w×h is large).
func webpSolid(w, h int, c color.NRGBA) []byte {
	return riffWebP("VP8L", testimage.SolidVP8L(w, h, c))
}

// riffWebP wraps chunks (alternating FourCC and payload) in a RIFF WEBP
// container.
func riffWebP(chunks ...any) []byte {
	var body []byte
	for i := 0; i < len(chunks); i += 2 {
		id, data := chunks[i].(string), chunks[i+1].([]byte)
		body = append(body, id...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
		body = append(body, data...)
		if len(data)%2 == 1 {
			body = append(body, 0)
		}
	}
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(4+len(body)))
	b = append(b, "WEBP"...)
	return append(b, body...)
}

// vp8xChunk returns a VP8X payload with the given flags and canvas size.
func vp8xChunk(flags byte, w, h int) []byte {
	b := []byte{flags, 0, 0, 0}
	b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	return append(b, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
}

// testimageWebP calls testimage.WebP, skipping the test while that helper
// is not implemented yet (it panics).
func testimageWebP(t *testing.T, img image.Image) (data []byte) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Skipf("testimage.WebP unavailable: %v", v)
		}
	}()
	return testimage.WebP(img, nil)
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// fakeCodec registers c for the duration of the test.
func fakeCodec(t *testing.T, c codecs.Codec) {
	t.Helper()
	if _, ok := codecs.Lookup(c.Format); ok {
		t.Fatalf("format %q already registered", c.Format)
	}
	codecs.Register(c)
	t.Cleanup(func() { codecs.UnregisterForTest(c.Format) })
}

// fakeMatch returns a Match function for a fake format's magic.
func fakeMatch(magic string) func([]byte) bool {
	return func(head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }
}

// fixedConfig returns a DecodeConfig reporting w×h.
func fixedConfig(w, h int) func(io.Reader) (image.Config, error) {
	return func(io.Reader) (image.Config, error) {
		return image.Config{ColorModel: color.NRGBAModel, Width: w, Height: h}, nil
	}
}

// wantErr checks that err matches target (and, when limit is not "", that
// it is a *LimitError for that limit).
func wantErr(t *testing.T, err, target error, limit string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	for _, other := range []error{codecs.ErrNotImage, codecs.ErrUnsupportedFormat, codecs.ErrTooLarge, codecs.ErrCorrupt} {
		if other != target && errors.Is(err, other) {
			t.Errorf("err = %v also matches %v", err, other)
		}
	}
	if limit != "" {
		var le *codecs.LimitError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, not a *LimitError", err)
		}
		if le.Limit != limit {
			t.Errorf("limit = %q, want %q (err %v)", le.Limit, limit, err)
		}
	}
}

func dims(img image.Image) string {
	return fmt.Sprintf("%d×%d", img.Bounds().Dx(), img.Bounds().Dy())
}
