package webp

import (
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// noise returns a w×h image of random samples, alpha too when asked: the
// worst case for an encoder's memory and output size.
func noise(w, h int, alpha bool) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.Uint32())
		if !alpha && i%4 == 3 {
			m.Pix[i] = 0xff
		}
	}
	return m
}

// TestWasmMemoryCovers encodes noise, which needs the most memory, and
// checks the peak of linear memory against WasmMemory's grant, then that
// half the peak is refused as too large. (Method 6 at quality 100, the
// costliest lossless setting, takes minutes on noise in the WebAssembly
// build; its peaks are in WasmMemory's documentation.)
func TestWasmMemoryCovers(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes noise")
	}
	for _, tc := range []struct {
		name  string
		img   *image.NRGBA
		p     params
		alpha bool
	}{
		{"lossy opaque", noise(512, 384, false), params{quality: 100, method: 6}, false},
		{"lossy alpha", noise(512, 384, true), params{quality: 75, method: 4}, true},
		{"lossless", noise(512, 384, true), params{quality: 75, method: 4, lossless: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, h := tc.img.Rect.Dx(), tc.img.Rect.Dy()
			limit := WasmMemory(w, h, tc.p.lossless, tc.alpha)
			out, peak, err := encodeWasm(context.Background(), tc.img, tc.p, limit)
			if err != nil {
				t.Fatalf("within WasmMemory's %d bytes: %v", limit, err)
			}
			t.Logf("%d×%d: peak %.1f MiB (%.1f B/px), granted %.1f MiB, output %d B",
				w, h, float64(peak)/(1<<20), float64(peak)/float64(w*h), float64(limit)/(1<<20), len(out))
			_, _, err = encodeWasm(context.Background(), tc.img, tc.p, peak/2)
			if !errors.Is(err, codecs.ErrTooLarge) {
				t.Errorf("with half the peak: err = %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		o    codecs.EncodeOptions
		want params
	}{
		{codecs.EncodeOptions{}, params{quality: 75, method: 4}},
		{codecs.EncodeOptions{Quality: 101, Lossless: true}, params{quality: 100, method: 4, lossless: true}},
		{codecs.EncodeOptions{Quality: -5, Speed: 1}, params{quality: 1, method: 6}},
		{codecs.EncodeOptions{Speed: 4}, params{quality: 75, method: 4}},
		{codecs.EncodeOptions{Speed: 7}, params{quality: 75, method: 2}},
		{codecs.EncodeOptions{Speed: 10}, params{quality: 75, method: 0}},
		{codecs.EncodeOptions{Speed: 99}, params{quality: 75, method: 0}},
	} {
		if got := settings(tc.o); got != tc.want {
			t.Errorf("settings(%+v) = %+v, want %+v", tc.o, got, tc.want)
		}
	}
}

// TestSystemWorks: the automatic choice is the system engine exactly when
// its check passes (the test logs why not, where not).
func TestSystemWorks(t *testing.T) {
	t.Setenv(EngineEnv, "")
	err := systemWorks()
	t.Logf("system engine: %v", err)
	if (err == nil) != (Engine() == EngineSystem) {
		t.Errorf("Engine() = %s with systemWorks() = %v", Engine(), err)
	}
}
