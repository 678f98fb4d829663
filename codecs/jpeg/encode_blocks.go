package jpeg

import (
	"image"

	"github.com/blobimage/blobimage/internal/boxavg"
)

// encStrip holds one row of MCUs as planes of 8-bit samples, padded to
// whole MCUs by repeating the last column and row of the image.
type encStrip struct {
	mode   encMode
	y      []byte // luma, rows×ys
	cb, cr []byte // chroma, (rows/2 or rows)×cs; unused in encModeGray
	ys, cs int    // row strides: the padded widths
	rows   int    // luma rows: 16 for 4:2:0, else 8
	mcuW   int    // MCU width in pixels: 16 for 4:2:0, else 8
	w      int    // image width
}

// encSource fills the strip from an image.
type encSource struct {
	strip encStrip
	h     int // image height

	// fill converts image rows y.. y+strip.rows-1 (relative to the top of
	// the bounds, clamped to the last row) into the strip.
	fill func(y int)
}

// encNewSource returns the source for m, choosing a fast path for its type.
func encNewSource(m image.Image, mode encMode) *encSource {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	src := &encSource{h: h}
	st := &src.strip
	st.mode, st.w, st.rows, st.mcuW = mode, w, 8, 8
	if mode == encMode420 {
		st.rows, st.mcuW = 16, 16
	}
	st.ys = (w + st.mcuW - 1) / st.mcuW * st.mcuW
	st.y = make([]byte, st.rows*st.ys)
	switch mode {
	case encMode420:
		st.cs = st.ys / 2
		st.cb = make([]byte, st.rows/2*st.cs)
		st.cr = make([]byte, st.rows/2*st.cs)
	case encMode444:
		st.cs = st.ys
		st.cb = make([]byte, st.rows*st.cs)
		st.cr = make([]byte, st.rows*st.cs)
	}

	if mode == encModeGray {
		g := m.(*image.Gray)
		src.fill = func(y0 int) {
			for i := range st.rows {
				y := min(y0+i, h-1)
				off := g.PixOffset(b.Min.X, b.Min.Y+y)
				encPadCopy(st.y[i*st.ys:][:st.ys], g.Pix[off:off+w])
			}
		}
		return src
	}

	if m, ok := m.(*image.YCbCr); ok {
		src.fill = encYCbCrFiller(st, m, h)
		return src
	}

	// Everything else is read a row at a time as 4-byte RGB(A) pixels.
	var row func(y int, scratch []byte) []byte
	switch m := m.(type) {
	case *image.RGBA:
		row = func(y int, _ []byte) []byte {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[off : off+4*w]
		}
	case *image.NRGBA:
		row = func(y int, scratch []byte) []byte {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			p := m.Pix[off : off+4*w]
			if encOpaque(p) {
				return p
			}
			// Premultiply as color.NRGBA.RGBA does, keeping the top byte.
			for i := 0; i+3 < len(p); i += 4 {
				a := uint32(p[i+3])
				for j := range 3 {
					c := uint32(p[i+j])
					scratch[i+j] = byte((c * 0x101 * a / 0xff) >> 8)
				}
			}
			return scratch
		}
	default:
		row = func(y int, scratch []byte) []byte {
			for x := range w {
				r, g, bb, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
				scratch[4*x], scratch[4*x+1], scratch[4*x+2] = byte(r>>8), byte(g>>8), byte(bb>>8)
			}
			return scratch
		}
	}
	s0, s1 := make([]byte, 4*w), make([]byte, 4*w)
	if mode == encMode420 {
		src.fill = func(y0 int) {
			for i := 0; i < st.rows; i += 2 {
				ya, yb := min(y0+i, h-1), min(y0+i+1, h-1)
				p0 := row(ya, s0)
				p1 := p0
				if yb != ya {
					p1 = row(yb, s1)
				}
				encRGBTo420(st.y[i*st.ys:][:st.ys], st.y[(i+1)*st.ys:][:st.ys],
					st.cb[i/2*st.cs:][:st.cs], st.cr[i/2*st.cs:][:st.cs], p0, p1, w)
			}
		}
	} else {
		src.fill = func(y0 int) {
			for i := range st.rows {
				p := row(min(y0+i, h-1), s0)
				encRGBTo444(st.y[i*st.ys:][:st.ys], st.cb[i*st.cs:][:st.cs], st.cr[i*st.cs:][:st.cs], p, w)
			}
		}
	}
	return src
}

// encOpaque reports whether every alpha byte of the 4-byte pixels p is 0xff.
func encOpaque(p []byte) bool {
	a := byte(0xff)
	for i := 3; i < len(p); i += 4 {
		a &= p[i]
	}
	return a == 0xff
}

// encPadCopy copies src to the start of dst and fills the rest of dst with
// the last byte of src.
func encPadCopy(dst, src []byte) {
	n := copy(dst, src)
	encPad(dst, n)
}

// encPad fills dst[n:] with dst[n-1].
func encPad(dst []byte, n int) {
	v := dst[n-1]
	for i := n; i < len(dst); i++ {
		dst[i] = v
	}
}

// JFIF conversion coefficients (ITU-T T.871 section 7) in 16-bit fixed
// point: Y = 0.299 R + 0.587 G + 0.114 B, Cb = -0.1687 R - 0.3313 G +
// 0.5 B + 128, Cr = 0.5 R - 0.4187 G - 0.0813 B + 128.
const (
	encYR, encYG, encYB    = 19595, 38470, 7471
	encCbR, encCbG, encCbB = -11056, -21712, 32768
	encCrR, encCrG, encCrB = 32768, -27440, -5328
)

// encLuma returns the rounded luma of r, g, b (0..255; the coefficients
// sum to 2^16, so no clamping is needed).
func encLuma(r, g, b int32) byte {
	return byte((encYR*r + encYG*g + encYB*b + 1<<15) >> 16)
}

// encChroma returns rounded Cb and Cr for sums r, g, b of 1<<sh pixels.
// Only the upper end can overflow (pure blue or red rounds to 256).
func encChroma(r, g, b int32, sh uint) (cb, cr byte) {
	half := int32(1) << (15 + sh)
	bias := int32(128)<<(16+sh) + half
	vb := (encCbR*r + encCbG*g + encCbB*b + bias) >> (16 + sh)
	vr := (encCrR*r + encCrG*g + encCrB*b + bias) >> (16 + sh)
	return byte(min(vb, 255)), byte(min(vr, 255))
}

// encRGBTo420 converts rows p0 and p1 of w 4-byte RGB(A) pixels (p1 may be
// p0) to luma rows y0, y1 and one row each of Cb and Cr, each chroma
// sample from the sum of 2×2 pixels, and pads all four rows.
func encRGBTo420(y0, y1, cb, cr, p0, p1 []byte, w int) {
	n := w / 2
	// Walk the rows by re-slicing so that only the [:8] and [:2] slicings
	// carry bounds checks.
	pa, pc := p0, p1
	ya, yc := y0, y1
	for j := range n {
		a, c := pa[:8], pc[:8]
		r0, g0, b0 := int32(a[0]), int32(a[1]), int32(a[2])
		r1, g1, b1 := int32(a[4]), int32(a[5]), int32(a[6])
		r2, g2, b2 := int32(c[0]), int32(c[1]), int32(c[2])
		r3, g3, b3 := int32(c[4]), int32(c[5]), int32(c[6])
		u, v := ya[:2], yc[:2]
		u[0] = encLuma(r0, g0, b0)
		u[1] = encLuma(r1, g1, b1)
		v[0] = encLuma(r2, g2, b2)
		v[1] = encLuma(r3, g3, b3)
		cb[j], cr[j] = encChroma(r0+r1+r2+r3, g0+g1+g2+g3, b0+b1+b2+b3, 2)
		pa, pc, ya, yc = pa[8:], pc[8:], ya[2:], yc[2:]
	}
	if w%2 == 1 {
		a := p0[8*n:][:4]
		c := p1[8*n:][:4]
		r0, g0, b0 := int32(a[0]), int32(a[1]), int32(a[2])
		r2, g2, b2 := int32(c[0]), int32(c[1]), int32(c[2])
		y0[2*n] = encLuma(r0, g0, b0)
		y1[2*n] = encLuma(r2, g2, b2)
		cb[n], cr[n] = encChroma(2*(r0+r2), 2*(g0+g2), 2*(b0+b2), 2)
	}
	encPad(y0, w)
	encPad(y1, w)
	encPad(cb, (w+1)/2)
	encPad(cr, (w+1)/2)
}

// encRGBTo444 converts a row p of w 4-byte RGB(A) pixels to rows of Y, Cb
// and Cr, and pads them.
func encRGBTo444(y, cb, cr, p []byte, w int) {
	for x := range w {
		a := p[4*x:][:4]
		r, g, b := int32(a[0]), int32(a[1]), int32(a[2])
		y[x] = encLuma(r, g, b)
		cb[x], cr[x] = encChroma(r, g, b, 0)
	}
	encPad(y, w)
	encPad(cb, w)
	encPad(cr, w)
}

// encYCbCrFiller returns the strip filler for m: luma is copied, chroma
// copied when m is 4:2:0 (or 4:4:4 for 4:4:4 output) on an even origin,
// and otherwise averaged from the source samples of the pixels an output
// sample covers (2×2 pixels for 4:2:0, with the last column and row
// standing in for missing ones), with (sum+2)/4 or (sum+1)/2. Common
// layouts (4:2:2 and 4:4:4 sources) have loops of their own.
func encYCbCrFiller(st *encStrip, m *image.YCbCr, h int) func(y int) {
	b := m.Rect
	w := st.w
	lumaRow := func(y0, i int) {
		y := min(y0+i, h-1)
		off := m.YOffset(b.Min.X, b.Min.Y+y)
		encPadCopy(st.y[i*st.ys:][:st.ys], m.Y[off:off+w])
	}

	// Output chroma sample j covers pixel columns 2j and 2j+1 (4:2:0) or
	// just j (4:4:4), clamped to the image; colA/colB are the source
	// chroma columns of those pixels relative to the row's first sample.
	sub := st.mode == encMode420
	cw := w
	if sub {
		cw = (w + 1) / 2
	}
	colA, colB := make([]int32, cw), make([]int32, cw)
	c0 := m.COffset(b.Min.X, b.Min.Y)
	direct, pairs := true, sub
	for j := range cw {
		xa, xb := j, j
		if sub {
			xa, xb = 2*j, min(2*j+1, w-1)
		}
		colA[j] = int32(m.COffset(b.Min.X+xa, b.Min.Y) - c0)
		colB[j] = int32(m.COffset(b.Min.X+xb, b.Min.Y) - c0)
		direct = direct && colA[j] == int32(j) && colB[j] == int32(j)
		pairs = pairs && colA[j] == int32(2*j) && colB[j] == int32(min(2*j+1, w-1))
	}
	// crow returns the offset of the chroma row of image row y.
	crow := func(y int) int { return m.COffset(b.Min.X, b.Min.Y+min(y, h-1)) }

	if !sub {
		return func(y0 int) {
			for i := range st.rows {
				lumaRow(y0, i)
				r := crow(y0 + i)
				cb, cr := st.cb[i*st.cs:][:st.cs], st.cr[i*st.cs:][:st.cs]
				if direct {
					copy(cb, m.Cb[r:r+w])
					copy(cr, m.Cr[r:r+w])
				} else {
					for j := range w {
						cb[j] = m.Cb[r+int(colA[j])]
						cr[j] = m.Cr[r+int(colA[j])]
					}
				}
				encPad(cb, w)
				encPad(cr, w)
			}
		}
	}
	return func(y0 int) {
		for i := 0; i < st.rows; i += 2 {
			lumaRow(y0, i)
			lumaRow(y0, i+1)
			ra, rb := crow(y0+i), crow(y0+i+1)
			cb, cr := st.cb[i/2*st.cs:][:st.cs], st.cr[i/2*st.cs:][:st.cs]
			switch {
			case direct && ra == rb:
				copy(cb, m.Cb[ra:ra+cw])
				copy(cr, m.Cr[ra:ra+cw])
			case direct:
				encAvgRows(cb, m.Cb[ra:ra+cw], m.Cb[rb:rb+cw])
				encAvgRows(cr, m.Cr[ra:ra+cw], m.Cr[rb:rb+cw])
			case pairs:
				encAvgPairs(cb, m.Cb[ra:ra+w], m.Cb[rb:rb+w])
				encAvgPairs(cr, m.Cr[ra:ra+w], m.Cr[rb:rb+w])
			default:
				encAvg4(cb, m.Cb[ra:], m.Cb[rb:], colA, colB)
				encAvg4(cr, m.Cr[ra:], m.Cr[rb:], colA, colB)
			}
			encPad(cb, cw)
			encPad(cr, cw)
		}
	}
}

// encAvgRows sets dst[j] to the rounded mean of a[j] and b[j].
func encAvgRows(dst, a, b []byte) {
	b = b[:len(a)]
	for j := range a {
		dst[j] = byte((uint16(a[j]) + uint16(b[j]) + 1) >> 1)
	}
}

// encAvgPairs sets dst[j] to the rounded mean of a[2j], a[2j+1], b[2j] and
// b[2j+1], the last column of a and b standing in for a missing 2j+1.
func encAvgPairs(dst, a, b []byte) {
	odd := len(a)%2 == 1
	var last byte
	if odd {
		k := len(a) - 1
		last = byte((2*uint16(a[k]) + 2*uint16(b[k]) + 2) >> 2)
	}
	n := min(len(a)/2, len(b)/2, len(dst))
	boxavg.Pairs(dst[:n], a, b)
	if odd {
		dst[n] = last
	}
}

// encAvg4 sets dst[j] to the rounded mean of the samples at columns colA[j]
// and colB[j] of rows a and b.
func encAvg4(dst, a, b []byte, colA, colB []int32) {
	for j := range colA {
		xa, xb := colA[j], colB[j]
		s := uint16(a[xa]) + uint16(a[xb]) + uint16(b[xa]) + uint16(b[xb])
		dst[j] = byte((s + 2) >> 2)
	}
}
