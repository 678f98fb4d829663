package variants

import (
	"image"
	"math/big"
	"math/bits"

	"github.com/disintegration/imaging"
)

// The geometry of the resampling processors. Process and ProcessScaled both
// compute their output from these functions, applied to the size of the
// full picture, so that their results have exactly the same size.

// mulDivRound returns a×num/den rounded to the nearest integer (halves
// up). a and num are ≥ 0, den > 0.
func mulDivRound(a, num, den int) int {
	ua, un, ud := uint64(a), uint64(num), uint64(den)
	hi, lo := bits.Mul64(ua, un)
	// 2·a·num + den, in 128 bits.
	hi = hi<<1 | lo>>63
	lo <<= 1
	var carry uint64
	lo, carry = bits.Add64(lo, ud, 0)
	hi += carry
	d := ud << 1
	if ud>>63 == 0 && hi < d {
		q, _ := bits.Div64(hi, lo, d)
		if q <= uint64(maxInt) {
			return int(q)
		}
		return maxInt
	}
	// Out of 64-bit range: use big integers (never for real pictures).
	n := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(int64(num)))
	n.Mul(n, big.NewInt(2)).Add(n, big.NewInt(int64(den)))
	n.Quo(n, new(big.Int).Mul(big.NewInt(int64(den)), big.NewInt(2)))
	if !n.IsInt64() || n.Int64() > int64(maxInt) {
		return maxInt
	}
	return int(n.Int64())
}

const maxInt = int(^uint(0) >> 1)

// scaleRound is mulDivRound, at least 1: a side scaled by num/den.
func scaleRound(a, num, den int) int {
	return max(1, mulDivRound(a, num, den))
}

// wider reports whether a w×h picture is at least as wide, relative to its
// height, as a W×H box: w/h ≥ W/H, i.e. w·H ≥ h·W.
func wider(w, h, W, H int) bool {
	h1, l1 := bits.Mul64(uint64(w), uint64(H))
	h2, l2 := bits.Mul64(uint64(h), uint64(W))
	return h1 > h2 || (h1 == h2 && l1 >= l2)
}

// fitBox is the size of a w×h picture scaled down to fit inside W×H, where
// a zero W or H is no bound. A picture already inside keeps its size.
func fitBox(w, h, W, H int) (int, int) {
	if (W <= 0 || w <= W) && (H <= 0 || h <= H) {
		return w, h
	}
	if H <= 0 || (W > 0 && wider(w, h, W, H)) {
		return W, scaleRound(h, W, w)
	}
	return scaleRound(w, H, h), H
}

// containBox is the size of a w×h picture scaled, up or down, to the
// largest size that fits inside W×H.
func containBox(w, h, W, H int) (int, int) {
	if wider(w, h, W, H) {
		return W, scaleRound(h, W, w)
	}
	return scaleRound(w, H, h), H
}

// coverBox is the size of a w×h picture scaled, up or down, to the
// smallest size that covers W×H.
func coverBox(w, h, W, H int) (int, int) {
	if wider(w, h, W, H) {
		return scaleRound(w, H, h), H
	}
	return W, scaleRound(h, W, w)
}

// resizeBox is W×H, with a zero side computed from the other keeping the
// aspect ratio of w×h.
func resizeBox(w, h, W, H int) (int, int) {
	switch {
	case W <= 0 && H <= 0:
		return w, h
	case W <= 0:
		return scaleRound(w, H, h), H
	case H <= 0:
		return W, scaleRound(h, W, w)
	}
	return W, H
}

// anchorOffset is where an inW×inH box sits inside an outW×outH one when
// placed at a (the empty anchor is Center). Offsets are negative when the
// inner box is larger.
func anchorOffset(outW, outH, inW, inH int, a Anchor) (x, y int) {
	x, y = (outW-inW)/2, (outH-inH)/2
	switch a {
	case TopLeft, Left, BottomLeft:
		x = 0
	case TopRight, Right, BottomRight:
		x = outW - inW
	}
	switch a {
	case TopLeft, Top, TopRight:
		y = 0
	case BottomLeft, Bottom, BottomRight:
		y = outH - inH
	}
	return x, y
}

// resample returns img scaled to w×h with the Lanczos filter, or img itself
// when it already has that size.
func resample(img image.Image, w, h int) image.Image {
	if s := img.Bounds().Size(); s.X == w && s.Y == h {
		return img
	}
	return lanczosResample(img, w, h)
}

// fillWindow returns the part of src (the whole picture at any scale) that
// becomes the W×H window at (x0, y0) of the picture scaled to cw×ch.
func fillWindow(src image.Rectangle, cw, ch, x0, y0, W, H int) image.Rectangle {
	sw, sh := src.Dx(), src.Dy()
	span := func(n, c, off, size int) (int, int) {
		a := mulDivRound(off, n, c)
		b := mulDivRound(off+size, n, c)
		a = min(a, n-1)
		b = min(max(b, a+1), n)
		return a, b
	}
	xa, xb := span(sw, cw, x0, W)
	ya, yb := span(sh, ch, y0, H)
	return image.Rect(xa, ya, xb, yb).Add(src.Min)
}

// subImage returns the part r of img, sharing its pixels when img can.
func subImage(img image.Image, r image.Rectangle) image.Image {
	if r == img.Bounds() {
		return img
	}
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return imaging.Crop(img, r)
}
