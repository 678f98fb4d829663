// Package inflate decodes zlib streams (RFC 1950) of DEFLATE data (RFC
// 1951) for the PNG decoder, about twice as fast as compress/zlib.
//
// It accepts and refuses the same streams as compress/zlib: the same code
// length checks (an incomplete code only as the single one-bit codeword
// zlib writes), distances no further back than the output, the Adler-32
// checksum. What makes it fast is the layout of its work, not shortcuts:
// one table lookup per symbol whose entry also carries the extra bits' count
// and base, a 64-bit bit buffer refilled eight bytes at a time without a
// branch, and matches copied 16 or 8 bytes at a time (by memmove when they
// do not overlap), all in a loop that runs while enough input and output
// room are at hand. Near the end of the
// buffered input the decoder takes one symbol at a time and reads input a
// byte at a time only when the symbol needs it, so it never asks its source
// for bytes past the end of the stream it would not have needed: the PNG
// decoder relies on that to tell the end of the image data from the chunk
// after it.
package inflate

import (
	"errors"
	"fmt"
	"io"

	"github.com/blobimage/blobimage/internal/adler32"
)

// Errors for a stream that is not valid zlib data. A stream that ends
// early gives io.ErrUnexpectedEOF.
var (
	ErrHeader     = errors.New("inflate: invalid zlib header")
	ErrDictionary = errors.New("inflate: zlib stream needs a preset dictionary")
	ErrChecksum   = errors.New("inflate: invalid checksum")
	ErrCorrupt    = errors.New("inflate: corrupt deflate data")
)

func corrupt(why string) error { return fmt.Errorf("%w: %s", ErrCorrupt, why) }

const (
	histSize = 32768   // the farthest a match reaches back
	workSize = 1 << 18 // output decoded between two slides of the window
	// slack follows the output goal in the window: room for a match
	// started just before the goal (258 bytes) and the 16-byte stores
	// that copy it (up to 15 bytes past its end).
	slack = 512
	// inSize is the most input read from the source at once: 4 KiB, as
	// compress/flate's bufio.Reader reads, so that when a stream ends
	// the bytes read past it (which a caller may check for, as the PNG
	// decoder and image/png check the chunk the stream ends in) are the
	// same as with compress/zlib.
	inSize = 4 << 10
)

type state uint8

const (
	stBlock   state = iota // at a block header
	stHuff                 // in a Huffman-coded block
	stStored               // in a stored block
	stTrailer              // after the final block, at the Adler-32 checksum
	stEnd                  // the stream ended and its checksum matched
)

// Reader inflates one zlib stream at a time. The zero Reader is ready for
// Reset; Reset reuses its buffers, so a Reader is worth keeping for the
// next stream.
type Reader struct {
	src io.Reader
	in  []byte // buffered input; in[pos:] not yet in the bit buffer
	pos int

	// The bit buffer: its low nb bits are the stream's next bits. Outside
	// the fast loop the bits above them are zero.
	bits uint64
	nb   uint

	// The window: win[:op] is output, of which win[rp:op] is not read yet
	// and win[summed:op] not yet in the checksum. Before the first slide
	// it holds all the output; after, at least the last histSize bytes.
	win            []byte
	op, rp, summed int

	state      state
	final      bool  // the block being decoded is the last
	storedLeft int   // bytes of the stored block not yet copied
	total      int64 // bytes of output decoded
	limit      int64 // decode no more than about this many (see SetLimit)
	adler      uint32
	err        error // sticky: io.EOF at the end

	lit, dist     []uint32 // the block's tables: fixedLit/fixedDist or the two below
	dynLit, dynDs []uint32
	clt           []uint32
	lens          [286 + 30]uint8
}

// Reset starts inflating the zlib stream that src holds: it reads the
// stream's two-byte header and reports whether it is valid. Reset(nil)
// only drops the source, keeping the buffers for the next stream.
func (z *Reader) Reset(src io.Reader) error {
	if src == nil {
		z.src, z.err = nil, io.EOF
		return nil
	}
	if z.win == nil {
		z.win = make([]byte, histSize+workSize+slack)
		z.in = make([]byte, 0, inSize)
	}
	z.src, z.in, z.pos = src, z.in[:0], 0
	z.bits, z.nb = 0, 0
	z.op, z.rp, z.summed = 0, 0, 0
	z.state, z.final, z.storedLeft = stBlock, false, 0
	z.total, z.limit, z.adler, z.err = 0, -1, 1, nil
	if err := z.need(16); err != nil {
		z.err = err
		return err
	}
	cmf, flg := z.bits&0xff, z.bits>>8&0xff
	z.consume(16)
	switch {
	case cmf&0x0f != 8 || cmf>>4 > 7 || (cmf<<8|flg)%31 != 0:
		z.err = ErrHeader
	case flg&0x20 != 0:
		z.err = ErrDictionary
	}
	return z.err
}

// SetLimit caps the output decoded ahead of what Read has returned: no
// more than n bytes in all, plus one symbol (at most 258 bytes) for each
// Read asked for more. A caller that knows how much data the stream should
// hold sets it, so that data past that end costs nothing to refuse.
// A negative n, the default after Reset, means no limit but the window's.
func (z *Reader) SetLimit(n int64) { z.limit = n }

// Read reads inflated data into p. At the end of the stream, after its
// checksum matched, it returns io.EOF.
func (z *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for z.rp == z.op {
		if z.err != nil {
			return 0, z.err
		}
		z.step(1)
	}
	n := copy(p, z.win[z.rp:z.op])
	z.rp += n
	return n, nil
}

// MaxNext is the most bytes Next returns at once.
const MaxNext = workSize

// Next returns the next n bytes of output (0 ≤ n ≤ MaxNext) without a
// copy: a slice of the Reader's window, valid until its next call. A
// stream that ends before n more bytes gives io.ErrUnexpectedEOF.
func (z *Reader) Next(n int) ([]byte, error) {
	if n < 0 || n > MaxNext {
		return nil, fmt.Errorf("inflate: Next(%d) out of range", n)
	}
	for z.op-z.rp < n {
		if z.err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if z.err != nil {
			return nil, z.err
		}
		z.step(n)
	}
	b := z.win[z.rp : z.rp+n : z.rp+n]
	z.rp += n
	return b, nil
}

// step decodes the next stretch of output into the window, so that the
// next need bytes after rp can be there, and records an error or the end
// in z.err. When the window lacks the room, the output is moved to its
// start, keeping what is not read yet and histSize bytes of history.
func (z *Reader) step(need int) {
	end := len(z.win) - slack
	if z.rp+need > end || end-z.op < histSize/2 {
		if keep := min(z.rp, z.op-histSize); keep > 0 {
			copy(z.win, z.win[keep:z.op])
			z.op -= keep
			z.rp -= keep
			z.summed -= keep
		}
	}
	goal := end
	if z.limit >= 0 {
		goal = min(goal, z.op+int(max(1, z.limit-z.total)))
	}
	start := z.op
	z.err = z.decode(goal)
	z.total += int64(z.op - start)
	if z.err == nil && z.state == stEnd {
		z.err = io.EOF
	}
}

// sum adds the output not yet summed to the checksum.
func (z *Reader) sum() {
	if z.summed < z.op {
		z.adler = adler32.Update(z.adler, z.win[z.summed:z.op])
		z.summed = z.op
	}
}

// decode decodes until the output reaches goal (which leaves the window
// slack bytes after it) or the stream ends.
func (z *Reader) decode(goal int) error {
	defer z.sum()
	for z.op < goal {
		var err error
		switch z.state {
		case stBlock:
			err = z.blockHeader()
		case stHuff:
			err = z.huffman(goal)
		case stStored:
			err = z.stored(goal)
		case stTrailer:
			z.sum()
			return z.trailer()
		case stEnd:
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fill reads more input once every buffered byte is in the bit buffer.
func (z *Reader) fill() error {
	for range 100 {
		n, err := z.src.Read(z.in[:cap(z.in)])
		z.in, z.pos = z.in[:n], 0
		if n > 0 {
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// pull moves one byte of input into the bit buffer.
func (z *Reader) pull() error {
	if z.pos == len(z.in) {
		if err := z.fill(); err != nil {
			return err
		}
	}
	z.bits |= uint64(z.in[z.pos]) << z.nb
	z.pos++
	z.nb += 8
	return nil
}

// need makes the bit buffer hold at least n bits.
func (z *Reader) need(n uint) error {
	for z.nb < n {
		if err := z.pull(); err != nil {
			return err
		}
	}
	return nil
}

func (z *Reader) consume(n uint) {
	z.bits >>= n
	z.nb -= n
}

// entry looks up the next symbol's entry in table t of root index bits,
// reading only the input the symbol needs, and consumes the bits of a
// subtable's root; the caller consumes the entry's n bits. The bits of the
// extra field are in the bit buffer when it returns.
func (z *Reader) entry(t []uint32, root uint) (uint32, error) {
	for {
		e := t[z.bits&(1<<root-1)]
		need, sub := uint(e&0xff), uint(0)
		if e&fSub != 0 {
			need = root
			if z.nb >= root {
				sub = root
				e = t[int(e>>16)+int(z.bits>>root&(1<<(e>>8&15)-1))]
				need = root + uint(e&0xff)
			}
		}
		if z.nb < need {
			// The lookup may have used bits past the input read: only
			// with need bits is the entry certain.
			if err := z.pull(); err != nil {
				return 0, err
			}
			continue
		}
		if e&fBad != 0 {
			return 0, corrupt("invalid code")
		}
		z.consume(sub)
		return e, nil
	}
}

// value is an entry's base plus its extra bits, which follow the codeword
// in the bit buffer as it was before the entry was consumed.
func value(e uint32, before uint64) int {
	n := e & 0xff
	return int(e>>16) + int(before&(1<<n-1)>>(e>>8&15))
}

// blockHeader reads a block's header and, for a Huffman block, its code.
func (z *Reader) blockHeader() error {
	if err := z.need(3); err != nil {
		return err
	}
	z.final = z.bits&1 != 0
	typ := z.bits >> 1 & 3
	z.consume(3)
	switch typ {
	case 0:
		z.consume(z.nb & 7)
		if err := z.need(32); err != nil {
			return err
		}
		n, nn := z.bits&0xffff, z.bits>>16&0xffff
		z.consume(32)
		if n != ^nn&0xffff {
			return corrupt("stored block length does not match its complement")
		}
		z.storedLeft, z.state = int(n), stStored
	case 1:
		z.lit, z.dist, z.state = fixedLit, fixedDist, stHuff
	case 2:
		if err := z.dynamicCode(); err != nil {
			return err
		}
		z.lit, z.dist, z.state = z.dynLit, z.dynDs, stHuff
	default:
		return corrupt("invalid block type")
	}
	return nil
}

// codeOrder is the order of the code length code's lengths (RFC 1951,
// 3.2.7).
var codeOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicCode reads a dynamic block's code lengths and builds its tables.
func (z *Reader) dynamicCode() error {
	if err := z.need(14); err != nil {
		return err
	}
	nlit, ndist, nclen := int(z.bits&31)+257, int(z.bits>>5&31)+1, int(z.bits>>10&15)+4
	z.consume(14)
	if nlit > 286 || ndist > 30 {
		return corrupt("too many length or distance codes")
	}
	var cl [19]uint8
	for _, s := range codeOrder[:nclen] {
		if err := z.need(3); err != nil {
			return err
		}
		cl[s] = uint8(z.bits & 7)
		z.consume(3)
	}
	var ok bool
	if z.clt, ok = build(z.clt, cl[:], clRoot, clSymbol); !ok {
		return corrupt("invalid code length code")
	}
	lens := z.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		e, err := z.entry(z.clt, clRoot)
		if err != nil {
			return err
		}
		z.consume(uint(e & 0xff))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep, nb uint
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return corrupt("repeat of no code length")
			}
			rep, nb, v = 3, 2, lens[i-1]
		case 17:
			rep, nb = 3, 3
		default:
			rep, nb = 11, 7
		}
		if err := z.need(nb); err != nil {
			return err
		}
		rep += uint(z.bits & (1<<nb - 1))
		z.consume(nb)
		if i+int(rep) > len(lens) {
			return corrupt("code lengths repeated past their count")
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	var okLit, okDist bool
	z.dynLit, okLit = build(z.dynLit, lens[:nlit], litRoot, litSymbol)
	z.dynDs, okDist = build(z.dynDs, lens[nlit:], distRoot, distSymbol)
	if !okLit || !okDist {
		return corrupt("invalid literal/length or distance code")
	}
	return nil
}

// huffman decodes symbols of a Huffman block until the output reaches
// goal or the block ends: in the fast loop while enough input is
// buffered, else one symbol at a time.
func (z *Reader) huffman(goal int) error {
	for z.op < goal && z.state == stHuff {
		if z.pos+8 <= len(z.in) {
			if err := z.fast(goal); err != nil {
				return err
			}
			continue
		}
		if err := z.symbol(); err != nil {
			return err
		}
	}
	return nil
}

// symbol decodes one symbol and, for a length, its distance and match,
// reading input a byte at a time only as it needs it.
func (z *Reader) symbol() error {
	e, err := z.entry(z.lit, litRoot)
	if err != nil {
		return err
	}
	before := z.bits
	z.consume(uint(e & 0xff))
	switch {
	case e&fLiteral != 0:
		z.win[z.op] = byte(e >> 16)
		z.op++
		return nil
	case e&fEOB != 0:
		z.endBlock()
		return nil
	}
	length := value(e, before)
	if e, err = z.entry(z.dist, distRoot); err != nil {
		return err
	}
	before = z.bits
	z.consume(uint(e & 0xff))
	d := value(e, before)
	if d > z.op {
		return corrupt("distance past the start of the output")
	}
	copyMatch(z.win, z.op, d, length)
	z.op += length
	return nil
}

func (z *Reader) endBlock() {
	if z.final {
		z.state = stTrailer
	} else {
		z.state = stBlock
	}
}

// copyMatch copies length bytes from d bytes back to op in win, sixteen
// or eight at a time where it can: it may write up to 15 bytes past
// op+length.
func copyMatch(win []byte, op, d, length int) {
	src := op - d
	switch {
	case d >= length:
		// No overlap: memmove, whose vector loop pays for its call on
		// the long matches of image data.
		copy(win[op:op+length], win[src:])
	case d >= 16:
		for i := 0; i < length; i += 16 {
			put64(win[op+i:], get64(win[src+i:]))
			put64(win[op+i+8:], get64(win[src+i+8:]))
		}
	case d >= 8:
		for i := 0; i < length; i += 8 {
			put64(win[op+i:], get64(win[src+i:]))
		}
	case d == 1:
		v := uint64(win[src]) * 0x0101010101010101
		for i := 0; i < length; i += 8 {
			put64(win[op+i:], v)
		}
	default:
		// A period of 2 to 7 bytes: the first eight bytes one by one,
		// then eight at a time from a whole number of periods back.
		n := min(length, 8)
		for i := range n {
			win[op+i] = win[src+i]
		}
		back := d * ((8 + d - 1) / d)
		for i := n; i < length; i += 8 {
			put64(win[op+i:], get64(win[op+i-back:]))
		}
	}
}

// stored copies the stored block's bytes, first those in the bit buffer.
func (z *Reader) stored(goal int) error {
	for z.storedLeft > 0 && z.op < goal {
		if z.nb >= 8 {
			z.win[z.op] = byte(z.bits)
			z.consume(8)
			z.op++
			z.storedLeft--
			continue
		}
		if z.pos == len(z.in) {
			if err := z.fill(); err != nil {
				return err
			}
		}
		n := copy(z.win[z.op:goal], z.in[z.pos:min(len(z.in), z.pos+z.storedLeft)])
		z.pos += n
		z.op += n
		z.storedLeft -= n
	}
	if z.storedLeft == 0 {
		z.endBlock()
	}
	return nil
}

// trailer checks the Adler-32 checksum after the final block.
func (z *Reader) trailer() error {
	z.consume(z.nb & 7)
	if err := z.need(32); err != nil {
		return err
	}
	b := z.bits
	z.consume(32)
	want := uint32(b&0xff)<<24 | uint32(b>>8&0xff)<<16 | uint32(b>>16&0xff)<<8 | uint32(b>>24&0xff)
	if want != z.adler {
		return ErrChecksum
	}
	z.state = stEnd
	return nil
}
