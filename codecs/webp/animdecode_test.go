package webp_test

import (
	"context"
	"errors"
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
	solid := func(w, h int, c color.NRGBA) []any { return []any{"VP8L", testimage.SolidVP8L(w, h, c)} }
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

// manyFrames returns an animation of n 1×1 lossless frames on a w×h
// canvas: a few dozen bytes a frame.
func manyFrames(n, w, h int) []byte {
	chunks := []any{"VP8X", vp8x(vp8xAnim, w, h), "ANIM", anim(0)}
	for i := range n {
		chunks = append(chunks, "ANMF", anmf(2*(i%(w/2)), 0, 1, 1, "VP8L", testimage.SolidVP8L(1, 1, color.NRGBA{uint8(i), 0, 0, 255})))
	}
	return riff(chunks...)
}

// TestDecodeAllLimits: an animation whose frames are too many, or whose
// frames × canvas pixels are over MaxPixels, is refused from its
// container, small as it is, before any frame is decoded; its still is
// not.
func TestDecodeAllLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		lim    codecs.Limits
		frames int
		limit  string
	}{
		{"1001 frames", manyFrames(1001, 64, 64), codecs.Limits{}, 1001, "max_frames"},
		{"10 frames, max_frames 9", manyFrames(10, 64, 64), codecs.Limits{MaxFrames: 9}, 10, "max_frames"},
		{"4 frames of 4000×4000", manyFrames(4, 4000, 4000), codecs.Limits{}, 4, "max_pixels"},
		{"100 frames of 1000×1000", manyFrames(100, 1000, 1000), codecs.Limits{}, 100, "max_pixels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var info codecs.Info
			start := time.Now()
			alloc := allocatedBy(func() { _, info, err = codecs.DecodeAll(context.Background(), tc.data, tc.lim) })
			var le *codecs.LimitError
			if !errors.Is(err, codecs.ErrTooLarge) || !errors.As(err, &le) || le.Limit != tc.limit {
				t.Fatalf("DecodeAll: %v, want a %s LimitError", err, tc.limit)
			}
			if info.Frames != tc.frames {
				t.Errorf("Info.Frames %d, want %d", info.Frames, tc.frames)
			}
			if d := time.Since(start); d > 200*time.Millisecond || alloc > 1<<20 {
				t.Errorf("took %v and %d bytes (file %d bytes) to refuse it", d, alloc, len(tc.data))
			}
			if _, _, err := codecs.Decode(context.Background(), tc.data, tc.lim); err != nil {
				t.Errorf("Decode (the first frame): %v", err)
			}
		})
	}
	a, _, err := codecs.DecodeAll(context.Background(), manyFrames(1000, 64, 64), codecs.Limits{})
	if err != nil || len(a.Frames) != 1000 {
		t.Fatalf("1000 frames: %v", err)
	}
}

// countdown is a context whose Err reports it cancelled from its n-th
// call on.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n--; c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// TestDecodeAllContext: a done context stops DecodeAll before the first
// frame, between frames and while a frame is read; a decode_timeout
// reached is ErrTooLarge.
func TestDecodeAllContext(t *testing.T) {
	data := manyFrames(50, 64, 64)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := codecs.DecodeAll(ctx, data, codecs.Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v, want context.Canceled", err)
	}
	if _, _, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{DecodeTimeout: 1}); !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("1 ns decode_timeout: %v, want ErrTooLarge", err)
	}
	c, _ := codecs.Lookup(codecs.WebP)
	info, err := codecs.Probe(data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 5, 17, 60} {
		a, err := c.DecodeAll(&countdown{context.Background(), n}, data, info, codecs.Limits{})
		if !errors.Is(err, context.Canceled) || a != nil {
			t.Errorf("context cancelled at its check %d: %v, %v; want context.Canceled and no animation", n, a, err)
		}
	}
}

// TestDecodeAllMemory: beyond the displayed frames, what DecodeAll
// allocates for each frame fits in the two canvases
// codecs.AnimationMemory allows besides them, 8 B per canvas pixel
// (measured: 6.3 and 5.9 B for whole lossy-with-alpha and lossless
// frames).
func TestDecodeAllMemory(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []string
	}{
		{"lossy alpha", []string{"-lossy", "-q", "75"}},
		{"lossless alpha", []string{"-lossless"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, w, h = 6, 320, 240
			data := img2webp(t, frames(n, w, h, true), nil, tc.opts...)
			var err error
			alloc := allocatedBy(func() { _, _, err = codecs.DecodeAll(context.Background(), data, codecs.Limits{}) })
			if err != nil {
				t.Fatal(err)
			}
			canvas := float64(4 * w * h)
			perFrame := (float64(alloc) - n*canvas) / n
			t.Logf("allocated %d bytes: %.1f B per canvas pixel and frame beyond the frames", alloc, perFrame/(w*h))
			if perFrame > 2*canvas || int64(alloc) > codecs.AnimationMemory(w, h, n)+n*int64(2*canvas) {
				t.Errorf("allocated %d bytes, %.0f a frame beyond the frames: over two canvases (%.0f)", alloc, perFrame, 2*canvas)
			}
		})
	}
}
