package blobimage

import (
	"context"
	"image"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// BenchmarkPlaceholder measures what the placeholder adds to a write: the
// 100-pixel rendering from the smallest image the write already made (the
// default config's 400-pixel "small" variant of a 4:3 photo) and its
// ThumbHash and average colour. Compare with BenchmarkPut's time for a
// 12 MP photo.
func BenchmarkPlaceholder(b *testing.B) {
	small := testimage.YCbCr(testimage.Pattern(400, 300), image.YCbCrSubsampleRatio420)
	ctx := context.Background()
	for b.Loop() {
		err := variants.Render(ctx, small, small.Bounds().Size(), []variants.Spec{placeholderSpec}, 1, func(_ int, img image.Image) error {
			_, err := makePlaceholder(img)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
