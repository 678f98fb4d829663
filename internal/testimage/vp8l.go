package testimage

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"slices"
)

// This file holds a deliberately minimal VP8L (WebP lossless) encoder,
// written from the WebP lossless bitstream specification
// (https://developers.google.com/speed/webp/docs/webp_lossless_bitstream_specification).
// It uses no transforms, no colour cache and no meta prefix codes, and
// codes every pixel as a literal with "simple" prefix codes of one or two
// symbols. That is enough for images whose every channel takes at most two
// values, such as Pattern.

// vp8lMaxSize is the largest width or height a VP8L header can hold (14
// bits of size minus one).
const vp8lMaxSize = 1 << 14

// bitWriter packs values least significant bit first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

// write appends the n low bits of v.
func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v&(1<<n-1)) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

// bytes flushes the last partial byte (padded with zero bits) and returns
// the stream.
func (w *bitWriter) bytes() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

// simpleCode is a VP8L "simple code length code": one or two 8-bit symbols.
// With one symbol, coding it takes no bits; with two, the smaller symbol is
// coded as bit 0 and the larger as bit 1.
type simpleCode struct {
	symbols []uint8 // sorted ascending, 1 or 2 entries
}

// newSimpleCode returns the code for the distinct values in vals, or an
// error naming channel if there are more than two.
func newSimpleCode(channel string, vals map[uint8]bool) (simpleCode, error) {
	var syms []uint8
	for v := range vals {
		syms = append(syms, v)
	}
	slices.Sort(syms)
	if len(syms) > 2 {
		return simpleCode{}, fmt.Errorf("%s takes %d distinct values %v, at most 2 are supported", channel, len(syms), syms)
	}
	return simpleCode{syms}, nil
}

// writeHeader writes the prefix code: is_simple=1, num_symbols-1,
// is_first_8bits=1 and the 8-bit symbols. The symbols are written in
// ascending order so the canonical code (shorter/lower symbol first) and the
// "first symbol is code 0" reading agree.
func (c simpleCode) writeHeader(w *bitWriter) {
	w.write(1, 1)
	w.write(uint32(len(c.symbols)-1), 1)
	w.write(1, 1)
	for _, s := range c.symbols {
		w.write(uint32(s), 8)
	}
}

// writeSymbol writes v, which must be one of c's symbols.
func (c simpleCode) writeSymbol(w *bitWriter, v uint8) {
	if len(c.symbols) == 2 {
		if v == c.symbols[0] {
			w.write(0, 1)
		} else {
			w.write(1, 1)
		}
	}
}

// encodeVP8L returns the VP8L bitstream (the payload of a "VP8L" chunk) for
// img and whether it uses alpha. It returns an error if img is too large or
// a channel takes more than two values.
func encodeVP8L(img image.Image) (data []byte, alpha bool, err error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 || w > vp8lMaxSize || h > vp8lMaxSize {
		return nil, false, fmt.Errorf("size %dx%d outside 1x1 to %dx%d", w, h, vp8lMaxSize, vp8lMaxSize)
	}

	// Gather the pixels in non-premultiplied form and each channel's values.
	pix := make([]color.NRGBA, 0, w*h)
	var seen [4]map[uint8]bool // green, red, blue, alpha: the prefix code order
	for i := range seen {
		seen[i] = map[uint8]bool{}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			pix = append(pix, c)
			seen[0][c.G], seen[1][c.R], seen[2][c.B], seen[3][c.A] = true, true, true, true
			if c.A != 0xff {
				alpha = true
			}
		}
	}
	var codes [4]simpleCode
	for i, name := range []string{"green", "red", "blue", "alpha"} {
		if codes[i], err = newSimpleCode(name, seen[i]); err != nil {
			return nil, false, err
		}
	}

	bw := &bitWriter{}
	// Header: signature, 14-bit width-1 and height-1, alpha_is_used,
	// 3-bit version 0.
	bw.write(0x2f, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	if alpha {
		bw.write(1, 1)
	} else {
		bw.write(0, 1)
	}
	bw.write(0, 3)

	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes: one prefix code group

	// The five prefix codes: green, red, blue, alpha, then distance. No
	// backward reference is used, so the distance code is a single symbol
	// (0, written with is_first_8bits=0 and a 1-bit symbol).
	for _, c := range codes {
		c.writeHeader(bw)
	}
	bw.write(1, 1) // simple
	bw.write(0, 1) // one symbol
	bw.write(0, 1) // 1-bit symbol
	bw.write(0, 1) // symbol 0

	// Every pixel is a literal: green, red, blue, alpha.
	for _, c := range pix {
		codes[0].writeSymbol(bw, c.G)
		codes[1].writeSymbol(bw, c.R)
		codes[2].writeSymbol(bw, c.B)
		codes[3].writeSymbol(bw, c.A)
	}
	data = bw.bytes()
	// Make the bitstream an even number of bytes with a zero byte no
	// decoder reads, so the VP8L chunk needs no RIFF pad byte: some
	// readers (github.com/bep/imagemeta v1.0.1) skip chunks without
	// honouring the pad and would miss the EXIF chunk after an odd one.
	if len(data)%2 != 0 {
		data = append(data, 0)
	}
	return data, alpha, nil
}

// riffChunk appends a RIFF chunk: the FourCC, the little-endian payload
// size and the payload, padded with a zero byte to an even length (the pad
// is not counted in the size).
func riffChunk(buf []byte, fourCC string, payload []byte) []byte {
	buf = append(buf, fourCC...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = append(buf, payload...)
	if len(payload)%2 != 0 {
		buf = append(buf, 0)
	}
	return buf
}

// SolidVP8L returns the payload of a VP8L chunk of w×h pixels (1–16384
// each) all of colour c. Every prefix code has a single symbol, so the
// pixels take no bits at all: the payload is a few bytes whatever the
// size, which makes it a decompression bomb when w×h is large.
func SolidVP8L(w, h int, c color.NRGBA) []byte {
	if w < 1 || h < 1 || w > vp8lMaxSize || h > vp8lMaxSize {
		panic(fmt.Sprintf("testimage.SolidVP8L: %d×%d is outside 1–%d", w, h, vp8lMaxSize))
	}
	var bw bitWriter
	bw.write(0x2f, 8) // signature
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha is used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, v := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint32(v), 8)
	}
	bw.write(1, 1) // distance code: simple, one 1-bit symbol, 0
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	return bw.bytes()
}
