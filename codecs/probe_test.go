package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// hostile holds headers that declare far more pixels than they carry.
// Every one must be refused from its header: quickly, and without
// allocating anything like the pixels it declares.
var hostile = []struct {
	name  string
	data  func(t *testing.T) []byte
	lim   codecs.Limits
	want  error
	limit string
	// decodeOnly: the header Probe reads is fine; the decoder refuses the
	// image before allocating it.
	decodeOnly bool
}{
	{"png 60000x60000", func(*testing.T) []byte { return pngHeader(60000, 60000) }, codecs.Limits{}, codecs.ErrTooLarge, "max_side", false},
	{"png 60000x60000 no side limit", func(*testing.T) []byte { return pngHeader(60000, 60000) }, codecs.Limits{MaxSide: -1}, codecs.ErrTooLarge, "max_pixels", false},
	{"png 2^31-1 x 1", func(*testing.T) []byte { return pngHeader(1<<31-1, 1) }, codecs.Limits{}, codecs.ErrTooLarge, "max_side", false},
	{"png 2^31-1 x 1 no side limit", func(*testing.T) []byte { return pngHeader(1<<31-1, 1) }, codecs.Limits{MaxSide: -1}, codecs.ErrTooLarge, "max_pixels", false},
	{"png 0 x 100", func(*testing.T) []byte { return pngHeader(0, 100) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"png 100 x 0", func(*testing.T) []byte { return pngHeader(100, 0) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"png 60000x60000 bad crc", func(*testing.T) []byte {
		b := pngHeader(60000, 60000)
		b[len(b)-1] ^= 1
		return b
	}, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"jpeg 60000x60000", func(*testing.T) []byte { return jpegHeader(60000, 60000) }, codecs.Limits{}, codecs.ErrTooLarge, "max_side", false},
	{"jpeg 60000x60000 no side limit", func(*testing.T) []byte { return jpegHeader(60000, 60000) }, codecs.Limits{MaxSide: -1}, codecs.ErrTooLarge, "max_pixels", false},
	{"jpeg height 0", func(*testing.T) []byte { return jpegHeader(60000, 0) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"real jpeg with height patched to 0", func(t *testing.T) []byte { return patchJPEGHeight(t, encJPEG(t, quads(64, 48), 90), 0) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"gif 60000x60000", func(*testing.T) []byte { return gifHeader(60000, 60000) }, codecs.Limits{}, codecs.ErrTooLarge, "max_side", false},
	{"gif 60000x60000 no side limit", func(*testing.T) []byte { return gifHeader(60000, 60000) }, codecs.Limits{MaxSide: -1}, codecs.ErrTooLarge, "max_pixels", false},
	{"gif 0x0", func(*testing.T) []byte { return gifHeader(0, 0) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"webp vp8l 16384x16384", func(*testing.T) []byte { return webpSolid(16384, 16384, color.NRGBA{255, 0, 0, 255}) }, codecs.Limits{}, codecs.ErrTooLarge, "max_pixels", false},
	{"webp vp8x canvas 16384x16384", func(*testing.T) []byte {
		return riffWebP("VP8X", vp8xChunk(0, 16384, 16384), "VP8L", webpSolid(16384, 16384, color.NRGBA{})[20:])
	}, codecs.Limits{}, codecs.ErrTooLarge, "max_pixels", false},
	{"webp vp8x canvas over max_side", func(*testing.T) []byte { return riffWebP("VP8X", vp8xChunk(0, 1<<24, 1)) }, codecs.Limits{}, codecs.ErrTooLarge, "max_side", false},
	{"webp vp8x 1x1 hiding a 16384x16384 vp8l", func(*testing.T) []byte {
		return riffWebP("VP8X", vp8xChunk(0, 1, 1), "VP8L", webpSolid(16384, 16384, color.NRGBA{})[20:])
	}, codecs.Limits{}, codecs.ErrCorrupt, "", true},
	{"animated webp without frames", func(*testing.T) []byte {
		return riffWebP("VP8X", vp8xChunk(1<<1, 16, 16), "ANIM", make([]byte, 6))
	}, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"animated webp second frame past the canvas", func(*testing.T) []byte {
		frame := func(x int) []byte {
			return append([]byte{byte(x / 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0}, riffWebP("VP8L", webpSolid(4, 4, color.NRGBA{})[20:])[12:]...)
		}
		return riffWebP("VP8X", vp8xChunk(1<<1, 16, 16), "ANIM", make([]byte, 6), "ANMF", frame(0), "ANMF", frame(14))
	}, codecs.Limits{}, codecs.ErrCorrupt, "", false},
	{"animated webp canvas 16383x16383, frame 1x1", func(*testing.T) []byte {
		frame := append(make([]byte, 16), riffWebP("VP8L", webpSolid(1, 1, color.NRGBA{})[20:])[12:]...)
		return riffWebP("VP8X", vp8xChunk(1<<1, 16383, 16383), "ANIM", make([]byte, 6), "ANMF", frame)
	}, codecs.Limits{}, codecs.ErrTooLarge, "max_pixels", false},
	{"jpeg with 600 scans", func(*testing.T) []byte { return manyScans(600) }, codecs.Limits{}, codecs.ErrCorrupt, "", false},
}

// patchJPEGHeight rewrites the height in the SOF0 segment of a JPEG.
func patchJPEGHeight(t *testing.T, b []byte, h uint16) []byte {
	t.Helper()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	b[i+5], b[i+6] = byte(h>>8), byte(h)
	return b
}

// manyScans returns a small progressive JPEG structure with n SOS
// segments, each followed by one byte of entropy-coded data.
func manyScans(n int) []byte {
	b := jpegHeader(64, 64)
	b[len(b)-18] = 0xC2 // SOF2: progressive
	for range n {
		b = append(b, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0, 0x55)
	}
	return append(b, 0xFF, 0xD9)
}

func TestHostileHeaders(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			start := time.Now()
			_, err := codecs.Probe(data, tc.lim)
			if d := time.Since(start); d > 200*time.Millisecond {
				t.Errorf("Probe took %v", d)
			}
			if tc.decodeOnly {
				if err != nil {
					t.Errorf("Probe: %v", err)
				}
			} else {
				wantErr(t, err, tc.want, tc.limit)
			}

			var (
				img  image.Image
				info codecs.Info
			)
			start = time.Now()
			n := allocated(func() { img, info, err = codecs.Decode(context.Background(), data, tc.lim) })
			if d := time.Since(start); d > 200*time.Millisecond {
				t.Errorf("Decode took %v", d)
			}
			if n > 2<<20 {
				t.Errorf("Decode allocated %d bytes", n)
			}
			if img != nil {
				t.Errorf("Decode returned a %s image", dims(img))
			}
			wantErr(t, err, tc.want, tc.limit)
			if tc.limit != "" && (info.Width == 0 || info.Height == 0) {
				t.Errorf("Info = %+v, want the header's dimensions", info)
			}
			t.Logf("%v (allocated %d bytes)", err, n)
		})
	}
}

// TestHostileHeadersWithoutLimits checks that the size refusals above come
// from the limits: with every limit disabled, Probe accepts the headers.
func TestHostileHeadersWithoutLimits(t *testing.T) {
	off := codecs.Limits{MaxBytes: -1, MaxPixels: -1, MaxSide: -1}
	for _, tc := range hostile {
		if tc.limit == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			info, err := codecs.Probe(tc.data(t), off)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if info.Width <= 16384 && info.Height <= 16384 && int64(info.Width)*int64(info.Height) <= 50_000_000 {
				t.Errorf("Info = %+v is within the default limits", info)
			}
		})
	}
}

func TestLimitErrorMessages(t *testing.T) {
	_, err := codecs.Probe(pngHeader(60000, 60000), codecs.Limits{MaxSide: -1})
	var le *codecs.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v", err)
	}
	if want := (codecs.LimitError{Limit: "max_pixels", Value: 3_600_000_000, Max: 50_000_000, Width: 60000, Height: 60000}); *le != want {
		t.Errorf("LimitError = %+v, want %+v", *le, want)
	}
	if got, want := err.Error(), "codecs: png: image too large: 60000×60000 = 3600000000 pixels exceeds max_pixels 50000000"; got != want {
		t.Errorf("err = %q\nwant %q", got, want)
	}

	_, err = codecs.Probe(jpegHeader(60000, 20000), codecs.Limits{})
	if got, want := err.Error(), "codecs: jpeg: image too large: 60000×20000: side 60000 exceeds max_side 16384"; got != want {
		t.Errorf("err = %q\nwant %q", got, want)
	}

	data := encPNG(t, quads(8, 8))
	_, err = codecs.Probe(data, codecs.Limits{MaxBytes: 10})
	if !errors.As(err, &le) || le.Limit != "max_bytes" || le.Value != int64(len(data)) || le.Max != 10 {
		t.Fatalf("err = %v (%+v)", err, le)
	}
	if want := "image too large: " + itoa(len(data)) + " bytes exceeds max_bytes 10"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %q, want suffix %q", err, want)
	}

	// A LimitError built without dimensions (as blobimage does for an
	// upload over max_bytes) still reads well.
	if got, want := (&codecs.LimitError{Limit: "max_scans", Value: 7, Max: 5}).Error(), "image too large: 7 exceeds max_scans 5"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestProbeMaxBytes(t *testing.T) {
	data := encPNG(t, quads(40, 30))
	n := int64(len(data))
	for _, tc := range []struct {
		max int64
		ok  bool
	}{{n - 1, false}, {n, true}, {-1, true}, {0, true}} {
		_, err := codecs.Probe(data, codecs.Limits{MaxBytes: tc.max})
		if tc.ok && err != nil {
			t.Errorf("MaxBytes %d: %v", tc.max, err)
		}
		if !tc.ok {
			wantErr(t, err, codecs.ErrTooLarge, "max_bytes")
		}
		_, _, err = codecs.Decode(context.Background(), data, codecs.Limits{MaxBytes: tc.max})
		if tc.ok != (err == nil) {
			t.Errorf("Decode with MaxBytes %d: %v", tc.max, err)
		}
	}

	// The default is 25 MiB, checked before anything is parsed: even bytes
	// that are not an image are refused for their size.
	big := make([]byte, codecs.DefaultMaxBytes+1)
	copy(big, data)
	_, err := codecs.Probe(big, codecs.Limits{})
	wantErr(t, err, codecs.ErrTooLarge, "max_bytes")
	_, err = codecs.Probe(big[:codecs.DefaultMaxBytes], codecs.Limits{})
	if err != nil {
		t.Errorf("Probe of exactly DefaultMaxBytes: %v", err)
	}
}

func TestProbeLimitBoundaries(t *testing.T) {
	for _, tc := range []struct {
		w, h  uint32
		lim   codecs.Limits
		limit string
	}{
		{100, 100, codecs.Limits{MaxPixels: 10000}, ""},
		{100, 101, codecs.Limits{MaxPixels: 10000}, "max_pixels"},
		{16384, 1, codecs.Limits{}, ""},
		{1, 16385, codecs.Limits{}, "max_side"},
		{7000, 7000, codecs.Limits{}, ""},
		{7072, 7071, codecs.Limits{}, "max_pixels"}, // 50 006 112
		{100, 100, codecs.Limits{MaxSide: 99}, "max_side"},
		{100, 100, codecs.Limits{MaxSide: 100, MaxPixels: -1}, ""},
	} {
		info, err := codecs.Probe(pngHeader(tc.w, tc.h), tc.lim)
		if tc.limit == "" {
			if err != nil || info.Width != int(tc.w) || info.Height != int(tc.h) || info.Format != codecs.PNG {
				t.Errorf("%d×%d %+v: %+v, %v", tc.w, tc.h, tc.lim, info, err)
			}
			continue
		}
		wantErr(t, err, codecs.ErrTooLarge, tc.limit)
	}
}

// TestNegativeLimitsDisable decodes an image over small limits once they
// are disabled.
func TestNegativeLimitsDisable(t *testing.T) {
	data := encPNG(t, quads(300, 200))
	small := codecs.Limits{MaxBytes: 100, MaxPixels: 1000, MaxSide: 10}
	_, _, err := codecs.Decode(context.Background(), data, small)
	wantErr(t, err, codecs.ErrTooLarge, "max_bytes")
	small.MaxBytes = -1
	_, _, err = codecs.Decode(context.Background(), data, small)
	wantErr(t, err, codecs.ErrTooLarge, "max_side")
	small.MaxSide = -1
	_, _, err = codecs.Decode(context.Background(), data, small)
	wantErr(t, err, codecs.ErrTooLarge, "max_pixels")
	small.MaxPixels = -1
	img, info, err := codecs.Decode(context.Background(), data, small)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 300 || info.Height != 200 || dims(img) != "300×200" {
		t.Errorf("info %+v, image %s", info, dims(img))
	}
	checkQuads(t, img, 0)
}

func TestProbeInfo(t *testing.T) {
	img := quads(40, 30)
	for _, tc := range []struct {
		data  []byte
		f     codecs.Format
		model color.Model
	}{
		{encJPEG(t, img, 90), codecs.JPEG, color.YCbCrModel},
		{encJPEG(t, image.NewGray(img.Rect), 90), codecs.JPEG, color.GrayModel},
		{encPNG(t, img), codecs.PNG, color.RGBAModel}, // opaque: stored as RGB
		{encPNG(t, image.NewNRGBA(img.Rect)), codecs.PNG, color.NRGBAModel},
		{encGIF(t, img), codecs.GIF, nil}, // colour model: the palette
		{webpSolid(40, 30, color.NRGBA{1, 2, 3, 4}), codecs.WebP, color.NRGBAModel},
	} {
		info, err := codecs.Probe(tc.data, codecs.Limits{})
		if err != nil {
			t.Errorf("%s: %v", tc.f, err)
			continue
		}
		if info.Format != tc.f || info.Width != 40 || info.Height != 30 {
			t.Errorf("%s: Info = %+v", tc.f, info)
		}
		if tc.model != nil && info.ColorModel != tc.model {
			t.Errorf("%s: ColorModel = %v, want %v", tc.f, info.ColorModel, tc.model)
		}
		if _, ok := info.ColorModel.(color.Palette); tc.f == codecs.GIF && !ok {
			t.Errorf("gif: ColorModel = %T, want a color.Palette", info.ColorModel)
		}
	}
}

// TestJPEGScanCount checks the scan limit counts SOS segments, not bytes
// that look like an SOS marker inside other segments.
func TestJPEGScanCount(t *testing.T) {
	_, err := codecs.Probe(manyScans(codecs.DefaultMaxScans), codecs.Limits{})
	if err != nil {
		t.Errorf("%d scans: %v", codecs.DefaultMaxScans, err)
	}
	_, err = codecs.Probe(manyScans(codecs.DefaultMaxScans+1), codecs.Limits{})
	wantErr(t, err, codecs.ErrCorrupt, "")
	if !strings.Contains(err.Error(), "max_scans") {
		t.Errorf("err = %v, want it to name max_scans", err)
	}
	// The limit is configurable, and negative means none.
	if _, err := codecs.Probe(manyScans(500), codecs.Limits{MaxScans: 500}); err != nil {
		t.Errorf("500 scans under max_scans 500: %v", err)
	}
	if _, err := codecs.Probe(manyScans(2000), codecs.Limits{MaxScans: -1}); err != nil {
		t.Errorf("2000 scans without a limit: %v", err)
	}

	// A real JPEG with a comment full of FF DA pairs decodes.
	plain := encJPEG(t, quads(32, 32), 90)
	com := bytes.Repeat([]byte{0xFF, 0xDA}, 2000)
	seg := append([]byte{0xFF, 0xFE, byte((len(com) + 2) >> 8), byte(len(com) + 2)}, com...)
	data := append(append(append([]byte{}, plain[:2]...), seg...), plain[2:]...)
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("test JPEG does not decode: %v", err)
	}
	img, _, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkQuads(t, img, 8)
}

// TestDecodeMemory: Probe tells progressive JPEGs from baseline ones, and
// the estimate a memory budget charges grows with what the decoder keeps.
func TestDecodeMemory(t *testing.T) {
	baseline := encJPEG(t, quads(64, 48), 90)
	// The same header with its SOF0 turned into SOF2: DecodeConfig reads
	// only the header, which is valid either way.
	i := bytes.Index(baseline, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the encoded JPEG")
	}
	progressive := bytes.Clone(baseline)
	progressive[i+1] = 0xC2

	b, err := codecs.Probe(baseline, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := codecs.Probe(progressive, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Progressive || !p.Progressive {
		t.Fatalf("Progressive: baseline %v, SOF2 %v", b.Progressive, p.Progressive)
	}
	px := int64(64 * 48)
	if m := b.DecodeMemory(); m < 3*px || m > 8*px {
		t.Errorf("baseline colour JPEG: %d bytes for %d pixels", m, px)
	}
	if m := p.DecodeMemory(); m < 15*px {
		t.Errorf("progressive colour JPEG: %d bytes for %d pixels, measured decoders take 15 per pixel", m, px)
	}
	g, err := codecs.Probe(encPNG(t, image.NewGray16(image.Rect(0, 0, 10, 10))), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if g.DecodeMemory() != 200 {
		t.Errorf("16-bit grey PNG 10×10: %d bytes, want 200", g.DecodeMemory())
	}
}

// TestDecodeMemoryScaled: the estimate for a reduced decode covers what
// the decode allocates, and is a fraction of the full-size one. With
// BLOBIMAGE_CORPUS set, the photos' progressive JPEG is measured too.
func TestDecodeMemoryScaled(t *testing.T) {
	files := map[string][]byte{"baseline 1600×1200": encJPEG(t, noise(1600, 1200, 5), 90)}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "seeding_16mp_prog.jpg")); err == nil {
			files["seeding_16mp_prog.jpg"] = b
		}
	}
	ctx := context.Background()
	for name, data := range files {
		info, err := codecs.Probe(data, codecs.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, min := range []image.Point{{info.Width / 2, info.Height / 2}, {info.Width / 4, info.Height / 4}, {info.Width / 8, info.Height / 8}} {
			denom := codecs.ReduceScale(info, min)
			var img image.Image
			got := allocated(func() {
				img, _, err = codecs.DecodeReduced(ctx, data, codecs.Limits{}, min)
			})
			if err != nil {
				t.Fatal(err)
			}
			if w, h := codecs.ScaledSize(info.Width, info.Height, denom); img.Bounds().Size() != image.Pt(w, h) {
				t.Errorf("%s: ReduceScale %d, but DecodeReduced gave %v", name, denom, img.Bounds())
			}
			est := info.DecodeMemoryScaled(denom)
			t.Logf("%s at 1/%d: allocated %d, estimate %d, full-size estimate %d", name, denom, got, est, info.DecodeMemory())
			if int64(got) > est {
				t.Errorf("%s at 1/%d: allocated %d bytes, more than the estimate %d", name, denom, got, est)
			}
			if est > info.DecodeMemory()/2 {
				t.Errorf("%s at 1/%d: estimate %d is not well below the full one %d", name, denom, est, info.DecodeMemory())
			}
		}
	}
}
