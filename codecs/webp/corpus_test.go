package webp_test

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// corpus returns the photographs in $BLOBIMAGE_CORPUS (skipping the test
// when it is unset), decoded, each cropped to its central 1600×1200 at
// most to keep the tools quick.
func corpus(t *testing.T) map[string]image.Image {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	imgs := map[string]image.Image{}
	for _, name := range []string{"canon5d3_22mp.jpg", "nikond3100_14mp.jpg", "iphone6_8mp.jpg", "altai_15mp.png"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := codecs.Decode(context.Background(), data, codecs.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := img.Bounds()
		w, h := min(b.Dx(), 1600), min(b.Dy(), 1200)
		r := image.Rect(0, 0, w, h).Add(b.Min).Add(image.Pt((b.Dx()-w)/2, (b.Dy()-h)/2))
		imgs[name] = testimage.NRGBA(img.(subImager).SubImage(r))
	}
	return imgs
}

// subImager is what every image type of the standard library is.
type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// TestCorpusLossyMatchesDwebp is TestDecodeLossyMatchesDwebp on real
// photographs (measured: 45.4–50.9 dB with fancy upsampling, 51.3–51.8 dB
// with -nofancy).
func TestCorpusLossyMatchesDwebp(t *testing.T) {
	for name, src := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			data := cwebp(t, src, "-q", "75")
			got, _ := decode(t, data)
			fancy := testimage.PSNR(t, dwebp(t, data), got, false)
			plain := testimage.PSNR(t, dwebp(t, data, "-nofancy"), got, false)
			t.Logf("PSNR against dwebp: %.2f dB (fancy upsampling), %.2f dB (-nofancy)", fancy, plain)
			if fancy < 45 || plain < 50 {
				t.Errorf("PSNR against dwebp %.2f dB (fancy), %.2f dB (-nofancy), want ≥ 45 and 50", fancy, plain)
			}
		})
	}
}
