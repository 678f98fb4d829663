package heif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/blobimage/blobimage/codecs"
)

// box is one ISO-BMFF box found in the input: its type and where its
// header, payload and end lie, as offsets into the whole file.
type box struct {
	typ   string
	start int // first byte of the header
	body  int // first byte of the payload
	end   int // one past the last byte
}

// payload returns the box's payload within data.
func (b box) payload(data []byte) []byte { return data[b.body:b.end] }

// raw returns the whole box, header included.
func (b box) raw(data []byte) []byte { return data[b.start:b.end] }

// sized returns the whole box with an explicit size. A box whose size
// field is 0 runs to the end of its container: copied into a rebuilt
// container, it would swallow whatever is written after it.
func (b box) sized(data []byte) []byte {
	raw := b.raw(data)
	if binary.BigEndian.Uint32(raw) != 0 {
		return raw
	}
	n := uint64(len(raw))
	if n <= math.MaxUint32 {
		out := bytes.Clone(raw)
		binary.BigEndian.PutUint32(out, uint32(n))
		return out
	}
	out := make([]byte, 0, n+8)
	out = binary.BigEndian.AppendUint32(out, 1)
	out = append(out, raw[4:8]...)
	out = binary.BigEndian.AppendUint64(out, n+8)
	return append(out, raw[8:]...)
}

// errCorrupt builds an error matching codecs.ErrCorrupt.
func errCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: heif: %s", codecs.ErrCorrupt, fmt.Sprintf(format, args...))
}

// errUnsupported builds an error matching codecs.ErrUnsupportedFormat.
func errUnsupported(format string, args ...any) error {
	return fmt.Errorf("%w: heif: %s", codecs.ErrUnsupportedFormat, fmt.Sprintf(format, args...))
}

// maxBoxesPerContainer bounds the child boxes read from one container, so
// that a file of nothing but 8-byte boxes costs a bounded walk.
const maxBoxesPerContainer = 1 << 16

// children splits data[start:end] into boxes. A box whose size field is 0
// runs to end (the specification allows it for the last top-level box);
// size 1 means a 64-bit size follows. Every box must lie within end.
func children(data []byte, start, end int) ([]box, error) {
	out, off, err := childrenUpTo(data, start, end)
	if err != nil {
		return nil, fmt.Errorf("%w at %d", err, off)
	}
	return out, nil
}

// childrenUpTo is children that also returns the boxes read before a
// malformed one, and where that one starts.
func childrenUpTo(data []byte, start, end int) ([]box, int, error) {
	var out []box
	for off := start; off < end; {
		if len(out) >= maxBoxesPerContainer {
			return out, off, errCorrupt("more than %d boxes in one container", maxBoxesPerContainer)
		}
		if end-off < 8 {
			return out, off, errCorrupt("truncated box header")
		}
		size := uint64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		body := off + 8
		switch size {
		case 0:
			size = uint64(end - off)
		case 1:
			if end-off < 16 {
				return out, off, errCorrupt("truncated large box header")
			}
			size = binary.BigEndian.Uint64(data[off+8:])
			body = off + 16
		}
		if typ == "uuid" {
			body += 16
		}
		if size < uint64(body-off) || size > uint64(end-off) {
			return out, off, errCorrupt("box %q: size %d outside its container (%d bytes left)", printable(typ), size, end-off)
		}
		out = append(out, box{typ: typ, start: off, body: body, end: off + int(size)})
		off += int(size)
	}
	return out, end, nil
}

// printable returns a box type safe to print.
func printable(typ string) string {
	b := []byte(typ)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// reader reads big-endian fields from a payload, remembering the first
// overrun instead of panicking.
type reader struct {
	b   []byte
	off int
	err error
}

var errShort = errors.New("truncated")

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = errShort
		return false
	}
	return true
}

func (r *reader) u8() uint8 {
	if !r.need(1) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16() uint16 {
	if !r.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u24() uint32 {
	if !r.need(3) {
		return 0
	}
	v := uint32(r.b[r.off])<<16 | uint32(r.b[r.off+1])<<8 | uint32(r.b[r.off+2])
	r.off += 3
	return v
}

func (r *reader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) u64() uint64 {
	if !r.need(8) {
		return 0
	}
	v := binary.BigEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

// uint reads an unsigned field of n bytes (0, 2, 4 or 8; 0 reads nothing
// and returns 0), as iloc's variable-size fields are.
func (r *reader) uint(n int) uint64 {
	switch n {
	case 0:
		return 0
	case 2:
		return uint64(r.u16())
	case 4:
		return uint64(r.u32())
	case 8:
		return r.u64()
	}
	r.err = fmt.Errorf("field size %d", n)
	return 0
}

func (r *reader) fourcc() string {
	if !r.need(4) {
		return ""
	}
	v := string(r.b[r.off : r.off+4])
	r.off += 4
	return v
}

// cstring reads a null-terminated string; a string missing its terminator
// at the end of the payload is accepted (some writers omit it).
func (r *reader) cstring() string {
	if r.err != nil {
		return ""
	}
	rest := r.b[r.off:]
	for i, c := range rest {
		if c == 0 {
			r.off += i + 1
			return string(rest[:i])
		}
	}
	r.off = len(r.b)
	return string(rest)
}

// fullBox reads a FullBox's version and flags.
func (r *reader) fullBox() (version uint8, flags uint32) {
	return r.u8(), r.u24()
}

func (r *reader) left() int { return len(r.b) - r.off }
