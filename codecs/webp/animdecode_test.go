package webp_test

import (
	"context"
	"image"
	"image/color"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// decodeAll decodes every frame of data, failing the test on error.
func decodeAll(t testing.TB, data []byte) (*codecs.Animation, codecs.Info) {
	t.Helper()
	a, info, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return a, info
}

// TestDecodeAllMatchesPillow decodes animations made by img2webp
// (libwebp's WebPAnimEncoder, which codes later frames as sub-rectangles
// and chooses blending and disposal for each) and compares every frame
// with Pillow's (libwebp's WebPAnimDecoder): lossless exactly, alpha
// included; lossy at 38 dB or more (measured 40.2–49.1 dB), the gap being
// chroma upsampling as in TestDecodeLossyMatchesDwebp: dwebp's default
// "fancy" upsampling, which Pillow's decoder uses, is 39.4 dB from our
// first frame of the mixed case, dwebp -nofancy 51.8 dB. Delays and the
// loop count too.
func TestDecodeAllMatchesPillow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		frames   []image.Image
		delays   []int
		opts     []string
		loops    int
		lossless bool
	}{
		{"lossless alpha", frames(5, 96, 64, true), []int{40, 100, 250}, []string{"-lossless", "-loop", "3"}, 3, true},
		{"lossless sprite on transparent", sprites(8, 120, 80, false), []int{70}, []string{"-lossless"}, 0, true},
		{"lossless sprite on a photo", sprites(8, 120, 80, true), []int{30, 60}, []string{"-lossless", "-loop", "1"}, 1, true},
		{"lossy sprite on transparent", sprites(6, 160, 120, false), []int{100}, []string{"-lossy", "-q", "90"}, 0, false},
		{"lossy alpha", frames(3, 320, 240, true), []int{100, 20}, []string{"-lossy", "-q", "90", "-loop", "2"}, 2, false},
		{"mixed sprite on a photo", sprites(6, 160, 120, true), []int{50}, []string{"-mixed", "-q", "80"}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := img2webp(t, tc.frames, tc.delays, tc.opts...)
			a, info := decodeAll(t, data)
			n := len(tc.frames)
			if info.Frames != n || len(a.Frames) != n {
				t.Fatalf("Info.Frames %d, %d frames decoded, want %d", info.Frames, len(a.Frames), n)
			}
			if a.Loops != tc.loops {
				t.Errorf("Loops %d, want %d", a.Loops, tc.loops)
			}
			p := pillow(t, data, n)
			if p.n != n || p.loop != tc.loops {
				t.Errorf("Pillow reads %d frames, loop %d", p.n, p.loop)
			}
			alpha := p.mode == "RGBA"
			worst := 1e9
			for i, f := range a.Frames {
				want := time.Duration(tc.delays[i%len(tc.delays)]) * time.Millisecond
				if a.Delays[i] != want || p.delays[i] != int(want/time.Millisecond) {
					t.Errorf("frame %d: delay %v, Pillow's %d ms, want %v", i, a.Delays[i], p.delays[i], want)
				}
				if _, ok := f.(*image.NRGBA); !ok || f.Bounds() != image.Rect(0, 0, info.Width, info.Height) {
					t.Fatalf("frame %d: %T %v", i, f, f.Bounds())
				}
				if tc.lossless {
					if d := diff(f, p.frames[i], alpha); d != "" {
						t.Errorf("frame %d differs from Pillow's: %s", i, d)
					}
					continue
				}
				worst = min(worst, testimage.PSNR(t, p.frames[i], f, alpha))
			}
			if !tc.lossless {
				t.Logf("worst frame %.2f dB from Pillow's", worst)
				if worst < 38 {
					t.Errorf("worst frame %.2f dB from Pillow's, want ≥ 38", worst)
				}
			}
		})
	}
}

// diff compares a and b as displayed: as straight-alpha RGBA where alpha
// counts (colour under a transparent pixel does not), else as RGB over
// black; it describes the first difference, or returns "".
func diff(a, b image.Image, alpha bool) string {
	x, y := testimage.RGBA(a), testimage.RGBA(b)
	if x.Rect != y.Rect {
		return "sizes " + x.Rect.String() + " and " + y.Rect.String()
	}
	na, nb := testimage.NRGBA(a), testimage.NRGBA(b)
	for py := range x.Rect.Dy() {
		for px := range x.Rect.Dx() {
			ca, cb := na.NRGBAAt(px, py), nb.NRGBAAt(px, py)
			if !alpha {
				ra, rb := x.RGBAAt(px, py), y.RGBAAt(px, py)
				if ra.R != rb.R || ra.G != rb.G || ra.B != rb.B {
					return image.Pt(px, py).String() + ": " + fmtc(ca) + " and " + fmtc(cb)
				}
				continue
			}
			if ca.A == 0 && cb.A == 0 {
				continue
			}
			if ca != cb {
				return image.Pt(px, py).String() + ": " + fmtc(ca) + " and " + fmtc(cb)
			}
		}
	}
	return ""
}

// TestDecodeAllCompositing checks libwebp's compositing rules on
// animations built chunk by chunk from solid lossless frames: probes whose
// values follow WebPAnimDecoder's integer blending (worked out by hand),
// and every frame against Pillow's where Pillow is installed.
func TestDecodeAllCompositing(t *testing.T) {
	var (
		orange = color.NRGBA{200, 100, 50, 255}
		blue   = color.NRGBA{0, 0, 255, 255}
		gray   = color.NRGBA{128, 128, 128, 255}
		red    = color.NRGBA{255, 0, 0, 255}
		none   = color.NRGBA{}
	)
	solid := func(w, h int, c color.NRGBA) []any { return []any{"VP8L", solidVP8L(w, h, c)} }
	type probe struct {
		frame, x, y int
		want        color.NRGBA
	}
	for _, tc := range []struct {
		name   string
		frames [][]byte // ANMF payloads on a 16×12 canvas
		probes []probe
	}{
		{"blend over the previous frame", [][]byte{
			anmfWith(0, 0, 16, 12, 10, noBlend, solid(16, 12, orange)...),
			anmfWith(2, 2, 8, 6, 20, 0, solid(8, 6, color.NRGBA{10, 20, 250, 128})...),
			// Transparent pixels blended leave the canvas as it is.
			anmfWith(6, 4, 8, 6, 30, 0, solid(8, 6, color.NRGBA{0, 255, 0, 0})...),
		}, []probe{
			{1, 3, 3, color.NRGBA{104, 59, 150, 255}}, {1, 0, 0, orange}, {1, 10, 3, orange},
			{2, 3, 3, color.NRGBA{104, 59, 150, 255}}, {2, 12, 8, orange},
		}},
		{"no blending replaces, transparency included", [][]byte{
			anmfWith(0, 0, 16, 12, 10, noBlend, solid(16, 12, orange)...),
			anmfWith(2, 2, 8, 6, 20, noBlend, solid(8, 6, color.NRGBA{0, 255, 0, 0})...),
		}, []probe{{1, 3, 3, color.NRGBA{0, 255, 0, 0}}, {1, 12, 3, orange}}},
		{"disposed key frame: the next is a key frame", [][]byte{
			anmfWith(0, 0, 8, 6, 10, dispose, solid(8, 6, red)...),
			// After a disposed key frame the canvas is transparent: a key
			// frame, copied without blending.
			anmfWith(4, 2, 8, 6, 20, 0, solid(8, 6, color.NRGBA{0, 0, 255, 128})...),
			// Not a key frame: blended, over the frame before where it
			// overlaps it, and over transparency (with WebPAnimDecoder's
			// rounding: 254, not 255) elsewhere.
			anmfWith(10, 6, 4, 4, 30, 0, solid(4, 4, color.NRGBA{0, 255, 0, 100})...),
		}, []probe{
			{0, 1, 1, red}, {0, 9, 1, none},
			{1, 1, 1, none}, {1, 5, 3, color.NRGBA{0, 0, 255, 128}},
			{2, 10, 6, color.NRGBA{0, 143, 111, 178}}, {2, 12, 8, color.NRGBA{0, 254, 0, 100}},
			{2, 5, 3, color.NRGBA{0, 0, 255, 128}},
		}},
		{"disposed to background: its rectangle is not blended", [][]byte{
			anmfWith(0, 0, 16, 12, 10, noBlend, solid(16, 12, gray)...),
			anmfWith(2, 2, 8, 6, 20, dispose, solid(8, 6, red)...),
			// Where frame 2 was, the canvas is transparent and the pixels
			// are copied; elsewhere blended over grey.
			anmfWith(4, 4, 10, 8, 30, 0, solid(10, 8, color.NRGBA{0, 0, 255, 100})...),
		}, []probe{
			{1, 3, 3, red}, {1, 0, 0, gray},
			{2, 3, 3, none}, {2, 5, 5, color.NRGBA{0, 0, 255, 100}}, {2, 11, 5, color.NRGBA{77, 77, 177, 255}},
			{2, 5, 9, color.NRGBA{77, 77, 177, 255}}, {2, 15, 11, gray},
		}},
		{"full frame with alpha blends", [][]byte{
			anmfWith(0, 0, 16, 12, 10, noBlend, solid(16, 12, blue)...),
			anmfWith(0, 0, 16, 12, 20, 0, solid(16, 12, color.NRGBA{255, 0, 0, 128})...),
			anmfWith(0, 0, 16, 12, 30, noBlend, solid(16, 12, color.NRGBA{255, 0, 0, 128})...),
		}, []probe{{1, 7, 7, color.NRGBA{127, 0, 126, 255}}, {2, 7, 7, color.NRGBA{255, 0, 0, 128}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks := []any{"VP8X", vp8x(vp8xAnim|vp8xAlpha, 16, 12), "ANIM", animLoops(0xffffffff, 7)}
			for _, f := range tc.frames {
				chunks = append(chunks, "ANMF", f)
			}
			data := riff(chunks...)
			a, info := decodeAll(t, data)
			if info.Frames != len(tc.frames) || len(a.Frames) != len(tc.frames) || a.Loops != 7 {
				t.Fatalf("%d frames (Info %d), loops %d; want %d and 7", len(a.Frames), info.Frames, a.Loops, len(tc.frames))
			}
			for i, d := range a.Delays {
				if d != time.Duration(10*(i+1))*time.Millisecond {
					t.Errorf("frame %d: delay %v", i, d)
				}
			}
			for _, p := range tc.probes {
				if got := a.Frames[p.frame].(*image.NRGBA).NRGBAAt(p.x, p.y); got != p.want {
					t.Errorf("frame %d (%d,%d) = %v, want %v", p.frame, p.x, p.y, got, p.want)
				}
			}
			still, _ := decode(t, data)
			if d := diff(still, a.Frames[0], true); d != "" {
				t.Errorf("Decode differs from the first frame: %s", d)
			}
			if _, err := exec.LookPath("/usr/bin/python3"); err != nil && os.Getenv(testimage.RequireToolsEnv) != "1" {
				return
			}
			p := pillow(t, data, len(tc.frames))
			for i, f := range a.Frames {
				if d := diff(f, p.frames[i], true); d != "" {
					t.Errorf("frame %d differs from Pillow's: %s", i, d)
				}
			}
		})
	}
}

// TestDecodeAllMatchesPillowBuilt composites photographic frames with
// alpha, coded by cwebp (lossless, or lossy with an ALPH chunk), at
// offsets, with every combination of blending and disposal, and compares
// every frame with Pillow's: lossless exactly, lossy at 38 dB or more
// (measured 39.8–43.6 dB: chroma upsampling, see above).
func TestDecodeAllMatchesPillowBuilt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		lossless bool
	}{
		{"lossless", []string{"-lossless"}, true},
		{"lossy with alpha", []string{"-q", "90"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks := []any{"VP8X", vp8x(vp8xAnim|vp8xAlpha, 96, 64), "ANIM", animLoops(0, 0)}
			n := 0
			for _, flags := range []byte{0, dispose, noBlend, dispose | noBlend, 0, noBlend, dispose, 0} {
				w, h := 40+4*n, 24+2*n
				patch := testimage.WithAlpha(testimage.Photo(w+n, h))
				frame := imageChunks(t, cwebp(t, patch.SubImage(image.Rect(n, 0, n+w, h)), tc.args...))
				at := image.Pt(6*n, 4*n).Mod(image.Rect(0, 0, 96-w, 64-h))
				at.X &^= 1
				at.Y &^= 1
				chunks = append(chunks, "ANMF", anmfWith(at.X, at.Y, w, h, 50, flags, frame...))
				n++
			}
			data := riff(chunks...)
			a, _ := decodeAll(t, data)
			p := pillow(t, data, n)
			if len(a.Frames) != n || p.n != n {
				t.Fatalf("%d frames, Pillow %d, want %d", len(a.Frames), p.n, n)
			}
			for i, f := range a.Frames {
				if tc.lossless {
					if d := diff(f, p.frames[i], true); d != "" {
						t.Errorf("frame %d differs from Pillow's: %s", i, d)
					}
					continue
				}
				psnr := testimage.PSNR(t, p.frames[i], f, true)
				t.Logf("frame %d: %.2f dB from Pillow's", i, psnr)
				if psnr < 38 {
					t.Errorf("frame %d: %.2f dB from Pillow's, want ≥ 38", i, psnr)
				}
			}
		})
	}
}
