package heif

import "errors"

// bits reads a bitstream most significant bit first, remembering the
// first overrun.
type bits struct {
	b   []byte
	pos int // in bits
	err error
}

var errBits = errors.New("bitstream truncated")

func (r *bits) u(n int) uint64 {
	var v uint64
	for range n {
		if r.pos >= 8*len(r.b) {
			r.err = errBits
			return 0
		}
		v = v<<1 | uint64(r.b[r.pos>>3]>>(7-r.pos&7)&1)
		r.pos++
	}
	return v
}

func (r *bits) flag() bool { return r.u(1) == 1 }

func (r *bits) skip(n int) {
	r.pos += n
	if r.pos > 8*len(r.b) {
		r.err = errBits
	}
}

// ue reads an unsigned Exp-Golomb code (HEVC ue(v)), up to 32 bits.
func (r *bits) ue() uint64 {
	zeros := 0
	for r.err == nil && !r.flag() {
		zeros++
		if zeros > 32 {
			r.err = errors.New("Exp-Golomb code too long")
			return 0
		}
	}
	if r.err != nil {
		return 0
	}
	return 1<<zeros - 1 + r.u(zeros)
}

// se reads a signed Exp-Golomb code.
func (r *bits) se() int64 {
	v := r.ue()
	if v&1 == 1 {
		return int64(v+1) / 2
	}
	return -int64(v / 2)
}

// unescape removes HEVC emulation prevention bytes (0x000003 → 0x0000).
func unescape(nal []byte) []byte {
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
