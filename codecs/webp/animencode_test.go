package webp_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// encodeAll writes a as an animated WebP, failing the test on error.
func encodeAll(t testing.TB, a *codecs.Animation, o codecs.EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codecs.EncodeAll(context.Background(), &buf, a, codecs.WebP, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// delaysMS returns the delays of n frames cycling through ms milliseconds.
func delaysMS(n int, ms ...int) []time.Duration {
	var d []time.Duration
	for i := range n {
		d = append(d, time.Duration(ms[i%len(ms)])*time.Millisecond)
	}
	return d
}

// TestEncodeAllRoundTrip encodes animations with each engine and checks
// the file with libwebp's tools (webpinfo finds no error; webpmux -info
// lists the canvas, loop count, frames, durations, even offsets, no
// blending, no disposal), and the pixels as our DecodeAll and Pillow
// (libwebp's WebPAnimDecoder) decode them: lossless exactly as the
// source (colour under transparent pixels aside), lossy at 35 dB or more
// from the source at quality 90. Later frames are coded as the rectangle
// that changed.
func TestEncodeAllRoundTrip(t *testing.T) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, tc := range []struct {
				name  string
				a     *codecs.Animation
				o     codecs.EncodeOptions
				alpha bool
				// cropped: some later frame is coded as a sub-rectangle.
				cropped bool
			}{
				{"lossless alpha", &codecs.Animation{Frames: frames(4, 96, 64, true), Delays: delaysMS(4, 40, 100, 1500, 20), Loops: 3},
					codecs.EncodeOptions{Lossless: true}, true, false},
				{"lossless sprite on transparent", &codecs.Animation{Frames: sprites(6, 120, 80, false), Delays: delaysMS(6, 70), Loops: 1},
					codecs.EncodeOptions{Lossless: true}, true, true},
				{"lossy q90 sprite on a photo", &codecs.Animation{Frames: sprites(6, 160, 120, true), Delays: delaysMS(6, 30, 60)},
					codecs.EncodeOptions{Quality: 90}, false, true},
				{"lossy q90 alpha", &codecs.Animation{Frames: frames(3, 160, 120, true), Delays: delaysMS(3, 100), Loops: 2},
					codecs.EncodeOptions{Quality: 90}, true, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					data := encodeAll(t, tc.a, tc.o)
					n, size := len(tc.a.Frames), tc.a.Size()
					m := webpmuxInfo(t, data)
					wantFeatures := map[bool]string{false: "animation", true: "animation transparency"}[tc.alpha]
					if m.canvas != size || m.loops != tc.a.Loops || len(m.frames) != n || m.features != wantFeatures || m.bg != "0x00000000" {
						t.Errorf("webpmux -info: canvas %v, loops %d, %d frames, %q, background %s; want %v, %d, %d, %q, 0x00000000",
							m.canvas, m.loops, len(m.frames), m.features, m.bg, size, tc.a.Loops, n, wantFeatures)
					}
					cropped := false
					for i, f := range m.frames {
						if f.duration != int(tc.a.Delays[i]/time.Millisecond) || f.blend != "no" || f.dispose != "none" ||
							f.rect.Min.X%2 != 0 || f.rect.Min.Y%2 != 0 || (i == 0 && f.rect != image.Rectangle{Max: size}) {
							t.Errorf("webpmux -info frame %d: %+v", i+1, f)
						}
						wantCompression := map[bool]string{false: "lossy", true: "lossless"}[tc.o.Lossless]
						if f.compression != wantCompression {
							t.Errorf("frame %d: %s, want %s", i+1, f.compression, wantCompression)
						}
						cropped = cropped || f.rect.Size() != size
					}
					if cropped != tc.cropped {
						t.Errorf("frames coded as sub-rectangles: %v, want %v", cropped, tc.cropped)
					}
					a, info := decodeAll(t, data)
					if info.Frames != n || len(a.Frames) != n || a.Loops != tc.a.Loops {
						t.Fatalf("DecodeAll: %d frames (Info %d), loops %d", len(a.Frames), info.Frames, a.Loops)
					}
					p := pillow(t, data, n)
					worst, worstPillow, worstStill := 1e9, 1e9, 1e9
					for i, f := range a.Frames {
						if a.Delays[i] != tc.a.Delays[i] || p.delays[i] != int(tc.a.Delays[i]/time.Millisecond) {
							t.Errorf("frame %d: delay %v, Pillow's %d ms, want %v", i, a.Delays[i], p.delays[i], tc.a.Delays[i])
						}
						if tc.o.Lossless {
							if d := diff(tc.a.Frames[i], f, true); d != "" {
								t.Errorf("frame %d differs from the source: %s", i, d)
							}
							if d := diff(p.frames[i], f, true); d != "" {
								t.Errorf("frame %d differs from Pillow's: %s", i, d)
							}
							continue
						}
						worst = min(worst, testimage.PSNR(t, tc.a.Frames[i], f, tc.alpha))
						worstPillow = min(worstPillow, testimage.PSNR(t, tc.a.Frames[i], p.frames[i], tc.alpha))
						// The frame encoded whole as a still, for comparison.
						still, _ := decode(t, encode(t, tc.a.Frames[i], tc.o))
						worstStill = min(worstStill, testimage.PSNR(t, tc.a.Frames[i], still, tc.alpha))
					}
					if tc.o.Lossless {
						return
					}
					t.Logf("%d bytes; worst frame %.2f dB from the source (Pillow's decode %.2f dB; as stills %.2f dB)", len(data), worst, worstPillow, worstStill)
					if worst < 35 || worstPillow < 35 || worst < worstStill-1 {
						t.Errorf("worst frame %.2f dB from the source, Pillow's %.2f dB; want ≥ 35 and within 1 dB of the stills' %.2f dB", worst, worstPillow, worstStill)
					}
				})
			}
		})
	}
}

// TestEncodeAllCropping: frames identical to the one before are kept
// (1×1, with their delays), and a small change is coded as a small
// rectangle at even coordinates; the file is much smaller than with whole
// frames.
func TestEncodeAllCropping(t *testing.T) {
	base := testimage.Photo(200, 150)
	var fs []image.Image
	for i := range 5 {
		m := image.NewNRGBA(base.Rect)
		copy(m.Pix, base.Pix)
		if i >= 3 {
			m.SetNRGBA(101, 75, color.NRGBA{255, 0, 0, 255})
			m.SetNRGBA(104, 77, color.NRGBA{0, 0, 255, 255})
		}
		fs = append(fs, m)
	}
	a := &codecs.Animation{Frames: fs, Delays: delaysMS(5, 10, 20, 30, 40, 50)}
	data := encodeAll(t, a, codecs.EncodeOptions{Lossless: true})
	got, _ := decodeAll(t, data)
	if len(got.Frames) != 5 {
		t.Fatalf("%d frames, want 5", len(got.Frames))
	}
	for i := range fs {
		if d := diff(fs[i], got.Frames[i], true); d != "" || got.Delays[i] != a.Delays[i] {
			t.Errorf("frame %d: %s, delay %v", i, d, got.Delays[i])
		}
	}
	m := webpmuxInfo(t, data)
	want := []image.Rectangle{base.Rect, image.Rect(0, 0, 1, 1), image.Rect(0, 0, 1, 1), image.Rect(100, 74, 105, 78), image.Rect(0, 0, 1, 1)}
	for i, f := range m.frames {
		if f.rect != want[i] {
			t.Errorf("frame %d coded as %v, want %v", i+1, f.rect, want[i])
		}
	}
	still := encode(t, base, codecs.EncodeOptions{Lossless: true})
	t.Logf("%d bytes for 5 frames, %d for one still", len(data), len(still))
	if len(data) > len(still)+1000 {
		t.Errorf("%d bytes for 5 frames, %d for one: the unchanged frames were not cropped", len(data), len(still))
	}
}

// TestEncodeAllRefused: a canvas over MaxSide, frames of different sizes,
// a done context.
func TestEncodeAllRefused(t *testing.T) {
	wide := &codecs.Animation{Frames: []image.Image{image.NewNRGBA(image.Rect(0, 0, 16384, 1))}, Delays: delaysMS(1, 10)}
	if err := codecs.EncodeAll(context.Background(), &bytes.Buffer{}, wide, codecs.WebP, codecs.EncodeOptions{}); !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("16384×1: %v, want ErrTooLarge", err)
	}
	mixed := &codecs.Animation{Frames: []image.Image{image.NewNRGBA(image.Rect(0, 0, 4, 4)), image.NewNRGBA(image.Rect(0, 0, 4, 5))}, Delays: delaysMS(2, 10)}
	if err := codecs.EncodeAll(context.Background(), &bytes.Buffer{}, mixed, codecs.WebP, codecs.EncodeOptions{}); err == nil {
		t.Error("frames of different sizes accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok := &codecs.Animation{Frames: frames(2, 16, 16, false), Delays: delaysMS(2, 10)}
	if err := codecs.EncodeAll(ctx, &bytes.Buffer{}, ok, codecs.WebP, codecs.EncodeOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v, want context.Canceled", err)
	}
}

// TestEncodeAllReencode: an animation img2webp made with sub-frames,
// blending and disposal, decoded and encoded again losslessly, decodes to
// the same frames, delays and loop count; a still WebP counts one frame
// and DecodeAll gives Decode's image.
func TestEncodeAllReencode(t *testing.T) {
	data := img2webp(t, sprites(6, 90, 60, false), []int{30, 70, 110}, "-lossless", "-loop", "4")
	a, _ := decodeAll(t, data)
	again, _ := decodeAll(t, encodeAll(t, a, codecs.EncodeOptions{Lossless: true}))
	if len(again.Frames) != len(a.Frames) || again.Loops != 4 {
		t.Fatalf("%d frames, loops %d; want %d and 4", len(again.Frames), again.Loops, len(a.Frames))
	}
	for i := range a.Frames {
		if d := diff(a.Frames[i], again.Frames[i], true); d != "" || again.Delays[i] != a.Delays[i] {
			t.Errorf("frame %d: %s; delay %v, want %v", i, d, again.Delays[i], a.Delays[i])
		}
	}

	for _, still := range [][]byte{testimage.WebP(testimage.Pattern(8, 6), nil), encode(t, testimage.Photo(64, 48), codecs.EncodeOptions{})} {
		sa, info := decodeAll(t, still)
		img, _ := decode(t, still)
		if info.Frames != 1 || len(sa.Frames) != 1 || diff(img, sa.Frames[0], true) != "" {
			t.Errorf("still: Info.Frames %d, %d frames", info.Frames, len(sa.Frames))
		} else if _, ok := sa.Frames[0].(*image.NRGBA); !ok {
			t.Errorf("still: DecodeAll gives a %T, want *image.NRGBA", sa.Frames[0])
		}
	}
}
