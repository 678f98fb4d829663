package webp

import (
	"bytes"
	"image"
	"image/color"
	"os/exec"
	"testing"

	gwebp "github.com/gen2brain/webp"
	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/internal/testimage"
)

// FuzzDecodeSystem: the planes the binding has the system's libwebp
// decode into (WebPDecodeYUVInto, into Go memory) are the planes libwebp
// gives through its other entry point (WebPDecode into its own buffers,
// which gen2brain/webp's dynamic decoder calls), sample for sample: a
// fault in the binding (sizes, strides, a picture libwebp sees at another
// size than golang.org/x/image/webp) shows here. (The test is not against
// x/image: on files cwebp makes the two agree to the bit, but fuzzed
// streams find samples where x/image differs from libwebp, the reference
// decoder, by a few levels.)
func FuzzDecodeSystem(f *testing.F) {
	if err := decoder.Works(); err != nil {
		f.Skip(err)
	}
	if err := gwebp.Dynamic(); err != nil {
		f.Skip(err)
	}
	if _, err := exec.LookPath("cwebp"); err == nil {
		for _, s := range []struct {
			w, h int
			q    string
		}{{1, 1, "90"}, {17, 3, "50"}, {64, 48, "80"}, {33, 65, "10"}} {
			data := testimage.Convert(f, "cwebp", testimage.PNG(testimage.Photo(s.w, s.h)), ".png", ".webp", "-quiet", "-q", s.q)
			f.Add(data)
		}
		f.Add(testimage.Convert(f, "cwebp", testimage.PNG(testimage.Photo(40, 30)), ".png", ".webp",
			"-quiet", "-q", "70", "-sns", "100", "-f", "100", "-sharpness", "7", "-segments", "4", "-partition_limit", "50"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := xwebp.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.ColorModel != color.YCbCrModel || cfg.Width*cfg.Height > 1<<22 {
			return
		}
		m, ok := decodeLossySystem(data, cfg.Width, cfg.Height)
		if !ok {
			return
		}
		img, err := gwebp.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("libwebp decoded the file into Go memory, and refused it through WebPDecode: %v", err)
		}
		g, ok := img.(*image.NYCbCrA)
		if !ok {
			t.Fatalf("WebPDecode gave a %T", img)
		}
		if d := YCbCrDiff(&g.YCbCr, m); d != "" {
			t.Fatalf("WebPDecode against the binding: %s", d)
		}
	})
}
