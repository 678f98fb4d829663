package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

func TestDecodeRoundTrip(t *testing.T) {
	src := quads(64, 48)
	for _, tc := range []struct {
		f    codecs.Format
		data func(t *testing.T) []byte
		tol  int
	}{
		{codecs.JPEG, func(t *testing.T) []byte { return encJPEG(t, src, 90) }, 8},
		{codecs.PNG, func(t *testing.T) []byte { return encPNG(t, src) }, 0},
		{codecs.GIF, func(t *testing.T) []byte { return encGIF(t, src) }, 0},
		{codecs.WebP, func(t *testing.T) []byte { return testimageWebP(t, src) }, 0},
	} {
		t.Run(string(tc.f), func(t *testing.T) {
			img, info, err := codecs.Decode(context.Background(), tc.data(t), codecs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.f || info.Width != 64 || info.Height != 48 {
				t.Errorf("Info = %+v", info)
			}
			if img.Bounds() != image.Rect(0, 0, 64, 48) {
				t.Errorf("bounds %v", img.Bounds())
			}
			checkQuads(t, img, tc.tol)
			if tc.tol == 0 {
				for y := range 48 {
					for x := range 64 {
						if got, want := nrgbaAt(img, x, y), src.NRGBAAt(x, y); got != want {
							t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
						}
					}
				}
			}
		})
	}
}

// TestDecodeWebPSolid decodes the hand-made lossless WebP, so WebP decoding
// is tested whatever the state of testimage, and shows the bomb used in the
// hostile-header tests is a real image.
func TestDecodeWebPSolid(t *testing.T) {
	c := color.NRGBA{200, 100, 50, 128}
	img, info, err := codecs.Decode(context.Background(), webpSolid(37, 21, c), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != codecs.WebP || dims(img) != "37×21" {
		t.Fatalf("Info %+v, image %s", info, dims(img))
	}
	for _, p := range []image.Point{{0, 0}, {36, 20}, {18, 10}} {
		if got := nrgbaAt(img, p.X, p.Y); got != c {
			t.Errorf("pixel %v = %v, want %v", p, got, c)
		}
	}
	if codecs.Opaque(img) {
		t.Error("Opaque reports a half-transparent image opaque")
	}
}

func TestDecodeTruncated(t *testing.T) {
	src := noise(256, 256, 1)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"jpeg", encJPEG(t, src, 90)},
		{"png", encPNG(t, src)},
		{"gif", encGIF(t, src)},
		{"webp", webpSolid(64, 48, color.NRGBA{1, 2, 3, 4})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Cut in the body: the header is intact, so Probe accepts the
			// data and the decoder meets the end of the input.
			cuts := []int{len(tc.data) / 2, len(tc.data) - 3}
			if tc.name == "webp" {
				cuts = []int{len(tc.data) - 6}
			}
			for _, n := range cuts {
				data := tc.data[:n]
				if _, err := codecs.Probe(data, codecs.Limits{}); err != nil {
					t.Fatalf("cut at %d of %d: Probe: %v", n, len(tc.data), err)
				}
				img, _, err := codecs.Decode(context.Background(), data, codecs.Limits{})
				wantErr(t, err, codecs.ErrCorrupt, "")
				if img != nil {
					t.Error("Decode returned an image")
				}
			}
		})
	}
}

// panicky registers a codec for "panicky" files whose DecodeConfig or
// Decode panics.
func panicky(t *testing.T, inConfig bool) []byte {
	t.Helper()
	fakeCodec(t, codecs.Codec{
		Format: "panicky",
		Match:  fakeMatch("PANIC!"),
		DecodeConfig: func(r io.Reader) (image.Config, error) {
			if inConfig {
				var s []int
				_ = s[3] // index out of range
			}
			return image.Config{Width: 4, Height: 4}, nil
		},
		Decode: func(r io.Reader) (image.Image, error) {
			io.ReadAll(r)
			panic("boom in the decoder")
		},
	})
	return []byte("PANIC! and some bytes")
}

func TestDecoderPanicIsCorrupt(t *testing.T) {
	data := panicky(t, false)
	if _, err := codecs.Probe(data, codecs.Limits{}); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	wantErr(t, err, codecs.ErrCorrupt, "")
	if img != nil {
		t.Error("Decode returned an image")
	}
	if info.Format != "panicky" {
		t.Errorf("Info = %+v", info)
	}
	if want := "codecs: decode panicky: corrupt image: decoder panicked: boom in the decoder"; err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
}

func TestDecodeConfigPanicIsCorrupt(t *testing.T) {
	data := panicky(t, true)
	_, err := codecs.Probe(data, codecs.Limits{})
	wantErr(t, err, codecs.ErrCorrupt, "")
	if !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("err = %v, want the panic value", err)
	}
	_, _, err = codecs.Decode(context.Background(), data, codecs.Limits{})
	wantErr(t, err, codecs.ErrCorrupt, "")
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	img, _, err := codecs.Decode(ctx, encPNG(t, quads(64, 48)), codecs.Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("err = %v matches ErrCorrupt", err)
	}
	if img != nil {
		t.Error("Decode returned an image")
	}
	// Cancelled before it starts, Decode does not even sniff.
	if _, _, err := codecs.Decode(ctx, []byte("not an image"), codecs.Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// slowCodec registers a codec that reads its input one byte per
// millisecond, reporting a read error through wrap.
func slowCodec(t *testing.T, name codecs.Format, wrap func(error) error) []byte {
	t.Helper()
	magic := "SLOW:" + string(name) + ":"
	fakeCodec(t, codecs.Codec{
		Format:       name,
		Match:        fakeMatch(magic),
		DecodeConfig: fixedConfig(1, 1),
		Decode: func(r io.Reader) (image.Image, error) {
			var b [1]byte
			for {
				if _, err := r.Read(b[:]); err == io.EOF {
					return image.NewNRGBA(image.Rect(0, 0, 1, 1)), nil
				} else if err != nil {
					return nil, wrap(err)
				}
				time.Sleep(time.Millisecond)
			}
		},
	})
	return append([]byte(magic), make([]byte, 5000)...) // ≥ 5 s at full length
}

func TestDecodeDeadlineDuringSlowDecode(t *testing.T) {
	for _, tc := range []struct {
		name codecs.Format
		wrap func(error) error
	}{
		{"slowwrap", func(err error) error { return fmt.Errorf("slow: %w", err) }},
		// A decoder that loses the error chain, as image/gif does.
		{"slowlossy", func(err error) error { return fmt.Errorf("slow: %v", err) }},
	} {
		t.Run(string(tc.name), func(t *testing.T) {
			data := slowCodec(t, tc.name, tc.wrap)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			img, _, err := codecs.Decode(ctx, data, codecs.Limits{})
			elapsed := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			if errors.Is(err, codecs.ErrCorrupt) {
				t.Errorf("err = %v matches ErrCorrupt", err)
			}
			if img != nil {
				t.Error("Decode returned an image")
			}
			if elapsed > time.Second {
				t.Errorf("Decode took %v after a 50ms deadline", elapsed)
			}
		})
	}
	// Without a deadline, the same codec finishes.
	data := slowCodec(t, "slowok", func(err error) error { return err })
	if _, _, err := codecs.Decode(context.Background(), data[:len(data)-4950], codecs.Limits{}); err != nil {
		t.Errorf("without deadline: %v", err)
	}
}

// TestDecodeTimeoutLimit: the decode_timeout limit stops a slow decode on
// its own, as a resource limit (ErrTooLarge) rather than the caller's
// deadline.
func TestDecodeTimeoutLimit(t *testing.T) {
	data := slowCodec(t, "slowlimit", func(err error) error { return fmt.Errorf("slow: %v", err) })
	start := time.Now()
	_, _, err := codecs.Decode(context.Background(), data, codecs.Limits{DecodeTimeout: codecs.Duration(50 * time.Millisecond)})
	if !errors.Is(err, codecs.ErrTooLarge) || !strings.Contains(err.Error(), "decode_timeout") {
		t.Fatalf("err = %v, want ErrTooLarge naming decode_timeout", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v matches the caller's DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Decode took %v with a 50ms decode_timeout", d)
	}
}

func TestDecodeBoundsMismatch(t *testing.T) {
	for _, tc := range []struct {
		name   codecs.Format
		bounds image.Rectangle
	}{
		{"smaller", image.Rect(0, 0, 3, 4)},
		{"offset", image.Rect(1, 1, 5, 5)},
	} {
		t.Run(string(tc.name), func(t *testing.T) {
			fakeCodec(t, codecs.Codec{
				Format:       tc.name,
				Match:        fakeMatch("LIAR:" + string(tc.name)),
				DecodeConfig: fixedConfig(4, 4),
				Decode: func(io.Reader) (image.Image, error) {
					return image.NewGray(tc.bounds), nil
				},
			})
			_, _, err := codecs.Decode(context.Background(), []byte("LIAR:"+string(tc.name)), codecs.Limits{})
			wantErr(t, err, codecs.ErrCorrupt, "")
		})
	}
	t.Run("nil image", func(t *testing.T) {
		fakeCodec(t, codecs.Codec{
			Format:       "nilimage",
			Match:        fakeMatch("NIL!"),
			DecodeConfig: fixedConfig(4, 4),
			Decode:       func(io.Reader) (image.Image, error) { return nil, nil },
		})
		_, _, err := codecs.Decode(context.Background(), []byte("NIL!"), codecs.Limits{})
		wantErr(t, err, codecs.ErrCorrupt, "")
	})
}

// gifWithOffsetFrame encodes a w×h GIF whose only frame covers r, filled
// with palette index 1.
func gifWithOffsetFrame(t *testing.T, w, h int, r image.Rectangle, pal color.Palette) []byte {
	t.Helper()
	frame := image.NewPaletted(r, pal)
	for i := range frame.Pix {
		frame.Pix[i] = 1
	}
	frame.Pix[0] = 2 // top-left pixel of the frame differs
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{
		Image:  []*image.Paletted{frame},
		Delay:  []int{0},
		Config: image.Config{ColorModel: pal, Width: w, Height: h},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeGIFFrameOffset(t *testing.T) {
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	frameRect := image.Rect(10, 5, 30, 25)
	full := make(color.Palette, 256)
	for i := range full {
		full[i] = color.RGBA{uint8(i), uint8(i), 100, 255}
	}
	full[1], full[2] = red, blue
	for _, tc := range []struct {
		name     string
		pal      color.Palette
		wantType string
	}{
		{"palette with transparent entry", color.Palette{color.RGBA{}, red, blue}, "*image.Paletted"},
		{"opaque palette with room", color.Palette{color.RGBA{0, 255, 0, 255}, red, blue, color.White}, "*image.Paletted"},
		{"full opaque palette", full, "*image.NRGBA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := gifWithOffsetFrame(t, 40, 30, frameRect, tc.pal)
			img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 40 || info.Height != 30 || img.Bounds() != image.Rect(0, 0, 40, 30) {
				t.Fatalf("Info %+v, bounds %v", info, img.Bounds())
			}
			if got := fmt.Sprintf("%T", img); got != tc.wantType {
				t.Errorf("image type %s, want %s", got, tc.wantType)
			}
			transparent := color.NRGBA{}
			for y := range 30 {
				for x := range 40 {
					want := transparent
					switch p := image.Pt(x, y); {
					case p == frameRect.Min:
						want = color.NRGBA{0, 0, 255, 255}
					case p.In(frameRect):
						want = color.NRGBA{255, 0, 0, 255}
					}
					if got := nrgbaAt(img, x, y); got != want {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
					}
				}
			}
			if codecs.Opaque(img) {
				t.Error("a canvas with uncovered pixels is opaque")
			}
		})
	}
	// A frame covering the whole screen is returned as decoded.
	img, _, err := codecs.Decode(context.Background(), gifWithOffsetFrame(t, 40, 30, image.Rect(0, 0, 40, 30), palette.Plan9), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := img.(*image.Paletted); !ok || len(p.Palette) != len(palette.Plan9) {
		t.Errorf("full-screen frame: %T", img)
	}
}

// TestDecodeGIFFirstFrame checks only the first frame of an animation is
// decoded.
func TestDecodeGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	f1 := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
	f2 := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 1
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	img, _, err := codecs.Decode(context.Background(), buf.Bytes(), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := nrgbaAt(img, 4, 4); got != (color.NRGBA{255, 0, 0, 255}) {
		t.Errorf("pixel = %v, want the first frame's red", got)
	}
}
