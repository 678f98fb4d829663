package heif_test

import (
	"testing"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// TestEngines decodes the same HEIC with each engine and compares both
// with heif-convert.
func TestEngines(t *testing.T) {
	data := heifEnc(t, photo(640, 480, false), "-q", "85")
	ref := heifConvert(t, data)
	for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
		t.Run(e, func(t *testing.T) {
			t.Setenv(heif.EngineEnv, e)
			if e == heif.EngineSystem && heic.Dynamic() != nil {
				t.Skipf("system libheif not loaded: %v", heic.Dynamic())
			}
			if got := heif.Engine("hvc1"); got != e {
				t.Fatalf("Engine = %s", got)
			}
			img, _ := decode(t, data)
			c, _ := testimage.PSNR16(t, ref, img)
			t.Logf("%s: %T, %.1f dB vs heif-convert", e, img, c)
			if c < 40 {
				t.Errorf("%.1f dB", c)
			}
		})
	}
	if got := heif.Engine("av01"); got != heif.EngineWasm {
		t.Errorf("AVIF engine %s, want wasm (gen2brain needs libavif ≥ 1.1)", got)
	}
}
