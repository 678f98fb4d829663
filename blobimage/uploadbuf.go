package blobimage

import (
	"errors"
	"io"
	"os"
)

// uploadBuffer holds an upload to an image key while it is written: the
// write path needs it as one slice, but only once the whole upload is in.
//
// A bytes.Buffer doubles its slice as it grows, copying what it holds each
// time: a 6.4 MB upload written in 1 MiB pieces (what the portable
// writer's ReadFrom and io.Copy of a file do) allocates 1+2+4+8 MiB, holds
// the 4 and 8 MiB slices at once while it copies, and keeps 8 MiB to the
// end of the write. uploadBuffer keeps the pieces in chunks that are never
// copied while it grows, and joins them once, into a slice of exactly the
// upload's size, when Bytes is first called. An upload written in one piece
// (Bucket.WriteAll), or whose size was known before it started (hint: the
// imageWriter takes it from Store.Put's reader, or from the reader given
// to Upload; see readerSize), is one chunk and is never copied again.
// Otherwise the join is the one copy: for that moment the chunks and the
// joined slice are both held (about twice the upload, as the doubling
// slice held at its last step), and from then on exactly the upload.
type uploadBuffer struct {
	chunks [][]byte // filled in order; only the last may have room to spare
	n      int      // bytes held
	// hint is the upload's expected size: the first chunk is made that
	// large. 0 when it is not known.
	hint int
}

const (
	// minChunk and maxChunk bound the chunks made while an upload of
	// unknown size streams in: each new chunk is as large as what is
	// already held, within these bounds, so a large upload takes a few
	// dozen chunks and at most maxChunk of room is left unused.
	minChunk = 64 << 10
	maxChunk = 4 << 20
)

// Len returns the number of bytes held.
func (b *uploadBuffer) Len() int { return b.n }

// room returns the free space at the end of the last chunk, making a new
// chunk when there is none. want is how much the caller has to put there;
// the new chunk holds at least that much, unless want is larger than the
// hint and the growth policy allow, in which case it is exactly want.
func (b *uploadBuffer) room(want int) []byte {
	if k := len(b.chunks); k > 0 {
		last := b.chunks[k-1]
		if len(last) < cap(last) {
			return last[len(last):cap(last)]
		}
	}
	size := min(max(b.n, minChunk), maxChunk)
	if len(b.chunks) == 0 && b.hint > 0 {
		size = b.hint
	}
	size = max(size, want)
	b.chunks = append(b.chunks, make([]byte, 0, size))
	c := b.chunks[len(b.chunks)-1]
	return c[:cap(c)]
}

// grew records that m more bytes were written into the room last returned.
func (b *uploadBuffer) grew(m int) {
	last := &b.chunks[len(b.chunks)-1]
	*last = (*last)[:len(*last)+m]
	b.n += m
}

// Write appends p. It never fails.
func (b *uploadBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		m := copy(b.room(len(p)), p)
		b.grew(m)
		p = p[m:]
	}
	return n, nil
}

// ReadFrom appends what r gives until io.EOF.
func (b *uploadBuffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		var room []byte
		if b.hint > 0 && b.n >= b.hint && b.full() {
			// The upload is as long as the hint said: the next Read
			// most likely only reports io.EOF, and a new chunk would
			// be made for nothing.
			room = make([]byte, minRead)
		} else {
			room = b.room(minRead)
		}
		m, err := r.Read(room)
		if m < 0 || m > len(room) {
			return total, errBadRead
		}
		if b.full() {
			b.Write(room[:m]) // the probe's bytes
		} else {
			b.grew(m)
		}
		total += int64(m)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// errBadRead is returned by ReadFrom for a reader that reports reading
// more than it was given room for, or a negative count.
var errBadRead = errors.New("blobimage: reader returned an impossible count")

// minRead is the least room ReadFrom gives each Read.
const minRead = 512

// full reports whether the last chunk has no room left (or there is none).
func (b *uploadBuffer) full() bool {
	k := len(b.chunks)
	return k == 0 || len(b.chunks[k-1]) == cap(b.chunks[k-1])
}

// Bytes returns everything written, as one slice of exactly Len bytes'
// length. The first call after more than one chunk was filled joins them
// (the one copy an upload of unknown size costs) and lets the chunks go.
// The slice aliases the buffer: it is valid until the next Write.
func (b *uploadBuffer) Bytes() []byte {
	switch len(b.chunks) {
	case 0:
		return nil
	case 1:
		return b.chunks[0]
	}
	out := make([]byte, 0, b.n)
	for i, c := range b.chunks {
		out = append(out, c...)
		b.chunks[i] = nil
	}
	b.chunks = append(b.chunks[:0], out)
	return out
}

// Reset lets go of everything held, and of the hint.
func (b *uploadBuffer) Reset() { *b = uploadBuffer{} }

// readerSize returns how many bytes r will give, when r is one of the
// readers that know it (bytes.Reader, bytes.Buffer, strings.Reader and
// anything else with a Len method, a regular *os.File, an
// *io.SectionReader, or an *io.LimitedReader of one of them), else 0.
// It is only a hint: a reader that gives more or less is still read to
// its end.
func readerSize(r io.Reader) int {
	var n int64
	switch r := r.(type) {
	case interface{ Len() int }:
		n = int64(r.Len())
	case *io.LimitedReader:
		n = int64(readerSize(r.R))
		n = min(n, r.N)
	case *io.SectionReader:
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0
		}
		n = r.Size() - off
	case *os.File:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0
		}
		n = fi.Size() - off
	}
	if n <= 0 || int64(int(n)) != n {
		return 0
	}
	return int(n)
}
