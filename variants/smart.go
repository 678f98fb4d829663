package variants

import (
	"image"
	"image/color"
	"math"
)

// The Smart anchor of Fill: where the window goes when the picture is not
// cut around a fixed point but around its detail, the idea of libvips's
// "attention" smartcrop (edges, saturated colour and skin tones attract the
// window).
//
// Fill's cover box always overflows the window in one direction only (the
// picture scaled to cover W×H has exactly W columns or exactly H rows), so
// choosing the window is a one-dimensional search: slide a W-wide (or
// H-high) window along the overflowing side and keep the position that
// holds the most interest.
//
// The interest is measured on a small copy of the picture (longer side
// smartSide), never on the picture itself:
//
//   - The copy is sampled from the image Fill receives, one pixel per copy
//     pixel, each at a fixed pseudo-random place inside the cell it stands
//     for: its cost is bounded by the copy's size, not the source's, and
//     the jitter keeps a fine regular pattern (a checkerboard whose period
//     matches the sampling step) from aliasing into a flat colour. Render
//     has usually box-reduced the image a fill receives already, which
//     averages away much of the noise a single sample would carry; what
//     is left is spread evenly over the picture and mostly below the
//     edge floor. (Averaging 2×2 samples per copy pixel moved the windows
//     chosen for the photographs of the shared corpus by 1 % at most, and
//     doubled the analysis's cost.)
//   - Each copy pixel scores its edge strength (a Sobel gradient of luma,
//     above a noise floor), its saturation (chroma above a floor) and
//     whether its colour is a skin tone (the Chai–Ngan box in Cb/Cr, not
//     too dark). Colour is read as YCbCr, which a JPEG decode already is,
//     with alpha premultiplied so that transparent areas count as black.
//   - The scores are summed across the window's full side into a profile
//     along the overflowing side, and each window position is scored by a
//     weighted sum of the profile under it, the weight rising from 1 at
//     the window's edges to 2 at its centre, so that of the windows holding
//     a small subject the one centring it wins.
//
// Unless the best position beats the centred window by more than 1/32 of
// its score, the window is centred, exactly as the Center anchor places it:
// a picture with nothing that stands out (or detail everywhere) is cut as
// Center cuts it, and noise does not move the window about. Everything is
// integer arithmetic (one correctly rounded square root aside), so the
// window is the same on every machine.
const (
	// smartSide is the longer side of the analysis copy: fine enough to
	// place the window within 1/256 of the picture (under 2 output pixels
	// for any window narrower than 512), coarse enough that the analysis
	// costs a millisecond or so. Smaller details than 1/256 of the picture
	// still count through the sampling, as texture.
	smartSide = 256

	// smartEdgeFloor is the Sobel magnitude (|gx|+|gy| on 0–255 luma, a
	// step of d gives 4d) below which a gradient is noise or a smooth
	// shading, not detail.
	smartEdgeFloor = 16
	// smartChromaFloor and smartChromaGain turn chroma (the distance of
	// Cb/Cr from grey, 0–181) into a score: greys and muted colours score
	// nothing; a strong red (chroma ≈ 120) scores about as much as a
	// moderate edge.
	smartChromaFloor = 16
	smartChromaGain  = 2
	// smartSkin is the score of a skin-tone pixel, and smartSkinMinY the
	// luma below which no pixel is taken for skin.
	smartSkin     = 192
	smartSkinMinY = 40
)

// smartWindow returns the offset of the W×H window in src scaled to cw×ch
// (the cover box, cw ≥ W and ch ≥ H) that the Smart anchor chooses. src is
// the whole picture at any scale.
func smartWindow(src image.Image, cw, ch, W, H int) (x0, y0 int) {
	x0, y0 = anchorOffset(cw, ch, W, H, Center)
	if cw == W && ch == H {
		return 0, 0
	}
	if cw > W && ch > H { // not a cover box: no one-dimensional search
		return x0, y0
	}
	p := sampleSmart(src)
	horizontal := cw > W
	var profile []int64
	var span, side, win int
	if horizontal {
		profile, span, side, win = p.profile(true), p.w, cw, W
	} else {
		profile, span, side, win = p.profile(false), p.h, ch, H
	}
	m := min(span, max(1, mulDivRound(win, span, side))) // the window in copy pixels
	start, centred := smartBest(profile, m)
	if centred {
		return x0, y0
	}
	off := min(mulDivRound(start, side, span), side-win)
	off = chromaAligned(src, horizontal, off, side, win)
	if horizontal {
		return off, y0
	}
	return x0, off
}

// chromaAligned returns the offset nearest off (off itself if it is) whose
// window starts, in src, on a chroma sample when src is a subsampled
// *image.YCbCr: the resampler works on the planes of such a window
// directly, and on any other converts it to RGB first, at twice the cost.
// The window moves by less than one chroma sample of src, well inside the
// precision of the analysis. side is the length of the cover box along the
// window's direction of travel, win the window's.
func chromaAligned(src image.Image, horizontal bool, off, side, win int) int {
	m, ok := src.(*image.YCbCr)
	if !ok {
		return off
	}
	f, _ := lzChromaFactors(m.SubsampleRatio)
	n, start := m.Rect.Dx(), m.Rect.Min.X
	if !horizontal {
		_, f = lzChromaFactors(m.SubsampleRatio)
		n, start = m.Rect.Dy(), m.Rect.Min.Y
	}
	if f <= 1 {
		return off
	}
	aligned := func(o int) bool {
		a := start + min(mulDivRound(o, n, side), n-1) // as fillWindow maps it
		return (a%f+f)%f == 0
	}
	reach := f*((side+n-1)/n) + 1 // cover pixels spanning f source pixels
	for d := range reach + 1 {
		for _, o := range []int{off - d, off + d} {
			if o >= 0 && o <= side-win && aligned(o) {
				return o
			}
		}
	}
	return off
}

// smartBest returns where an m-long window over profile p (m ≤ len(p))
// holds the most interest, and whether that is the centre: true when the
// centred window scores within 1/32 of the best. Ties go to the position
// nearest the centre, then the lower.
func smartBest(p []int64, m int) (start int, centred bool) {
	n := len(p)
	if m >= n {
		return 0, true
	}
	score := func(x int) int64 {
		var s int64
		for i, v := range p[x : x+m] {
			s += int64(m+2*min(i, m-1-i)) * v
		}
		return s
	}
	best, bestD := int64(-1), 0
	for x := 0; x <= n-m; x++ {
		s := score(x)
		d := 2*x - (n - m)
		if d < 0 {
			d = -d
		}
		if s > best || (s == best && d < bestD) {
			start, best, bestD = x, s, d
		}
	}
	c := max(score((n-m)/2), score((n-m+1)/2))
	return start, c >= best-best/32
}

// smartPlanes is the analysis copy: luma 0–255 and chroma centred on 0, w×h
// samples each.
type smartPlanes struct {
	w, h      int
	y, cb, cr []int32
}

// profile sums the interest of every copy pixel across the copy: by column
// when byColumn, by row otherwise.
func (p smartPlanes) profile(byColumn bool) []int64 {
	w, h := p.w, p.h
	out := make([]int64, h)
	if byColumn {
		out = make([]int64, w)
	}
	for y := range h {
		up := p.y[max(y-1, 0)*w:][:w]
		mid := p.y[y*w:][:w]
		dn := p.y[min(y+1, h-1)*w:][:w]
		cbs, crs := p.cb[y*w:][:w], p.cr[y*w:][:w]
		var row int64
		for x := range w {
			xa, xb := max(x-1, 0), min(x+1, w-1)
			gx := up[xb] + 2*mid[xb] + dn[xb] - up[xa] - 2*mid[xa] - dn[xa]
			gy := dn[xa] + 2*dn[x] + dn[xb] - up[xa] - 2*up[x] - up[xb]
			s := max(abs32(gx)+abs32(gy)-smartEdgeFloor, 0)
			cb, cr := cbs[x], crs[x]
			if c2 := cb*cb + cr*cr; c2 > smartChromaFloor*smartChromaFloor {
				s += smartChromaGain * (int32(math.Sqrt(float64(c2))) - smartChromaFloor)
			}
			// Chai & Ngan's skin box: Cb in 77–127, Cr in 133–173.
			if mid[x] >= smartSkinMinY && cb >= 77-128 && cb <= 127-128 && cr >= 133-128 && cr <= 173-128 {
				s += smartSkin
			}
			if byColumn {
				out[x] += int64(s)
			} else {
				row += int64(s)
			}
		}
		if !byColumn {
			out[y] = row
		}
	}
	return out
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// sampleSmart makes the analysis copy of img: at most smartSide on its
// longer side, each pixel one pixel of img at a jittered place inside the
// cell it stands for (every pixel of img when img is no larger).
func sampleSmart(img image.Image) smartPlanes {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := sw, sh
	if long := max(sw, sh); long > smartSide {
		w, h = max(1, mulDivRound(sw, smartSide, long)), max(1, mulDivRound(sh, smartSide, long))
	}
	xs := smartGrid(b.Min.X, sw, w, 0x9e3779b9)
	ys := smartGrid(b.Min.Y, sh, h, 0x85ebca6b)
	n := w * h
	p := smartPlanes{w: w, h: h, y: make([]int32, n), cb: make([]int32, n), cr: make([]int32, n)}
	set := func(i int, yy, cb, cr uint8) {
		p.y[i], p.cb[i], p.cr[i] = int32(yy), int32(cb)-128, int32(cr)-128
	}
	switch m := img.(type) {
	case *image.YCbCr:
		yo, co := make([]int, w), make([]int, w)
		c0 := m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
		for i, x := range xs {
			yo[i] = m.YOffset(x, m.Rect.Min.Y)
			co[i] = m.COffset(x, m.Rect.Min.Y) - c0
		}
		for j, y := range ys {
			yr, cr := m.YOffset(m.Rect.Min.X, y), m.COffset(m.Rect.Min.X, y)
			for i := range xs {
				k := cr + co[i]
				set(j*w+i, m.Y[yr+yo[i]], m.Cb[k], m.Cr[k])
			}
		}
	case *image.Gray:
		for j, y := range ys {
			row := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
			for i, x := range xs {
				set(j*w+i, row[x-m.Rect.Min.X], 128, 128)
			}
		}
	case *image.NRGBA:
		for j, y := range ys {
			row := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
			for i, x := range xs {
				q := row[4*(x-m.Rect.Min.X):]
				r, g, bl, a := q[0], q[1], q[2], q[3]
				if a != 0xff {
					r, g, bl = premul8(r, a), premul8(g, a), premul8(bl, a)
				}
				yy, cb, cr := color.RGBToYCbCr(r, g, bl)
				set(j*w+i, yy, cb, cr)
			}
		}
	case *image.RGBA:
		for j, y := range ys {
			row := m.Pix[m.PixOffset(m.Rect.Min.X, y):]
			for i, x := range xs {
				q := row[4*(x-m.Rect.Min.X):]
				yy, cb, cr := color.RGBToYCbCr(q[0], q[1], q[2])
				set(j*w+i, yy, cb, cr)
			}
		}
	default:
		at := func(x, y int) (r, g, b uint32) {
			r, g, b, _ = img.At(x, y).RGBA()
			return
		}
		if m, ok := img.(image.RGBA64Image); ok {
			at = func(x, y int) (r, g, b uint32) {
				c := m.RGBA64At(x, y)
				return uint32(c.R), uint32(c.G), uint32(c.B)
			}
		}
		for j, y := range ys {
			for i, x := range xs {
				r, g, bl := at(x, y) // premultiplied
				yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
				set(j*w+i, yy, cb, cr)
			}
		}
	}
	return p
}

// smartGrid returns the n sample positions across size pixels from start:
// one in each of n equal strata, at a pseudo-random (but fixed) place
// inside it chosen by hashing the stratum with seed. With n == size it is
// every pixel.
func smartGrid(start, size, n int, seed uint32) []int {
	out := make([]int, n)
	for i := range out {
		r := int((uint32(i)*0x2c1b3c6d + seed) * 0x297a2d39 >> 24) // 0–255
		out[i] = start + (i*256+r)*size/(n*256)
	}
	return out
}

// premul8 is v×a/255 rounded.
func premul8(v, a uint8) uint8 { return uint8((uint32(v)*uint32(a) + 127) / 255) }
