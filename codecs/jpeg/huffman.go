package jpeg

import (
	"encoding/binary"
	"io"
)

// decLookBits is the number of bits the Huffman decoder looks up at once:
// codes up to this long (nearly all of them in practice) take one table
// read.
const decLookBits = 10

// decHuffman is a Huffman decoding table (ITU T.81 C and F.2.2.3).
type decHuffman struct {
	defined bool
	// lut maps the next decLookBits bits of input to symbol<<8 | code
	// length, for codes of at most decLookBits bits; 0 means a longer code.
	lut [1 << decLookBits]uint16
	// maxCode[l] is the largest code of length l, or -1; a code c of
	// length l stands for vals[c+valOff[l]].
	maxCode [17]int32
	valOff  [17]int32
	vals    [256]uint8
	// fastAC maps the next decLookBits bits to a whole AC coefficient, when
	// its code and its magnitude bits fit in them: value<<16 | run<<8 |
	// bits used; 0 otherwise. Only AC tables have it (nil for DC tables,
	// which would never use it), so the decoder's tables stay small.
	fastAC *[1 << decLookBits]int32
}

// build derives the decoding tables from the number of codes of each
// length (counts[l-1] for length l) and the symbols in code order (C.2);
// fastAC too for an AC table (ac).
func (h *decHuffman) build(counts *[16]byte, vals []byte, ac bool) error {
	clear(h.lut[:])
	copy(h.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.maxCode[l] = -1
		if n > 0 {
			h.valOff[l] = k - code
			h.maxCode[l] = code + n - 1
		}
		if code+n > 1<<l {
			return FormatError("over-subscribed Huffman table")
		}
		for ; n > 0; n-- {
			if l <= decLookBits {
				shift := decLookBits - l
				entry := uint16(vals[k])<<8 | uint16(l)
				base := code << shift
				for i := int32(0); i < 1<<shift; i++ {
					h.lut[base+i] = entry
				}
			}
			code++
			k++
		}
		code <<= 1
	}
	if !ac {
		h.defined = true
		return nil
	}
	if h.fastAC == nil {
		h.fastAC = new([1 << decLookBits]int32)
	}
	for i, e := range h.lut {
		h.fastAC[i] = 0
		l, sym := int(e&15), int(e>>8)
		r, sz := sym>>4, sym&15
		if e == 0 || sz == 0 || l+sz > decLookBits {
			continue
		}
		v := int32(i>>(decLookBits-l-sz)) & (1<<sz - 1)
		if v < 1<<(sz-1) {
			v += -1<<sz + 1
		}
		h.fastAC[i] = v<<16 | int32(r)<<8 | int32(l+sz)
	}
	h.defined = true
	return nil
}

// needHuffman makes sure that Huffman table id of class tc (0 DC, 1 AC)
// is defined before a scan uses it. Tables 0 and 1 that no DHT segment
// has defined are the typical tables of ITU T.81 K.3 (0 luminance, 1
// chrominance; the encoder's encHuffSpecs), as in libjpeg: Motion-JPEG
// frames leave out their DHT segments when they use those tables. Tables
// 2 and 3 have no default.
func (d *decoder) needHuffman(tc, id uint8) error {
	h := &d.huff[tc][id]
	if h.defined {
		return nil
	}
	if id > 1 {
		return FormatError("uninitialized Huffman table")
	}
	spec := &encHuffSpecs[2*id+tc]
	return h.build(&spec.counts, spec.symbols, tc == 1)
}

// processDHT reads Huffman tables (B.2.4.2).
func (d *decoder) processDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return FormatError("DHT has wrong length")
		}
		if err := d.br.readFull(d.tmp[:17]); err != nil {
			return err
		}
		tc, th := d.tmp[0]>>4, d.tmp[0]&15
		if tc > 1 {
			return FormatError("bad Tc value")
		}
		if th > 3 || d.baseline && th > 1 {
			return FormatError("bad Th value")
		}
		var counts [16]byte
		copy(counts[:], d.tmp[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if total == 0 {
			return FormatError("Huffman table has zero length")
		}
		if total > 256 {
			return FormatError("Huffman table has excessive length")
		}
		n -= 17 + total
		if n < 0 {
			return FormatError("DHT has wrong length")
		}
		if err := d.br.readFull(d.tmp[:total]); err != nil {
			return err
		}
		h := &d.huff[tc][th]
		h.defined = false
		if err := h.build(&counts, d.tmp[:total], tc == 1); err != nil {
			return err
		}
	}
	return nil
}

// decBitReader reads bytes from the input through a buffer, and the bits
// of entropy-coded segments MSB first, removing byte stuffing.
//
// When an entropy-coded segment ends (at a marker or at the end of the
// input) the bit reader supplies zero bits instead, counting them in pad;
// the scan decoder reports an error if it ever consumes one of them, which
// is when image/jpeg reports "short Huffman data". The padding lets the hot
// loops go without end-of-data checks and still terminate.
type decBitReader struct {
	r   io.Reader
	buf []byte
	pos int // next unread byte of buf
	end int // end of valid data in buf
	err error

	acc     uint64 // bits, MSB first; the low 64-n bits are zero
	n       uint   // number of bits in acc
	pad     uint   // zero bits appended after the segment's end
	stopped bool   // the segment has ended: refill appends zeros
}

func (br *decBitReader) init(r io.Reader, size int) {
	br.r = r
	br.buf = make([]byte, size)
}

// fill reads more input, keeping the unread bytes. It reports whether any
// byte was added.
func (br *decBitReader) fill() bool {
	if br.err != nil {
		return false
	}
	if br.pos > 0 {
		br.end = copy(br.buf, br.buf[br.pos:br.end])
		br.pos = 0
	}
	for tries := 0; br.end < len(br.buf); tries++ {
		m, err := br.r.Read(br.buf[br.end:])
		br.end += m
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			br.err = err
			return m > 0
		}
		if m > 0 {
			return true
		}
		if tries >= 100 {
			br.err = io.ErrNoProgress
			return false
		}
	}
	return false
}

// readByte returns the next byte of input.
func (br *decBitReader) readByte() (byte, error) {
	if br.pos >= br.end && !br.fill() {
		return 0, br.err
	}
	c := br.buf[br.pos]
	br.pos++
	return c, nil
}

// readFull reads exactly len(p) bytes.
func (br *decBitReader) readFull(p []byte) error {
	for {
		m := copy(p, br.buf[br.pos:br.end])
		br.pos += m
		p = p[m:]
		if len(p) == 0 {
			return nil
		}
		if !br.fill() {
			return br.err
		}
	}
}

// skip discards n bytes.
func (br *decBitReader) skip(n int) error {
	for {
		m := min(n, br.end-br.pos)
		br.pos += m
		n -= m
		if n == 0 {
			return nil
		}
		if !br.fill() {
			return br.err
		}
	}
}

// resetBits starts a new entropy-coded segment.
func (br *decBitReader) resetBits() {
	br.acc, br.n, br.pad, br.stopped = 0, 0, 0, false
}

// overrun reports whether the decoder has consumed bits past the end of
// the entropy-coded segment.
func (br *decBitReader) overrun() bool {
	return br.n < br.pad
}

// refill tops the bit buffer up to more than 56 bits.
func (br *decBitReader) refill() {
	// Fast path: with 8 bytes of input buffered and none of them 0xFF (no
	// stuffing, no marker), take all the whole bytes that fit at once.
	// Entropy-coded data has a 0xFF about once in 256 bytes, so this
	// path nearly always applies; otherwise the loop below goes byte by
	// byte as before, with the same result.
	if !br.stopped && br.n <= 56 && br.end-br.pos >= 8 {
		w := binary.BigEndian.Uint64(br.buf[br.pos:])
		if t := ^w; (t-0x0101010101010101)&^t&0x8080808080808080 == 0 {
			nb := (64 - br.n) >> 3 // 1..8 whole bytes fit
			br.acc |= w >> (64 - 8*nb) << (64 - br.n - 8*nb)
			br.pos += int(nb)
			br.n += 8 * nb
			return
		}
	}
	for br.n <= 56 {
		if br.stopped {
			br.n += 8
			br.pad += 8
			continue
		}
		if br.end-br.pos < 2 {
			// Two bytes tell a data byte from a marker: a reader may
			// return one byte at a time.
			for br.end-br.pos < 2 && br.fill() {
			}
			if br.pos >= br.end {
				br.stopped = true
				continue
			}
		}
		c := br.buf[br.pos]
		if c == 0xff {
			if br.pos+1 >= br.end {
				// 0xFF as the last byte of the input: a truncated marker.
				br.stopped = true
				continue
			}
			if br.buf[br.pos+1] != 0 {
				br.stopped = true // a marker: leave it for the caller
				continue
			}
			br.pos++
		}
		br.pos++
		br.acc |= uint64(c) << (56 - br.n)
		br.n += 8
	}
}

// symbol decodes one Huffman-coded symbol. The caller has made sure that
// at least 16 bits are buffered. ok is false for a bit sequence that is
// no code of h.
func (br *decBitReader) symbol(h *decHuffman) (sym uint8, ok bool) {
	if e := h.lut[br.acc>>(64-decLookBits)]; e != 0 {
		l := uint(e & 15)
		br.acc <<= l
		br.n -= l
		return uint8(e >> 8), true
	}
	return br.symbolSlow(h)
}

// symbolSlow decodes a code longer than decLookBits bits.
func (br *decBitReader) symbolSlow(h *decHuffman) (uint8, bool) {
	for l := uint(decLookBits + 1); l <= 16; l++ {
		code := int32(br.acc >> (64 - l))
		if code <= h.maxCode[l] {
			br.acc <<= l
			br.n -= l
			return h.vals[uint8(code+h.valOff[l])], true
		}
	}
	return 0, false
}

// receive reads s (0..16) bits and extends them to a signed value
// (F.2.2.1). The caller has made sure that at least s bits are buffered.
func (br *decBitReader) receive(s uint8) int32 {
	if s == 0 {
		return 0
	}
	v := int32(br.acc >> (64 - uint(s)))
	br.acc <<= s
	br.n -= uint(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// bits reads s (0..16) bits as an unsigned number.
func (br *decBitReader) bits(s uint8) uint32 {
	if s == 0 {
		return 0
	}
	if br.n < uint(s) {
		br.refill()
	}
	v := uint32(br.acc >> (64 - uint(s)))
	br.acc <<= s
	br.n -= uint(s)
	return v
}

// bit reads one bit.
func (br *decBitReader) bit() bool {
	if br.n == 0 {
		br.refill()
	}
	b := br.acc>>63 != 0
	br.acc <<= 1
	br.n--
	return b
}
