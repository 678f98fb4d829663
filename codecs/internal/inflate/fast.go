package inflate

import "encoding/binary"

func get64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
func put64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// fast decodes symbols of a Huffman block while at least eight bytes of
// input are buffered and the output is short of goal, or until the block
// ends. Each turn refills the bit buffer to 56 bits or more with one
// eight-byte load, without a branch: enough for a literal/length codeword
// and its extra bits (20 at most) and a distance's (28). The load puts the
// next bytes' bits above the buffer's valid ones too; later loads put the
// same bits there again, so the OR leaves them right. Leaving, it clears
// them, as the byte-at-a-time path expects.
//
// A match is copied 16 or 8 bytes at a time: it may write up to 273
// bytes from an op short of goal, which the window's slack after goal
// holds.
func (z *Reader) fast(goal int) error {
	in, pos := z.in, z.pos
	win, op := z.win, z.op
	bits, nb := z.bits, z.nb
	lit, dist := z.lit, z.dist
	var err error
	for pos+8 <= len(in) && op < goal {
		bits |= get64(in[pos:]) << (nb & 63)
		pos += int(63-nb) >> 3
		nb |= 56

		e := lit[bits&(1<<litRoot-1)]
		if e&fSub != 0 {
			bits >>= litRoot
			nb -= litRoot
			e = lit[int(e>>16)+int(bits&(1<<(e>>8&15)-1))]
		}
		before := bits
		n := uint(e & 0xff)
		bits >>= n & 63
		nb -= n
		if e&fLiteral != 0 {
			win[op] = byte(e >> 16)
			op++
			continue
		}
		if e&(fEOB|fBad) != 0 {
			if e&fBad != 0 {
				err = corrupt("invalid literal/length code")
			} else {
				z.endBlock()
			}
			break
		}
		length := value(e, before)

		e = dist[bits&(1<<distRoot-1)]
		if e&fSub != 0 {
			bits >>= distRoot
			nb -= distRoot
			e = dist[int(e>>16)+int(bits&(1<<(e>>8&15)-1))]
		}
		before = bits
		n = uint(e & 0xff)
		bits >>= n & 63
		nb -= n
		if e&fBad != 0 {
			err = corrupt("invalid distance code")
			break
		}
		d := value(e, before)
		if d > op {
			err = corrupt("distance past the start of the output")
			break
		}
		copyMatch(win, op, d, length)
		op += length
	}
	z.pos, z.op = pos, op
	z.bits, z.nb = bits&(1<<nb-1), nb
	return err
}
