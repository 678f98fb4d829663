package webp

import (
	"image"
	"math"
)

// VP8 codes BT.601 Y'CbCr in the limited ("studio swing") range of video:
// black is Y' 16 and white 235, chroma spans 16–240 around 128 (RFC 6386,
// section 9.2, and libwebp's yuv.h, whose conversion to RGB scales by
// 255/219 and 255/224). Go's image.YCbCr is JFIF's full range, 0–255 for
// all three, so a VP8 picture read as it is loses contrast: black is dark
// grey (16), white light grey (235).

// Tables from a limited-range sample to the full-range one (decoding),
// rounded to nearest and clamped to 0–255, and back (encoding), rounded
// to nearest.
var (
	fullLuma      [256]uint8
	fullChroma    [256]uint8
	limitedLuma   [256]uint8
	limitedChroma [256]uint8
)

func init() {
	for v := range 256 {
		fullLuma[v] = clamp8(math.Round(float64(v-16) * 255 / 219))
		fullChroma[v] = clamp8(math.Round(float64(v-128)*255/224 + 128))
		limitedLuma[v] = clamp8(math.Round(float64(v)*219/255 + 16))
		limitedChroma[v] = clamp8(math.Round(float64(v-128)*224/255 + 128))
	}
}

func clamp8(x float64) uint8 {
	return uint8(min(max(x, 0), 255))
}

// fullRange rewrites m's samples in place from the limited range that VP8
// codes (Y' 16–235, Cb and Cr 16–240) to the full range that image.YCbCr
// means (0–255): Y' = (Y−16)·255/219 and C' = (C−128)·255/224 + 128,
// rounded and clamped. Decode calls it on every lossy picture.
func fullRange(m *image.YCbCr) {
	remap(m.Y, m.Y, &fullLuma)
	remap(m.Cb, m.Cb, &fullChroma)
	remap(m.Cr, m.Cr, &fullChroma)
}
