package jpeg

import (
	"errors"
	"image"
	"io"
)

// Options are the encoding parameters of Encode. A nil *Options is the same
// as a zero Options: quality 75 with 4:2:0 chroma subsampling.
type Options struct {
	// Quality selects the quantisation tables: the example tables of ITU T.81
	// Annex K (K.1 for luma, K.2 for chroma) scaled by the IJG formula used by
	// libjpeg and image/jpeg, so a given Quality gives the same tables as
	// those encoders. It runs from 1 (smallest file, worst picture) to 100
	// (largest, best). 0 means 75; values below 1 are treated as 1 and
	// values above 100 as 100.
	Quality int

	// Chroma444 turns chroma subsampling off: colour images are written with
	// Cb and Cr at full resolution (4:4:4). The default, false, writes 4:2:0:
	// Y at full resolution and Cb, Cr averaged over each 2×2 block of pixels.
	// It has no effect on *image.Gray, which is always written as a single
	// component.
	Chroma444 bool
}

// encDefaultQuality is the quality used when Options.Quality is 0.
const encDefaultQuality = 75

// Encode writes m to w as a baseline sequential JPEG (ITU T.81) in a JFIF
// file, with o's parameters (nil means the defaults, see Options).
//
// An *image.Gray is written with one component. Every other image is
// converted to Y'CbCr with the JFIF equations (BT.601 full range) and
// written with three components, 4:2:0 unless o.Chroma444 is set. Colours
// are taken as image.Image defines them: an *image.RGBA is premultiplied
// and its colour channels are used as they are, and a translucent pixel of
// any other type is converted through its RGBA method, which amounts to
// compositing it over black (image/jpeg does the same). An *image.YCbCr is
// read without any colour conversion: its luma as is and its chroma
// resampled to the output's 2×2 (or 1×1) grid by averaging the samples that
// cover each output sample. *image.YCbCr, *image.RGBA, *image.NRGBA and
// *image.Gray are read directly from their pixel buffers; other types go
// through At.
//
// Conversions round to nearest: luma and chroma from 8-bit RGB with 16-bit
// fixed-point coefficients, 4:2:0 chroma from the sum of the 2×2 RGB
// pixels (one rounding, not four), and averaged chroma as (sum+n/2)/n.
// Where an image has an odd width or height, the last column or row
// stands in for the missing half of a 2×2 block. The forward DCT is a
// fixed-point AAN factorisation (within 0.1 of the exact transform) whose
// scale factors are folded into quantisation, a multiplication by a
// precomputed reciprocal that rounds to nearest, ties towards +∞. Blocks
// that extend past the right or bottom edge of the image are padded by
// repeating the last column and row. The entropy coder uses the typical
// Huffman tables of Annex K.3 (not optimised per image) and writes no
// restart markers. The output is the same for the same pixels whatever
// the image type or bounds origin (except for an *image.YCbCr, whose
// chroma is not recomputed). It is not byte-identical to image/jpeg's at
// the same quality: on photographs it is 0–3% smaller with PSNR within
// ±0.05 dB.
//
// Memory use is proportional to the width of m, not its area: the image is
// converted one row of MCUs (16 or 8 pixel rows) at a time. Output is
// buffered, so w sees a few large writes.
//
// Encode returns an error if m's bounds are empty or more than 65535 pixels
// wide or high, and otherwise the first error returned by w, after which it
// stops writing.
func Encode(w io.Writer, m image.Image, o *Options) error {
	b := m.Bounds()
	if b.Empty() {
		return errors.New("jpeg: cannot encode an empty image")
	}
	if b.Dx() > 0xffff || b.Dy() > 0xffff {
		return errors.New("jpeg: cannot encode an image over 65535 pixels wide or high")
	}
	quality, c444 := encDefaultQuality, false
	if o != nil {
		if o.Quality != 0 {
			quality = min(max(o.Quality, 1), 100)
		}
		c444 = o.Chroma444
	}
	mode := encMode420
	if _, ok := m.(*image.Gray); ok {
		mode = encModeGray
	} else if c444 {
		mode = encMode444
	}

	e := &encEncoder{w: w, buf: make([]byte, encBufSize)}
	e.setQuality(quality)
	e.writeHeaders(b.Dx(), b.Dy(), mode)
	src := encNewSource(m, mode)
	e.writeScan(src)
	e.finish()
	return e.err
}

// encBufSize is the size of the output buffer; encMCUReserve is the most
// a single MCU can add to it (six blocks of at most 64 codes of 27 bits,
// every byte of them stuffed).
const (
	encBufSize    = 64 << 10
	encMCUReserve = 6 * 2 * (64*27 + 7) / 8
)

// encMode is the component layout of the output.
type encMode int

const (
	encMode420  encMode = iota // Y 2×2, Cb 1×1, Cr 1×1
	encMode444                 // Y, Cb, Cr all 1×1
	encModeGray                // Y only
)

// encEncoder holds the state of one Encode call.
type encEncoder struct {
	w   io.Writer
	err error

	// buf[:pos] is the output not yet written to w.
	buf []byte
	pos int
	// acc holds nacc < 32 pending entropy-coded bits in its low bits (bits
	// above them are stale and ignored).
	acc  uint64
	nacc uint

	quant [2][64]byte  // quantisation tables in zigzag order: luma, chroma
	recip [2][64]int64 // quantisation reciprocals in zigzag order, see fdct.go
	// recipNat holds recip in natural order as int32, for encFDCTQuantVec.
	recipNat [2][64]int32
	coef     [64]int32 // quantised coefficients of the current block, zigzag order
	dc       [3]int32  // previous DC value of each component
}

// unzig[k] is the natural (row-major) index of the k-th coefficient in
// zig-zag order (ITU T.81 Figure A.6), for the encoder and the decoder.
var unzig = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// encBaseQuant are the example quantisation tables of ITU T.81 Annex K,
// in natural order: K.1 (luminance) and K.2 (chrominance).
var encBaseQuant = [2][64]byte{
	{
		16, 11, 10, 16, 24, 40, 51, 61,
		12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56,
		14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77,
		24, 35, 55, 64, 81, 104, 113, 92,
		49, 64, 78, 87, 103, 121, 120, 101,
		72, 92, 95, 98, 112, 100, 103, 99,
	},
	{
		17, 18, 24, 47, 99, 99, 99, 99,
		18, 21, 26, 66, 99, 99, 99, 99,
		24, 26, 56, 99, 99, 99, 99, 99,
		47, 66, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// encScaleQuant returns the Annex K table base scaled for quality q (1..100)
// by the IJG formula, in zigzag order: scale = 5000/q below 50 and 200-2q
// from 50 on, entry = (base*scale+50)/100 clamped to 1..255.
func encScaleQuant(base *[64]byte, q int) (t [64]byte) {
	scale := 200 - 2*q
	if q < 50 {
		scale = 5000 / q
	}
	for k, n := range unzig {
		t[k] = byte(min(max((int(base[n])*scale+50)/100, 1), 255))
	}
	return t
}

// setQuality computes the quantisation tables and their reciprocals.
func (e *encEncoder) setQuality(q int) {
	for i := range e.quant {
		e.quant[i] = encScaleQuant(&encBaseQuant[i], q)
		e.recip[i] = encReciprocals(&e.quant[i])
		e.recipNat[i] = encNaturalRecip(&e.recip[i])
	}
}

// writeHeaders writes SOI, APP0 (JFIF), DQT, SOF0, DHT and SOS.
func (e *encEncoder) writeHeaders(w, h int, mode encMode) {
	ncomp := 3
	if mode == encModeGray {
		ncomp = 1
	}
	p := e.buf[:0]
	// SOI, then APP0: "JFIF\0", version 1.01, no units, 1:1 aspect, no thumbnail.
	p = append(p, 0xff, 0xd8,
		0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0)

	// DQT: one 8-bit table per component class, in zigzag order.
	ntab := min(ncomp, 2)
	p = append(p, 0xff, 0xdb)
	p = encAppend16(p, 2+65*ntab)
	for i := range ntab {
		p = append(p, byte(i))
		p = append(p, e.quant[i][:]...)
	}

	// SOF0: baseline, 8-bit samples.
	p = append(p, 0xff, 0xc0)
	p = encAppend16(p, 8+3*ncomp)
	p = append(p, 8)
	p = encAppend16(p, h)
	p = encAppend16(p, w)
	p = append(p, byte(ncomp))
	for i := range ncomp {
		hv, tq := byte(0x11), byte(min(i, 1))
		if i == 0 && mode == encMode420 {
			hv = 0x22
		}
		p = append(p, byte(i+1), hv, tq)
	}

	// DHT: DC and AC tables per component class.
	n := 2
	for i := range 2 * ntab {
		n += 17 + len(encHuffSpecs[i].symbols)
	}
	p = append(p, 0xff, 0xc4)
	p = encAppend16(p, n)
	for i := range 2 * ntab {
		s := &encHuffSpecs[i]
		p = append(p, s.class<<4|byte(i/2))
		p = append(p, s.counts[:]...)
		p = append(p, s.symbols...)
	}

	// SOS: all components interleaved, spectral selection 0..63.
	p = append(p, 0xff, 0xda)
	p = encAppend16(p, 6+2*ncomp)
	p = append(p, byte(ncomp))
	for i := range ncomp {
		t := byte(min(i, 1))
		p = append(p, byte(i+1), t<<4|t)
	}
	p = append(p, 0, 63, 0)
	e.pos = len(p)
}

// encAppend16 appends v as a big-endian 16-bit number.
func encAppend16(p []byte, v int) []byte {
	return append(p, byte(v>>8), byte(v))
}

// writeScan entropy-codes the whole image, one row of MCUs at a time.
func (e *encEncoder) writeScan(src *encSource) {
	st := &src.strip
	lum, chr := &encHuffTables[0], &encHuffTables[1]
	for y := 0; y < src.h; y += st.rows {
		src.fill(y)
		for x := 0; x < st.w; x += st.mcuW {
			if len(e.buf)-e.pos < encMCUReserve {
				if e.flush(); e.err != nil {
					return
				}
			}
			switch st.mode {
			case encMode420:
				e.block(st.y, x, st.ys, 0, lum)
				e.block(st.y, x+8, st.ys, 0, lum)
				e.block(st.y, 8*st.ys+x, st.ys, 0, lum)
				e.block(st.y, 8*st.ys+x+8, st.ys, 0, lum)
				e.block(st.cb, x/2, st.cs, 1, chr)
				e.block(st.cr, x/2, st.cs, 2, chr)
			case encMode444:
				e.block(st.y, x, st.ys, 0, lum)
				e.block(st.cb, x, st.cs, 1, chr)
				e.block(st.cr, x, st.cs, 2, chr)
			default:
				e.block(st.y, x, st.ys, 0, lum)
			}
		}
	}
}

// block transforms, quantises and entropy-codes the 8×8 samples at p[off:]
// (rows stride apart) as a block of component comp.
func (e *encEncoder) block(p []byte, off, stride, comp int, h *encHuffPair) {
	q := min(comp, 1)
	var nz uint64
	if jpegVec {
		nz = encFDCTQuantVec(p, off, stride, &e.recipNat[q], &e.coef)
	} else {
		nz = encFDCTQuant(p, off, stride, &e.recip[q], &e.coef)
	}
	e.emitBlock(&e.coef, nz, &e.dc[comp], h)
}

// flush writes out the buffered bytes, remembering the first error.
func (e *encEncoder) flush() {
	if e.err == nil && e.pos > 0 {
		_, e.err = e.w.Write(e.buf[:e.pos])
	}
	e.pos = 0
}

// finish pads the entropy-coded data with 1 bits to a byte boundary, writes
// EOI and flushes.
func (e *encEncoder) finish() {
	if e.err != nil {
		return
	}
	if len(e.buf)-e.pos < 16 {
		e.flush()
	}
	if pad := (8 - e.nacc%8) % 8; pad > 0 {
		e.acc = e.acc<<pad | (1<<pad - 1)
		e.nacc += pad
	}
	for e.nacc > 0 {
		e.nacc -= 8
		c := byte(e.acc >> e.nacc)
		e.buf[e.pos] = c
		e.pos++
		if c == 0xff {
			e.buf[e.pos] = 0
			e.pos++
		}
	}
	e.buf[e.pos], e.buf[e.pos+1] = 0xff, 0xd9
	e.pos += 2
	e.flush()
}
