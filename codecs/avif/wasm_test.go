package avif

import (
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// noise returns a w×h image of random samples with random alpha: the worst
// case for the encoder's memory and output size.
func noise(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.Uint32())
	}
	return m
}

// TestWasmMemoryCovers encodes noise and checks the peak of linear memory
// against WasmMemory's grant, then that half the peak is refused as too
// large. (Speeds up to 5 take minutes even on 0.3 MP in the WebAssembly
// build; their peaks are in WasmMemory's documentation.)
func TestWasmMemoryCovers(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes noise")
	}
	img := noise(640, 480)
	for _, speed := range []int{6, 8, 10} {
		limit := WasmMemory(640, 480, speed)
		p := params{quality: DefaultQuality, speed: speed}
		out, peak, err := encodeWasm(context.Background(), img, p, limit)
		if err != nil {
			t.Fatalf("speed %d, within WasmMemory's %d bytes: %v", speed, limit, err)
		}
		t.Logf("speed %d: peak %.1f MiB (%.1f B/px), granted %.1f MiB, output %d B",
			speed, float64(peak)/(1<<20), float64(peak)/(640*480), float64(limit)/(1<<20), len(out))
		_, _, err = encodeWasm(context.Background(), img, p, peak/2)
		if !errors.Is(err, codecs.ErrTooLarge) {
			t.Errorf("speed %d, with half the peak: err = %v, want ErrTooLarge", speed, err)
		}
	}
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		o    codecs.EncodeOptions
		want params
	}{
		{codecs.EncodeOptions{}, params{quality: 63, speed: 9}},
		{codecs.EncodeOptions{Quality: 101, Speed: 11}, params{quality: 100, speed: 10}},
		{codecs.EncodeOptions{Quality: -1, Speed: -3}, params{quality: 1, speed: 1}},
		{codecs.EncodeOptions{Quality: 50, Speed: 4, Lossless: true}, params{quality: 50, speed: 4}},
	} {
		if got := settings(tc.o); got != tc.want {
			t.Errorf("settings(%+v) = %+v, want %+v", tc.o, got, tc.want)
		}
	}
}

// TestSystemWorks: the automatic choice (for an opaque image) is the
// system engine exactly when the check of libavif or of libheif passes
// (the test logs why not, where not).
func TestSystemWorks(t *testing.T) {
	t.Setenv(EngineEnv, "")
	waitSystemIdle(t)
	err, errHeif := systemWorks(), libheif.Works()
	t.Logf("system libavif: %v; system libheif: %v", err, errHeif)
	if (err == nil || errHeif == nil) != (Engine() == EngineSystem) {
		t.Errorf("Engine() = %s with libavif %v, libheif %v", Engine(), err, errHeif)
	}
}

// waitSystemIdle waits for the system encodes an earlier test gave up on
// (TestEncodeContext's) to end: until then the automatic choice is wasm.
func waitSystemIdle(t testing.TB) {
	t.Helper()
	for start := time.Now(); system.Abandoned()+libheif.Abandoned() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 2*time.Minute {
			t.Fatal("abandoned system encodes still running after 2 minutes")
		}
	}
}
