package avif_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/avif"
	"github.com/blobimage/blobimage/codecs/heif" // the decoding half, for TestDecodedByHeif
	"github.com/blobimage/blobimage/internal/testimage"
)

// useEngine sets EngineEnv to e for the test, skipping when e is the system
// engine and it cannot be used here (it needs a dynamically linked binary
// and libavif 1.1 or newer).
func useEngine(t testing.TB, e string) {
	t.Helper()
	t.Setenv(avif.EngineEnv, e)
	if avif.Engine() != e {
		t.Skipf("engine %s unavailable here", e)
	}
}

var engines = []string{avif.EngineWasm, avif.EngineSystem}

func encode(t testing.TB, img image.Image, o codecs.EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, img, codecs.AVIF, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// quantizer is libavif's mapping of quality to AV1 quantizer.
func quantizer(q int) int { return ((100-q)*63 + 50) / 100 }

// avifenc encodes the PNG of src with Debian's avifenc (libavif 0.11.1,
// whose avifenc has no quality option) set up as libavif 1.1's quality q
// sets up libaom: 4:2:0, constant quality at quantizer(q), tuned for SSIM,
// alpha lossless, one thread, at speed.
func avifenc(t testing.TB, src image.Image, q, speed int) []byte {
	t.Helper()
	return testimage.Convert(t, "avifenc", testimage.PNG(src), ".png", ".avif", avifencArgs(q, speed)...)
}

// avifencArgs are the options avifenc (see avifenc) takes before the file
// names.
func avifencArgs(q, speed int) []string {
	return []string{"--jobs", "1", "-y", "420", "-s", strconv.Itoa(speed),
		"--min", "0", "--max", "63", "-a", "end-usage=q", "-a", "cq-level=" + strconv.Itoa(quantizer(q)), "-a", "tune=ssim",
		"--minalpha", "0", "--maxalpha", "0"}
}

func isAVIF(b []byte) bool { return len(b) > 12 && string(b[4:12]) == "ftypavif" }

// TestEncodeRoundTrip decodes the output with avifdec and compares it with
// the source: the default quality (63) keeps the photo-like pattern above
// 37 dB (measured 38.04 dB with the WebAssembly build at the default speed;
// 33.72 dB at q30, 44.01 dB at q90), and quality rises with size.
func TestEncodeRoundTrip(t *testing.T) {
	src := testimage.Photo(480, 320)
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			var prevSize int
			var prevPSNR float64
			for _, q := range []int{30, avif.DefaultQuality, 90} {
				out := encode(t, src, codecs.EncodeOptions{Quality: q})
				if !isAVIF(out) {
					t.Fatalf("q%d: not an AVIF: % x", q, out[:min(len(out), 16)])
				}
				got := avifdec(t, out)
				if got.Bounds().Size() != src.Rect.Size() {
					t.Fatalf("q%d: decoded %v, want %v", q, got.Bounds(), src.Rect)
				}
				p := testimage.PSNR(t, src, got, false)
				t.Logf("q%d: %d B, PSNR %.2f dB", q, len(out), p)
				if q == avif.DefaultQuality && p < 37 {
					t.Errorf("q%d: PSNR %.2f dB, want ≥ 37", q, p)
				}
				if len(out) <= prevSize || p <= prevPSNR {
					t.Errorf("q%d: %d B at %.2f dB, not above the lower quality's %d B at %.2f dB", q, len(out), p, prevSize, prevPSNR)
				}
				prevSize, prevPSNR = len(out), p
			}
		})
	}
}

// TestEncodeMatchesAvifenc: at equal settings the output is within 5% of
// avifenc's size and 0.3 dB of its PSNR. Not closer: Debian's avifenc is
// libavif 0.11.1 with libaom 3.6.0, the WebAssembly build libavif 1.1.1
// with libaom 3.10.0.
func TestEncodeMatchesAvifenc(t *testing.T) {
	src := testimage.Photo(480, 320)
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, s := range []struct{ q, speed int }{{avif.DefaultQuality, avif.DefaultSpeed}, {80, 6}, {50, 8}} {
				ours := encode(t, src, codecs.EncodeOptions{Quality: s.q, Speed: s.speed})
				ref := avifenc(t, src, s.q, s.speed)
				po, pr := testimage.PSNR(t, src, avifdec(t, ours), false), testimage.PSNR(t, src, avifdec(t, ref), false)
				ratio := float64(len(ours)) / float64(len(ref))
				t.Logf("q%d speed %d: ours %d B %.2f dB, avifenc %d B %.2f dB (size ×%.3f)", s.q, s.speed, len(ours), po, len(ref), pr, ratio)
				if math.Abs(ratio-1) > 0.05 || math.Abs(po-pr) > 0.3 {
					t.Errorf("q%d speed %d: ours %d B %.2f dB, avifenc %d B %.2f dB", s.q, s.speed, len(ours), po, len(ref), pr)
				}
			}
		})
	}
}

// TestEncodeAlpha: alpha survives exactly (it is coded losslessly), colour
// as it shows is close to the source (above 30 dB at the default quality:
// measured 31.9 dB at 33×17, where the pattern's detail is densest), and
// odd sizes keep their size.
func TestEncodeAlpha(t *testing.T) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			for _, size := range []image.Point{{1, 1}, {33, 17}, {161, 99}} {
				src := testimage.WithAlpha(testimage.Photo(size.X, size.Y))
				got := testimage.NRGBA(avifdec(t, encode(t, src, codecs.EncodeOptions{})))
				if got.Rect.Size() != size {
					t.Fatalf("%v: decoded %v", size, got.Rect)
				}
				for i := 3; i < len(got.Pix); i += 4 {
					if got.Pix[i] != src.Pix[i] {
						t.Fatalf("%v: alpha at byte %d is %d, want %d", size, i, got.Pix[i], src.Pix[i])
					}
				}
				p := testimage.PSNR(t, src, got, true)
				t.Logf("%v: PSNR %.2f dB", size, p)
				if size.X > 1 && p < 30 {
					t.Errorf("%v: PSNR %.2f dB, want ≥ 30", size, p)
				}
			}
		})
	}
}

// TestEncodeImageTypes: YCbCr and sub-images go in as Go reads them.
func TestEncodeImageTypes(t *testing.T) {
	base := testimage.Photo(128, 96)
	ycc := image.NewYCbCr(base.Rect, image.YCbCrSubsampleRatio444)
	for y := range 96 {
		for x := range 128 {
			c := base.NRGBAAt(x, y)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = rgbToYCbCr(c.R, c.G, c.B)
		}
	}
	useEngine(t, avif.EngineWasm)
	for name, img := range map[string]image.Image{
		"YCbCr":     ycc,
		"NRGBA sub": base.SubImage(image.Rect(9, 5, 101, 77)),
		"RGBA sub":  testimage.RGBA(testimage.WithAlpha(base)).SubImage(image.Rect(20, 10, 120, 90)),
	} {
		got := avifdec(t, encode(t, img, codecs.EncodeOptions{Quality: 90}))
		if p := testimage.PSNR(t, img, got, true); p < 38 {
			t.Errorf("%s: PSNR %.2f dB", name, p)
		}
	}
}

// TestEncodeContext: a deadline stops a long encode (12 MP at speed 4 takes
// minutes in the WebAssembly build) soon after it passes; a system encode,
// which cannot be stopped, is given up at the deadline (3 MP at speed 4,
// seconds natively, finishes in the background). The system engine goes
// first: the WebAssembly encode given up goes on for minutes, and while it
// runs the Go runtime cannot stop the world for a collection (wazero's
// code without interruption checks has no preemption point), so a test
// that allocates much after it waits for it.
func TestEncodeContext(t *testing.T) {
	for _, e := range []string{avif.EngineSystem, avif.EngineWasm} {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			src := testimage.Photo(4000, 3000)
			if e == avif.EngineSystem {
				src = testimage.Photo(2000, 1500)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := codecs.EncodeContext(ctx, new(bytes.Buffer), src, codecs.AVIF, codecs.EncodeOptions{Speed: 4})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("returned %v after the start of a 200 ms deadline", d)
			}
		})
	}
}

func TestRegisteredAsEncoder(t *testing.T) {
	if !codecs.CanEncode(codecs.AVIF) || codecs.AVIF.MediaType() != "image/avif" || codecs.AVIF.Ext() != ".avif" {
		t.Errorf("AVIF: CanEncode %v, MediaType %q, Ext %q", codecs.CanEncode(codecs.AVIF), codecs.AVIF.MediaType(), codecs.AVIF.Ext())
	}
}

func rgbToYCbCr(r, g, b uint8) (uint8, uint8, uint8) {
	y := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
	cb := 128 - 0.168736*float64(r) - 0.331264*float64(g) + 0.5*float64(b)
	cr := 128 + 0.5*float64(r) - 0.418688*float64(g) - 0.081312*float64(b)
	return clamp(y), clamp(cb), clamp(cr)
}

// clamp rounds v to the nearest 8-bit sample.
func clamp(v float64) uint8 { return uint8(math.Round(math.Min(math.Max(v, 0), 255))) }

// TestEngineEnv: EngineEnv is read at each encode; wasm and system force
// an engine (system where it works), anything else is automatic.
func TestEngineEnv(t *testing.T) {
	avif.WaitSystemIdle(t)
	t.Setenv(avif.EngineEnv, "system")
	auto := avif.Engine() // the system engine where it works
	t.Logf("automatic choice: %s", auto)
	for env, want := range map[string]string{"wasm": avif.EngineWasm, "system": auto, "auto": auto, "": auto, "gpu": auto} {
		t.Setenv(avif.EngineEnv, env)
		if got := avif.Engine(); got != want {
			t.Errorf("%s=%q: Engine() = %s, want %s", avif.EngineEnv, env, got, want)
		}
		if err := codecs.Encode(io.Discard, testimage.Photo(8, 8), codecs.AVIF, codecs.EncodeOptions{}); err != nil {
			t.Errorf("%s=%q: %v", avif.EngineEnv, env, err)
		}
	}
}

// TestDecodedByHeif: with codecs/heif imported the registry has both halves
// of AVIF, and what this package writes, codecs/heif reads as avifdec does.
func TestDecodedByHeif(t *testing.T) {
	c, ok := codecs.Lookup(codecs.AVIF)
	if !ok || c.Match == nil || c.EncodeContext == nil {
		t.Fatalf("Lookup(AVIF) = %+v, %v: want codecs/heif's decoder and this encoder", c, ok)
	}
	src := testimage.WithAlpha(testimage.Photo(320, 240))
	data := encode(t, src, codecs.EncodeOptions{})
	got, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != codecs.AVIF || got.Bounds().Size() != src.Rect.Size() {
		t.Fatalf("decoded %s %v", info.Format, got.Bounds())
	}
	p := testimage.PSNR(t, avifdec(t, data), got, true)
	t.Logf("codecs/heif against avifdec: %.2f dB", p)
	if p < 45 {
		t.Errorf("codecs/heif against avifdec: %.2f dB, want ≥ 45", p)
	}
}

// TestEncodeYCbCr420 encodes 4:2:0 YCbCr pictures, as JPEG sources give
// variants, with each engine: whole, as a sub-image at an even origin
// (the system engine through libheif hands their planes over as they are)
// and at an odd one (converted through RGB), at odd sizes. avifdec's
// decode must be close to the source (the pattern is dense for its size:
// 36–37 dB at q80), and within 0.5 dB of the other engine's; every output
// says full range, primaries and transfer unspecified in its nclx box,
// and a matrix read as BT.601: 6, or unspecified (2), which libavif 1.1.1
// in gen2brain's build writes.
func TestEncodeYCbCr420(t *testing.T) {
	src := testimage.Photo(161, 99)
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			c := src.NRGBAAt(x, y)
			yy, cb, cr := rgbToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			if x%2 == 0 && y%2 == 0 {
				ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
			}
		}
	}
	pictures := map[string]image.Image{
		"whole":    ycc,
		"even sub": ycc.SubImage(image.Rect(10, 4, 151, 97)),
		"odd sub":  ycc.SubImage(image.Rect(11, 5, 150, 96)),
	}
	psnr := map[string]map[string]float64{}
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			psnr[e] = map[string]float64{}
			for name, img := range pictures {
				out := encode(t, img, codecs.EncodeOptions{Quality: 80})
				got := avifdec(t, out)
				if got.Bounds().Size() != img.Bounds().Size() {
					t.Fatalf("%s: decoded %v, want %v", name, got.Bounds(), img.Bounds())
				}
				p := testimage.PSNR(t, img, got, false)
				psnr[e][name] = p
				t.Logf("%s: %d B, %.2f dB", name, len(out), p)
				if p < 34 {
					t.Errorf("%s: %.2f dB", name, p)
				}
				f, err := heif.Parse(out)
				if err != nil {
					t.Fatal(err)
				}
				n, ok := f.NCLX()
				if want := (heif.NCLX{ColourPrimaries: 2, TransferCharacteristics: 2, MatrixCoefficients: n.MatrixCoefficients, FullRange: true}); !ok || n != want || (n.MatrixCoefficients != 6 && n.MatrixCoefficients != 2) {
					t.Errorf("%s: nclx %+v %v", name, n, ok)
				}
			}
		})
	}
	if len(psnr) == 2 {
		for name := range pictures {
			if d := psnr[avif.EngineSystem][name] - psnr[avif.EngineWasm][name]; d < -0.5 {
				t.Errorf("%s: system %.2f dB, wasm %.2f dB", name, psnr[avif.EngineSystem][name], psnr[avif.EngineWasm][name])
			}
		}
	}
}

// TestEncodeConcurrent encodes different pictures at once, as a server's
// variants are: each output must be the bytes a lone encode of the same
// picture gives (libaom on one thread is deterministic), so no state is
// shared between calls of either engine.
func TestEncodeConcurrent(t *testing.T) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			useEngine(t, e)
			pics := make([]image.Image, 6)
			want := make([][]byte, len(pics))
			for i := range pics {
				pics[i] = testimage.Photo(96+16*i, 64+8*i)
				want[i] = encode(t, pics[i], codecs.EncodeOptions{})
			}
			got := make([][]byte, len(pics))
			errs := make([]error, len(pics))
			var wg sync.WaitGroup
			for i := range pics {
				wg.Go(func() {
					var buf bytes.Buffer
					errs[i] = codecs.Encode(&buf, pics[i], codecs.AVIF, codecs.EncodeOptions{})
					got[i] = buf.Bytes()
				})
			}
			wg.Wait()
			for i := range pics {
				if errs[i] != nil {
					t.Fatalf("%d: %v", i, errs[i])
				}
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("%d: %d bytes at once, %d alone, not the same", i, len(got[i]), len(want[i]))
				}
			}
		})
	}
}
