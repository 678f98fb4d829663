package webp_test

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// needSystemDecoder skips a test of the system libwebp's decoding where it
// does not load.
func needSystemDecoder(t *testing.T) {
	t.Helper()
	t.Setenv(webp.EngineEnv, "")
	if e := webp.DecodeEngine(); e != webp.EngineSystem {
		t.Skipf("decode engine %q: the system's libwebp (1.0 or later) does not load", e)
	}
}

// TestDecodeSystemPlanes: a lossy still without alpha, simple or
// extended (VP8X), is decoded by the system's libwebp, and its planes are
// dwebp's (-yuv writes VP8's samples as decoded) brought to full range by
// the formula of libwebp's yuv.h, computed here on its own; with the Go
// engine forced the same file decodes to the same picture, by
// golang.org/x/image/webp.
func TestDecodeSystemPlanes(t *testing.T) {
	needSystemDecoder(t)
	full := func(v byte, luma bool) byte {
		x := (float64(v)-128)*255/224 + 128
		if luma {
			x = (float64(v) - 16) * 255 / 219
		}
		return byte(math.Min(math.Max(math.Round(x), 0), 255))
	}
	for _, tc := range []struct {
		name string
		w, h int
		vp8x bool
	}{
		{"640x480", 640, 480, false},
		{"641x479", 641, 479, false},
		{"1x1", 1, 1, false},
		{"17x3", 17, 3, false},
		{"VP8X 333x211", 333, 211, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := cwebp(t, testimage.Photo(tc.w, tc.h), "-q", "80")
			if tc.vp8x {
				// The same VP8 chunk in the extended format, with an
				// EXIF chunk after it.
				vp8 := data[20 : 20+int(uint32(data[16])|uint32(data[17])<<8|uint32(data[18])<<16|uint32(data[19])<<24)]
				data = riff("VP8X", vp8x(1<<3, tc.w, tc.h), "VP8 ", vp8, "EXIF", []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00"))
			}
			raw := testimage.Convert(t, "dwebp", data, ".webp", ".yuv", "-quiet", "-yuv")
			before := webp.SystemDecodes()
			img, info := decode(t, data)
			if n := webp.SystemDecodes() - before; n != 1 {
				t.Fatalf("%d decodes by the system's libwebp, want 1", n)
			}
			m, ok := img.(*image.YCbCr)
			if !ok || m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect != image.Rect(0, 0, tc.w, tc.h) {
				t.Fatalf("decoded %T %v, want a %d×%d 4:2:0 image.YCbCr", img, img.Bounds(), tc.w, tc.h)
			}
			if info.Width != tc.w || info.Height != tc.h {
				t.Errorf("info %d×%d", info.Width, info.Height)
			}
			cw, ch := (tc.w+1)/2, (tc.h+1)/2
			if len(raw) != tc.w*tc.h+2*cw*ch {
				t.Fatalf("dwebp -yuv wrote %d bytes for %d×%d", len(raw), tc.w, tc.h)
			}
			planes := []struct {
				name         string
				got, want    []byte
				w, h, stride int
				luma         bool
			}{
				{"Y", m.Y, raw[:tc.w*tc.h], tc.w, tc.h, m.YStride, true},
				{"Cb", m.Cb, raw[tc.w*tc.h : tc.w*tc.h+cw*ch], cw, ch, m.CStride, false},
				{"Cr", m.Cr, raw[tc.w*tc.h+cw*ch:], cw, ch, m.CStride, false},
			}
			for _, p := range planes {
				for y := range p.h {
					for x := range p.w {
						if g, w := p.got[y*p.stride+x], full(p.want[y*p.w+x], p.luma); g != w {
							t.Fatalf("%s at (%d,%d): %d, want %d (dwebp's %d to full range)", p.name, x, y, g, w, p.want[y*p.w+x])
						}
					}
				}
			}

			t.Setenv(webp.EngineEnv, webp.EngineWasm)
			before = webp.SystemDecodes()
			goImg, _ := decode(t, data)
			if webp.SystemDecodes() != before {
				t.Fatal("the system's libwebp decoded with the Go engine forced")
			}
			g, ok := goImg.(*image.YCbCr)
			if !ok {
				t.Fatalf("golang.org/x/image/webp decoded a %T", goImg)
			}
			if d := webp.YCbCrDiff(g, m); d != "" {
				t.Errorf("golang.org/x/image/webp against libwebp: %s", d)
			}
		})
	}
}

// TestDecodeSystemLeaves: what is not a lossy still without alpha, and
// what libwebp does not decode, is left to golang.org/x/image/webp, which
// decodes it (or refuses it) as it did before libwebp was used.
func TestDecodeSystemLeaves(t *testing.T) {
	needSystemDecoder(t)
	src := testimage.Photo(64, 48)
	lossy := cwebp(t, src, "-q", "80")
	for _, tc := range []struct {
		name string
		data []byte
		want string // decoded type, or "" for an error
	}{
		{"lossy with alpha", cwebp(t, testimage.WithAlpha(src), "-q", "80"), "*image.NYCbCrA"},
		{"lossless", cwebp(t, src, "-lossless"), "*image.NRGBA"},
		{"animated", testimage.WebP(testimage.Pattern(8, 6), nil), ""},
		{"lossy cut short", lossy[:len(lossy)*2/3], ""},
		{"lossy, its size in VP8X larger than the frame's", riff("VP8X", vp8x(0, 65, 48), "VP8 ", lossy[20:]), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := webp.SystemDecodes()
			img, _, err := codecs.Decode(context.Background(), tc.data, codecs.Limits{})
			if n := webp.SystemDecodes() - before; n != 0 {
				t.Errorf("%d decodes by the system's libwebp", n)
			}
			switch {
			case tc.want == "" && err == nil && tc.name != "animated":
				t.Errorf("decoded a %T, want an error", img)
			case tc.want != "" && err != nil:
				t.Errorf("error %v, want a %s", err, tc.want)
			case tc.want != "" && typeName(img) != tc.want:
				t.Errorf("decoded a %s, want a %s", typeName(img), tc.want)
			}
		})
	}
}
