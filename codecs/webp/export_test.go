package webp

import (
	"fmt"
	"image"
)

// SystemDecodes is how many decodes the system's libwebp has made.
func SystemDecodes() int64 { return systemDecodes.Load() }

// YCbCrDiff describes the first pixel at which a and b, two pictures of
// the same bounds and subsampling, hold other samples, or returns "".
func YCbCrDiff(a, b *image.YCbCr) string {
	if a.Rect != b.Rect || a.SubsampleRatio != b.SubsampleRatio {
		return fmt.Sprintf("%v %v against %v %v", a.Rect, a.SubsampleRatio, b.Rect, b.SubsampleRatio)
	}
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			ai, bi, ac, bc := a.YOffset(x, y), b.YOffset(x, y), a.COffset(x, y), b.COffset(x, y)
			if a.Y[ai] != b.Y[bi] || a.Cb[ac] != b.Cb[bc] || a.Cr[ac] != b.Cr[bc] {
				return fmt.Sprintf("at (%d,%d) Y'CbCr %d %d %d against %d %d %d", x, y, a.Y[ai], a.Cb[ac], a.Cr[ac], b.Y[bi], b.Cb[bc], b.Cr[bc])
			}
		}
	}
	return ""
}
