package webp_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"math"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// useEngine sets EngineEnv to e for the test, skipping when e is the system
// engine and it cannot be used here (it needs a dynamically linked binary
// and libwebp.so).
func useEngine(t testing.TB, e string) {
	t.Helper()
	t.Setenv(webp.EngineEnv, e)
	if webp.Engine() != e {
		t.Skipf("engine %s unavailable here", e)
	}
}

var engines = []string{webp.EngineWasm, webp.EngineSystem}

func encode(t testing.TB, img image.Image, o codecs.EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, img, codecs.WebP, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEncodeMatchesCwebp encodes with the settings cwebp is given and
// compares: it is the same library (libwebp 1.4.0 built for WebAssembly,
// or the system's, which is cwebp's own), so the sizes are within 2% and
// the PSNR against the source, both decoded by dwebp, within 0.1 dB.
func TestEncodeMatchesCwebp(t *testing.T) {
	src := testimage.Photo(640, 480)
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, tc := range []struct {
				o    codecs.EncodeOptions
				args []string
			}{
				{codecs.EncodeOptions{}, []string{"-q", "75", "-m", "4"}},
				{codecs.EncodeOptions{Quality: 90}, []string{"-q", "90", "-m", "4"}},
				{codecs.EncodeOptions{Quality: 50, Speed: 1}, []string{"-q", "50", "-m", "6"}},
				{codecs.EncodeOptions{Quality: 75, Speed: 10}, []string{"-q", "75", "-m", "0"}},
			} {
				ours := encode(t, src, tc.o)
				ref := cwebp(t, src, tc.args...)
				po, pr := testimage.PSNR(t, src, dwebp(t, ours), false), testimage.PSNR(t, src, dwebp(t, ref), false)
				ratio := float64(len(ours)) / float64(len(ref))
				t.Logf("cwebp %v: ours %d B %.2f dB, cwebp %d B %.2f dB (size ×%.3f)", tc.args, len(ours), po, len(ref), pr, ratio)
				if math.Abs(ratio-1) > 0.02 || math.Abs(po-pr) > 0.1 {
					t.Errorf("cwebp %v: ours %d B %.2f dB, cwebp %d B %.2f dB", tc.args, len(ours), po, len(ref), pr)
				}
			}
		})
	}
}

// TestEncodeLossless: lossless output decodes (by dwebp) to the source,
// visible pixels exactly, at about the size cwebp -lossless makes.
func TestEncodeLossless(t *testing.T) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, src := range []*image.NRGBA{testimage.Photo(320, 240), testimage.WithAlpha(testimage.Photo(320, 240))} {
				ours := encode(t, src, codecs.EncodeOptions{Lossless: true})
				if string(ours[12:16]) != "VP8L" && string(ours[12:16]) != "VP8X" {
					t.Errorf("first chunk %q, want VP8L", ours[12:16])
				}
				if !bytes.Equal(testimage.RGBA(dwebp(t, ours)).Pix, testimage.RGBA(src).Pix) {
					t.Error("lossless round trip changed visible pixels")
				}
				ref := cwebp(t, src, "-lossless", "-q", "75", "-m", "4")
				ratio := float64(len(ours)) / float64(len(ref))
				t.Logf("lossless: ours %d B, cwebp %d B (×%.3f)", len(ours), len(ref), ratio)
				if math.Abs(ratio-1) > 0.02 {
					t.Errorf("lossless: ours %d B, cwebp -lossless %d B", len(ours), len(ref))
				}
			}
		})
	}
}

// TestEncodeAlpha: a lossy encode keeps alpha exactly (libwebp codes it
// losslessly by default); an opaque image gets no alpha at all.
func TestEncodeAlpha(t *testing.T) {
	src := testimage.WithAlpha(testimage.Photo(320, 240))
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			out := encode(t, src, codecs.EncodeOptions{Quality: 80})
			if string(out[12:16]) != "VP8X" || !bytes.Contains(out, []byte("ALPH")) {
				t.Fatalf("no ALPH chunk: % x", out[12:16])
			}
			got := testimage.NRGBA(dwebp(t, out))
			for i := 3; i < len(got.Pix); i += 4 {
				if got.Pix[i] != src.Pix[i] {
					t.Fatalf("alpha at byte %d is %d, want %d", i, got.Pix[i], src.Pix[i])
				}
			}
			if p := testimage.PSNR(t, src, got, true); p < 35 {
				t.Errorf("PSNR %.2f dB", p)
			}
			opaque := encode(t, testimage.Photo(64, 48), codecs.EncodeOptions{})
			if string(opaque[12:16]) != "VP8 " {
				t.Errorf("opaque image: first chunk %q, want \"VP8 \"", opaque[12:16])
			}
		})
	}
}

// TestEncodeImageTypes feeds every kind of image.Image the pipeline makes,
// including ones whose bounds do not start at the origin, and checks the
// lossless output against Go's own conversion of the source.
func TestEncodeImageTypes(t *testing.T) {
	base := testimage.WithAlpha(testimage.Photo(96, 64))
	rect := image.Rect(0, 0, 96, 64)
	ycc := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
	nycc := image.NewNYCbCrA(rect, image.YCbCrSubsampleRatio422)
	gray := image.NewGray(rect)
	pal := image.NewPaletted(rect, color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 128}, color.Transparent})
	rgba64 := image.NewRGBA64(rect)
	for y := range 64 {
		for x := range 96 {
			c := base.NRGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = yy, cb, cr
			nycc.Y[nycc.YOffset(x, y)], nycc.Cb[nycc.COffset(x, y)], nycc.Cr[nycc.COffset(x, y)] = yy, cb, cr
			nycc.A[nycc.AOffset(x, y)] = c.A
			gray.SetGray(x, y, color.Gray{yy})
			pal.SetColorIndex(x, y, uint8((x/8+y/8)%3))
			rgba64.Set(x, y, c)
		}
	}
	cases := map[string]image.Image{
		"NRGBA":        base,
		"RGBA":         testimage.RGBA(base),
		"YCbCr":        ycc,
		"NYCbCrA":      nycc,
		"Gray":         gray,
		"Paletted":     pal,
		"RGBA64":       rgba64,
		"NRGBA sub":    base.SubImage(image.Rect(10, 7, 90, 60)),
		"YCbCr sub":    ycc.SubImage(image.Rect(11, 5, 71, 50)),
		"RGBA sub":     testimage.RGBA(base).SubImage(image.Rect(3, 3, 50, 40)),
		"RGBA opaque":  testimage.RGBA(testimage.Photo(96, 64)),
		"RGBA opq sub": testimage.RGBA(testimage.Photo(96, 64)).SubImage(image.Rect(5, 2, 61, 50)),
		"Paletted sub": pal.SubImage(image.Rect(1, 2, 33, 44)),
	}
	for _, e := range engines {
		for name, img := range cases {
			t.Run(e+"/"+name, func(t *testing.T) {
				useEngine(t, e)
				got := dwebp(t, encode(t, img, codecs.EncodeOptions{Lossless: true}))
				if p := testimage.PSNR(t, img, got, true); p < 50 {
					t.Errorf("PSNR %.2f dB against Go's conversion of the source", p)
				}
			})
		}
	}
}

// TestEncodeYCbCrPlanes: a lossy encode of an *image.YCbCr (any
// subsampling that averages down to 4:2:0) or *image.Gray hands libwebp
// its planes, brought to VP8's limited range, instead of RGB. Decoded by
// dwebp, the result is as close to the picture the source was made from
// as the RGB path's (the same image converted to NRGBA first), within
// 0.15 dB, at its size within 5%; an image the planes cannot take (a
// 4:2:0 sub-image at an odd origin, a 4:4:4 one off the origin) gets the
// RGB path's file byte for byte.
func TestEncodeYCbCrPlanes(t *testing.T) {
	photo := testimage.Photo(333, 251)
	sub := func(m *image.YCbCr, r image.Rectangle) image.Image { return m.SubImage(r) }
	gray := image.NewGray(photo.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = photo.Pix[4*i+1]
	}
	cases := []struct {
		name   string
		img    image.Image
		planes bool
	}{
		{"420", testimage.YCbCr(photo, image.YCbCrSubsampleRatio420), true},
		{"444", testimage.YCbCr(photo, image.YCbCrSubsampleRatio444), true},
		{"422", testimage.YCbCr(photo, image.YCbCrSubsampleRatio422), true},
		{"440", testimage.YCbCr(photo, image.YCbCrSubsampleRatio440), true},
		{"gray", gray, true},
		{"420 sub even", sub(testimage.YCbCr(photo, image.YCbCrSubsampleRatio420), image.Rect(10, 4, 301, 250)), true},
		{"420 sub odd", sub(testimage.YCbCr(photo, image.YCbCrSubsampleRatio420), image.Rect(11, 5, 301, 250)), false},
		{"444 sub", sub(testimage.YCbCr(photo, image.YCbCrSubsampleRatio444), image.Rect(10, 4, 301, 250)), false},
	}
	for _, e := range engines {
		for _, tc := range cases {
			t.Run(e+"/"+tc.name, func(t *testing.T) {
				useEngine(t, e)
				rgb := testimage.NRGBA(tc.img)
				o := codecs.EncodeOptions{Quality: 90}
				ours, viaRGB := encode(t, tc.img, o), encode(t, rgb, o)
				if !tc.planes {
					if !bytes.Equal(ours, viaRGB) {
						t.Error("not the RGB path's file")
					}
					return
				}
				if bytes.Equal(ours, viaRGB) {
					t.Fatal("the RGB path's file: the planes were not used")
				}
				if string(ours[12:16]) != "VP8 " {
					t.Errorf("first chunk %q, want \"VP8 \" (no alpha)", ours[12:16])
				}
				got := dwebp(t, ours)
				truth := photo.SubImage(tc.img.Bounds())
				if _, ok := tc.img.(*image.Gray); ok {
					truth = tc.img
				}
				po, pr := testimage.PSNR(t, truth, got, false), testimage.PSNR(t, truth, dwebp(t, viaRGB), false)
				ratio := float64(len(ours)) / float64(len(viaRGB))
				t.Logf("planes %d B %.2f dB, RGB %d B %.2f dB (size ×%.3f)", len(ours), po, len(viaRGB), pr, ratio)
				if po < pr-0.15 || po < 35 || math.Abs(ratio-1) > 0.05 {
					t.Errorf("planes %d B %.2f dB, RGB %d B %.2f dB", len(ours), po, len(viaRGB), pr)
				}
				if _, ok := tc.img.(*image.Gray); ok {
					n := testimage.NRGBA(got)
					for i := 0; i < len(n.Pix); i += 4 {
						if d := int(n.Pix[i]) - int(n.Pix[i+2]); d < -2 || d > 2 {
							t.Fatalf("grey source decoded to colour %v", n.Pix[i:i+3])
						}
					}
				}
			})
		}
	}
}

// TestEncodeYCbCrPlanesTiny: pictures of one or two pixels a side go
// through the planes as well, every subsampling, and decode (by dwebp) at
// their size to their colour.
func TestEncodeYCbCrPlanesTiny(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio444,
		image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440}
	want := color.NRGBA{200, 60, 40, 255}
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, r := range ratios {
				for _, sz := range []image.Point{{1, 1}, {2, 1}, {1, 2}, {3, 3}} {
					src := image.NewNRGBA(image.Rectangle{Max: sz})
					for i := 0; i < len(src.Pix); i += 4 {
						copy(src.Pix[i:], []byte{want.R, want.G, want.B, want.A})
					}
					got := testimage.NRGBA(dwebp(t, encode(t, testimage.YCbCr(src, r), codecs.EncodeOptions{Quality: 90})))
					if got.Rect.Size() != sz {
						t.Fatalf("%v %v: decoded %v", r, sz, got.Rect.Size())
					}
					if c := got.NRGBAAt(0, 0); !testimage.Near(c, want, 12) {
						t.Errorf("%v %v: colour %v, want %v", r, sz, c, want)
					}
				}
			}
		})
	}
}

func TestEncodeTooLarge(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, webp.MaxSide+1, 1))
	err := codecs.Encode(new(bytes.Buffer), img, codecs.WebP, codecs.EncodeOptions{})
	if !errors.Is(err, codecs.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// TestEncodeContext: a done context stops an encode, and a deadline stops
// a long one soon after it passes.
func TestEncodeContext(t *testing.T) {
	src := testimage.Photo(3000, 2000)
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := codecs.EncodeContext(ctx, new(bytes.Buffer), src, codecs.WebP, codecs.EncodeOptions{}); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: err = %v", err)
			}
			ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := codecs.EncodeContext(ctx, new(bytes.Buffer), src, codecs.WebP, codecs.EncodeOptions{Lossless: true, Speed: 1})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("returned %v after the start of a 30 ms deadline", d)
			}
		})
	}
}

// TestEngineEnv: EngineEnv is read at each encode; wasm and system force
// an engine (system where it works), anything else is automatic.
func TestEngineEnv(t *testing.T) {
	t.Setenv(webp.EngineEnv, "system")
	auto := webp.Engine() // the system engine where it works
	t.Setenv(webp.EngineEnv, "")
	waitAuto(t, auto)
	t.Logf("automatic choice: %s", auto)
	for env, want := range map[string]string{"wasm": webp.EngineWasm, "system": auto, "auto": auto, "": auto, "gpu": auto} {
		t.Setenv(webp.EngineEnv, env)
		if got := webp.Engine(); got != want {
			t.Errorf("%s=%q: Engine() = %s, want %s", webp.EngineEnv, env, got, want)
		}
		if err := codecs.Encode(io.Discard, testimage.Photo(8, 8), codecs.WebP, codecs.EncodeOptions{}); err != nil {
			t.Errorf("%s=%q: %v", webp.EngineEnv, env, err)
		}
	}
}

// TestAbandonedSystemEncode: while a system encode whose caller gave up is
// still running, the automatic choice is wasm; a forced system is not
// held back.
func TestAbandonedSystemEncode(t *testing.T) {
	useEngine(t, webp.EngineSystem)
	src := testimage.Photo(3000, 2000)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := codecs.EncodeContext(ctx, io.Discard, src, codecs.WebP, codecs.EncodeOptions{Lossless: true, Speed: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if e := webp.Engine(); e != webp.EngineSystem {
		t.Errorf("forced: Engine() = %s while the abandoned encode runs", e)
	}
	t.Setenv(webp.EngineEnv, "auto")
	if e := webp.Engine(); e != webp.EngineWasm {
		t.Errorf("auto: Engine() = %s while the abandoned encode runs, want wasm", e)
	}
	waitAuto(t, webp.EngineSystem)
}

// waitAuto waits for the automatic choice to be e, as it is once the
// system encodes that earlier tests abandoned have ended.
func waitAuto(t *testing.T, e string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for webp.Engine() != e {
		if time.Now().After(deadline) {
			t.Fatalf("Engine() is still %s, not %s, after 2 minutes", webp.Engine(), e)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
