package heif

import (
	"image"
	"math"
)

// yuv describes how a decoded picture's samples are to be read: the
// matrix (as Kr and Kb, or identity for GBR) and the range.
type yuv struct {
	kr, kb   float64
	identity bool // matrix_coefficients 0: the planes are G, B, R
	full     bool
}

// bt601 reports whether the samples are already what image.YCbCr means:
// full-range BT.601.
func (c yuv) bt601() bool {
	return !c.identity && c.full && math.Abs(c.kr-0.299) < 1e-4 && math.Abs(c.kb-0.114) < 1e-4
}

// colourOf returns how libheif reads the samples of coded item id (an
// image, or a grid's tile): its nclx, else the colour description of the
// HEVC SPS's VUI, with libde265's defaults when the SPS has none (limited
// range, unspecified matrix), an unspecified or unknown matrix meaning
// BT.601 as in libheif.
func (f *File) colourOf(id uint32) yuv {
	var c yuv
	primaries, matrix, full := 2, 2, false
	if n, ok := f.colour(id, "nclx"); ok {
		primaries, matrix, full = int(n.NCLX.ColourPrimaries), int(n.NCLX.MatrixCoefficients), n.NCLX.FullRange
	} else {
		if h, ok := f.hvcC(id); ok {
			for _, nal := range h.NALs {
				if len(nal) >= 2 && nal[0]>>1&0x3f == 33 {
					if s, err := ParseSPS(nal); err == nil {
						primaries, matrix, full = s.ColourPrimaries, s.MatrixCoefficients, s.FullRange
					}
					break
				}
			}
		}
	}
	c.full = full
	c.identity = matrix == 0
	c.kr, c.kb = krkb(matrix, primaries)
	return c
}

// krkb returns the luma coefficients of an H.273 matrix, deriving them
// from the colour primaries for the chromaticity-derived matrices (12,
// 13), with BT.601's for unspecified or unknown ones, as libheif does.
func krkb(matrix, primaries int) (kr, kb float64) {
	switch matrix {
	case 1:
		return 0.2126, 0.0722
	case 4:
		return 0.30, 0.11
	case 5, 6:
		return 0.299, 0.114
	case 7:
		return 0.212, 0.087
	case 9, 10:
		return 0.2627, 0.0593
	case 12, 13:
		if kr, kb, ok := chromaticityKrKb(primaries); ok {
			return kr, kb
		}
	}
	return 0.299, 0.114
}

// chromaticityKrKb derives Kr and Kb from the primaries' chromaticities
// (ITU-T H.273, equations for matrix_coefficients 12 and 13).
func chromaticityKrKb(primaries int) (kr, kb float64, ok bool) {
	p, ok := map[int][8]float64{ // rx, ry, gx, gy, bx, by, wx, wy
		1:  {0.640, 0.330, 0.300, 0.600, 0.150, 0.060, 0.3127, 0.3290},
		4:  {0.67, 0.33, 0.21, 0.71, 0.14, 0.08, 0.310, 0.316},
		5:  {0.640, 0.330, 0.290, 0.600, 0.150, 0.060, 0.3127, 0.3290},
		6:  {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, 0.3127, 0.3290},
		7:  {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, 0.3127, 0.3290},
		9:  {0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290},
		11: {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.314, 0.351},
		12: {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290},
		22: {0.630, 0.340, 0.295, 0.605, 0.155, 0.077, 0.3127, 0.3290},
	}[primaries]
	if !ok {
		return 0, 0, false
	}
	rx, ry, gx, gy, bx, by, wx, wy := p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
	zr, zg, zb, zw := 1-(rx+ry), 1-(gx+gy), 1-(bx+by), 1-(wx+wy)
	den := wy * (rx*(gy*zb-by*zg) + gx*(by*zr-ry*zb) + bx*(ry*zg-gy*zr))
	if den == 0 {
		return 0, 0, false
	}
	kr = ry * (wx*(gy*zb-by*zg) + wy*(bx*zg-gx*zb) + zw*(gx*by-bx*gy)) / den
	kb = by * (wx*(ry*zg-gy*zr) + wy*(gx*zr-rx*zg) + zw*(rx*gy-gx*ry)) / den
	return kr, kb, true
}

// to8 returns a table from samples of depth bits to 8 bits, in the
// same range: a full-range sample scales by 255/(2^depth-1), a limited one
// by 2^(8-depth), as the levels of the two ranges scale.
func to8(depth int, full bool) []uint8 {
	n := 1 << depth
	t := make([]uint8, n)
	for v := range n {
		var x float64
		if full {
			x = float64(v) * 255 / float64(n-1)
		} else {
			x = float64(v) / float64(int(1)<<(depth-8))
		}
		t[v] = uint8(max(0, min(255, math.Round(x))))
	}
	return t
}

const fix = 16 // fixed-point fraction bits of the normalisation tables

// normalise converts img's samples, read as c says (at 8 bits), to
// full-range BT.601 in place, which is what image.YCbCr means. Luma takes
// the chroma sample that covers each pixel (Y' = Y + a·Cb + b·Cr, a and b
// zero when only the range differs); chroma rows are linear combinations
// of Cb and Cr, luma cancelling out.
func normalise(img *image.YCbCr, c yuv) {
	if c.bt601() {
		return
	}
	if c.identity {
		normaliseGBR(img, c)
		return
	}
	yScale, cScale := 1.0, 1.0
	yOff := 0.0
	if !c.full {
		yScale, cScale, yOff = 255.0/219, 255.0/224, 16
	}
	// Source YCbCr to RGB: R = y + rcr·cr, G = y + gcb·cb + gcr·cr,
	// B = y + bcb·cb.
	rcr := 2 * (1 - c.kr)
	bcb := 2 * (1 - c.kb)
	gcb := -2 * c.kb * (1 - c.kb) / (1 - c.kb - c.kr)
	gcr := -2 * c.kr * (1 - c.kr) / (1 - c.kb - c.kr)
	// RGB to BT.601: Y' = .299R + .587G + .114B = y + a·cb + b·cr.
	a := 0.587*gcb + 0.114*bcb
	b := 0.299*rcr + 0.587*gcr
	// Cb' = (B − Y')/1.772, Cr' = (R − Y')/1.402.
	c11, c12 := (bcb-a)/1.772, -b/1.772
	c21, c22 := -a/1.402, (rcr-b)/1.402

	var yT, aT, bT, cbB, cbR, crB, crR [256]int32
	scale := float64(int32(1) << fix)
	for v := range 256 {
		y := (float64(v) - yOff) * yScale
		ch := (float64(v) - 128) * cScale
		yT[v] = int32(math.Round(y*scale)) + 1<<(fix-1)
		aT[v] = int32(math.Round(a * ch * scale))
		bT[v] = int32(math.Round(b * ch * scale))
		cbB[v] = int32(math.Round(c11*ch*scale)) + 128<<fix + 1<<(fix-1)
		cbR[v] = int32(math.Round(c12 * ch * scale))
		crB[v] = int32(math.Round(c21*ch*scale)) + 128<<fix + 1<<(fix-1)
		crR[v] = int32(math.Round(c22 * ch * scale))
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	sx, sy := subsampling(img.SubsampleRatio)
	luma := a != 0 || b != 0
	for y := range h {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		crow := (y >> sy) * img.CStride
		for x, v := range row {
			s := yT[v]
			if luma {
				i := crow + x>>sx
				s += aT[img.Cb[i]] + bT[img.Cr[i]]
			}
			row[x] = clampFix(s)
		}
	}
	cw, ch := (w+(1<<sx)-1)>>sx, (h+(1<<sy)-1)>>sy
	for y := range ch {
		cb := img.Cb[y*img.CStride : y*img.CStride+cw]
		cr := img.Cr[y*img.CStride : y*img.CStride+cw]
		for x := range cb {
			u, v := cb[x], cr[x]
			cb[x] = clampFix(cbB[u] + cbR[v])
			cr[x] = clampFix(crB[u] + crR[v])
		}
	}
}

// normaliseGBR converts 4:4:4 planes holding G, B and R (matrix 0) to
// full-range BT.601 YCbCr.
func normaliseGBR(img *image.YCbCr, c yuv) {
	lvl := func(v uint8) float64 {
		if c.full {
			return float64(v)
		}
		return (float64(v) - 16) * 255 / 219
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		for x := range w {
			i, j := y*img.YStride+x, y*img.CStride+x
			g, b, r := lvl(img.Y[i]), lvl(img.Cb[j]), lvl(img.Cr[j])
			yy := 0.299*r + 0.587*g + 0.114*b
			img.Y[i] = clampF(yy)
			img.Cb[j] = clampF(128 + (b-yy)/1.772)
			img.Cr[j] = clampF(128 + (r-yy)/1.402)
		}
	}
}

func clampFix(v int32) uint8 {
	v >>= fix
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

func clampF(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

// subsampling returns the chroma shifts of a subsampling ratio.
func subsampling(r image.YCbCrSubsampleRatio) (sx, sy uint) {
	switch r {
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	}
	return 0, 0
}
