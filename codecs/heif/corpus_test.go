package heif_test

import (
	"context"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"

	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// TestCorpusHEIC decodes the iPhone photo of the corpus (a 7×6 grid of
// 512×512 tiles, 2566×3313 displayed) with every available engine and
// compares it with heif-convert: same displayed size, PSNR ≥ 40 dB.
func TestCorpusHEIC(t *testing.T) {
	data := corpusHEIC(t)
	ref := heifConvert(t, data)
	for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
		t.Run(e, func(t *testing.T) {
			t.Setenv(heif.EngineEnv, e)
			if heif.Engine("hvc1") != e {
				t.Skipf("engine %s not available", e)
			}
			// The WebAssembly libde265 needs seconds for 8.5 MP on a
			// loaded machine: more than the default decode_timeout.
			img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{DecodeTimeout: codecs.Duration(2 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds() != ref.Bounds() || info.Width != ref.Bounds().Dx() || info.Height != ref.Bounds().Dy() {
				t.Fatalf("decoded %v (Probe %d×%d), heif-convert %v", img.Bounds(), info.Width, info.Height, ref.Bounds())
			}
			c, _ := testimage.PSNR16(t, ref, img)
			t.Logf("%T %v: %.1f dB vs heif-convert", img, img.Bounds().Size(), c)
			if c < 40 {
				t.Errorf("%.1f dB vs heif-convert", c)
			}
		})
	}
}
