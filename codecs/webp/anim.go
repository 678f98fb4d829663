package webp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/blobimage/blobimage/codecs"
)

// An animated WebP is a RIFF container whose VP8X chunk has the animation
// flag and gives the canvas size, followed by an ANIM chunk (background
// colour, loop count) and one ANMF chunk per frame. An ANMF payload is a
// 16-byte header (X and Y offsets in units of two pixels, width − 1,
// height − 1, duration in milliseconds, blending and disposal bits) and
// the frame's own chunks: an optional ALPH then VP8, or VP8L.
//
// walk reads that structure and makes the checks libwebp's demuxer makes
// of it (src/demux/demux.c), which Pillow, libvips and browsers therefore
// make too: ANIM before the first ANMF, no VP8, VP8L or ALPH outside an
// ANMF, an ALPH only before a VP8 chunk, every frame within the canvas,
// every chunk within the RIFF size; a file failing them is ErrCorrupt
// whichever frame fails. As there, a frame's size is its bitstream's (the
// ANMF header's width and height are not used), an ANMF chunk that does
// not start with an image holds no frame, and unknown chunks are skipped.
// Unlike there, a file that ends before its RIFF size (an interrupted
// upload) keeps the frames it holds whole, as a browser shows them; one
// without a whole frame is ErrCorrupt.

// Sizes of the fixed chunk payloads.
const (
	vp8xLen = 10
	animLen = 6
	anmfLen = 16
)

// VP8X flags.
const (
	vp8xAnimation = 1 << 1
	vp8xAlpha     = 1 << 4
)

// ANMF flag bits.
const (
	anmfDispose = 1 << 0 // dispose to the background (transparent) after display
	anmfNoBlend = 1 << 1 // replace the canvas's pixels instead of alpha-blending
)

// maxCanvasArea bounds a canvas's width × height, as the container
// specification and libwebp do: the product must fit in 32 bits.
const maxCanvasArea = 1 << 32

// header is what the VP8X and ANIM chunks of an animation say.
type header struct {
	// canvas is the VP8X canvas size.
	canvas image.Point
	// loops is the ANIM loop count: 0 forever, n ≥ 1 n times in all.
	loops int
}

// frame is one ANMF frame.
type frame struct {
	// rect is where the frame goes on the canvas; its size is its
	// bitstream's.
	rect image.Rectangle
	// duration is how long it shows, in milliseconds.
	duration int
	// blend: alpha-blend the frame over the canvas; else replace.
	blend bool
	// dispose: after display, clear rect to transparent.
	dispose bool
	// alpha reports an ALPH chunk, or a VP8L bitstream whose header says
	// it uses alpha: what libwebp's key-frame rule calls having alpha.
	alpha bool
	// alph is the ALPH payload (read only when decoding); hasALPH reports
	// the chunk.
	alph    []byte
	hasALPH bool
	// id and size are the FourCC ("VP8 " or "VP8L") and payload size of
	// the image chunk; image reads that payload during walk's callback
	// when walk reads payloads.
	id    string
	size  uint32
	image io.Reader
}

// errCorrupt returns an error matching codecs.ErrCorrupt.
func errCorrupt(format string, args ...any) error {
	return fmt.Errorf("webp: animation: %w: %s", codecs.ErrCorrupt, fmt.Sprintf(format, args...))
}

// errTruncated marks a file that ends before its RIFF size says.
var errTruncated = errors.New("file ends before its RIFF size")

// truncated returns an error matching codecs.ErrCorrupt and errTruncated.
func truncated(what string, err error) error {
	return fmt.Errorf("webp: animation: %w: %w: %s: %v", codecs.ErrCorrupt, errTruncated, what, err)
}

// errStop, returned by walk's callback, ends the walk without error.
var errStop = errors.New("stop")

// chunks reads the chunks of a RIFF container, or of an ANMF payload,
// holding left bytes as its size says.
type chunks struct {
	r    *bufio.Reader
	left int64
}

// errEnd reports that a container has no chunk left.
var errEnd = errors.New("no more chunks")

// next reads a chunk header and returns its FourCC and payload size; errEnd
// when fewer than 8 bytes are left. A payload that runs past the container
// is an error.
func (c *chunks) next() (string, uint32, error) {
	if c.left < 8 {
		return "", 0, errEnd
	}
	var h [8]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return "", 0, truncated("chunk header", err)
	}
	c.left -= 8
	size := binary.LittleEndian.Uint32(h[4:])
	if int64(size) > c.left {
		return "", 0, errCorrupt("%q chunk of %d bytes runs past its container (%d bytes left)", h[:4], size, c.left)
	}
	return string(h[:4]), size, nil
}

// read reads a payload of n bytes (the caller checked it is within the
// container) and its padding byte. It allocates as the bytes arrive, not
// what a header declares.
func (c *chunks) read(n uint32) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.r, int64(n)))
	if err == nil && len(b) < int(n) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, truncated("chunk", err)
	}
	c.left -= int64(n)
	return b, c.pad(n)
}

// readSmall reads a payload of n ≤ len(buf) bytes (the caller checked it
// is within the container) into buf, and its padding byte.
func (c *chunks) readSmall(n uint32, buf []byte) ([]byte, error) {
	b := buf[:n]
	if _, err := io.ReadFull(c.r, b); err != nil {
		return nil, truncated("chunk", err)
	}
	c.left -= int64(n)
	return b, c.pad(n)
}

// skip skips a payload of n bytes and its padding byte.
func (c *chunks) skip(n uint32) error {
	if _, err := c.r.Discard(int(n)); err != nil {
		return truncated("chunk", err)
	}
	c.left -= int64(n)
	return c.pad(n)
}

// pad skips the padding byte after an odd payload of n bytes, when the
// container has room for it (the last chunk of a file may lack it).
func (c *chunks) pad(n uint32) error {
	if n&1 == 0 || c.left == 0 {
		return nil
	}
	if _, err := c.r.Discard(1); err != nil {
		return truncated("padding", err)
	}
	c.left--
	return nil
}

// walk reads an animated WebP from r and calls each for every frame, in
// order. Without payloads, each is called once the whole frame has been
// skipped (so a frame cut short by the end of the file is not handed
// over), with no ALPH payload and no image reader. With payloads, each is
// called with the ALPH payload read and f.image reading the image chunk's
// payload (a frame cut short then shows as a short read); what it does not
// read is skipped after it returns. An error from each ends the walk;
// errStop ends it without error.
//
// walk returns the header and the number of frames handed to each, with
// an error matching codecs.ErrCorrupt when the structure is broken (see
// above), or also errTruncated when the file ends early. A walk of an
// animation without a frame is an error.
func walk(r *bufio.Reader, payloads bool, each func(h *header, f *frame) error) (*header, int, error) {
	var rh [12]byte
	if _, err := io.ReadFull(r, rh[:]); err != nil {
		return nil, 0, errCorrupt("truncated RIFF header: %v", err)
	}
	if string(rh[0:4]) != "RIFF" || string(rh[8:12]) != "WEBP" {
		return nil, 0, errCorrupt("no RIFF WEBP header")
	}
	riff := &chunks{r: r, left: int64(binary.LittleEndian.Uint32(rh[4:])) - 4}
	id, size, err := riff.next()
	if err != nil || id != "VP8X" || size < vp8xLen {
		return nil, 0, errCorrupt("no VP8X chunk first (%q, %d bytes, %v)", id, size, err)
	}
	var buf [anmfLen]byte
	vp8x, err := riff.readSmall(vp8xLen, buf[:])
	if err == nil {
		err = riff.skip(size - vp8xLen)
	}
	if err != nil {
		return nil, 0, err
	}
	h := &header{canvas: image.Pt(int(le24(vp8x[4:]))+1, int(le24(vp8x[7:]))+1)}
	if uint64(h.canvas.X)*uint64(h.canvas.Y) >= maxCanvasArea {
		return h, 0, errCorrupt("canvas %d×%d over 2³² pixels", h.canvas.X, h.canvas.Y)
	}
	anim, n := false, 0
	for {
		id, size, err := riff.next()
		switch {
		case err == errEnd && n == 0:
			return h, 0, errCorrupt("no frame")
		case err == errEnd:
			return h, n, nil
		case err != nil:
			return h, n, noFrame(err, n)
		}
		switch id {
		case "ANIM":
			if size < animLen {
				return h, n, errCorrupt("ANIM chunk of %d bytes", size)
			}
			if anim {
				break // later ANIM chunks are skipped, as libwebp does
			}
			b, err := riff.readSmall(animLen, buf[:])
			if err == nil {
				err = riff.skip(size - animLen)
			}
			if err != nil {
				return h, n, noFrame(err, n)
			}
			h.loops = int(binary.LittleEndian.Uint16(b[4:]))
			anim = true
			continue
		case "ANMF":
			if !anim {
				return h, n, errCorrupt("ANMF chunk before the ANIM chunk")
			}
			if size < anmfLen {
				return h, n, errCorrupt("ANMF chunk of %d bytes", size)
			}
			f, err := readFrame(riff, size, h.canvas, payloads, func(f *frame) error { return each(h, f) })
			if f != nil && (err == nil || err == errStop || payloads) {
				n++
			}
			if err == errStop {
				return h, n, nil
			}
			if err != nil {
				return h, n, noFrame(err, n)
			}
			continue
		case "VP8 ", "VP8L", "ALPH":
			return h, n, errCorrupt("%q chunk outside a frame", id)
		case "VP8X":
			return h, n, errCorrupt("second VP8X chunk")
		}
		if err := riff.skip(size); err != nil {
			return h, n, noFrame(err, n)
		}
	}
}

// noFrame returns err, a walk's error after n frames, and says so when the
// file ends before its first whole frame.
func noFrame(err error, n int) error {
	if n == 0 && errors.Is(err, errTruncated) {
		return fmt.Errorf("%w (before its first frame)", err)
	}
	return err
}

// readFrame reads an ANMF payload of size bytes from riff, on a canvas of
// the given size, and calls each for its frame (see walk). An ANMF chunk
// that does not start with an ALPH, VP8 or VP8L chunk holds no frame, as
// libwebp's demuxer reads it: readFrame skips it and returns no frame.
func readFrame(riff *chunks, size uint32, canvas image.Point, payloads bool, each func(*frame) error) (*frame, error) {
	var buf [anmfLen]byte
	hdr, err := riff.readSmall(anmfLen, buf[:])
	if err != nil {
		return nil, err
	}
	at := image.Pt(2*int(le24(hdr[0:])), 2*int(le24(hdr[3:])))
	f := &frame{duration: int(le24(hdr[12:])), blend: hdr[15]&anmfNoBlend == 0, dispose: hdr[15]&anmfDispose != 0}
	// The frame's chunks, within the rest of the payload; then the ANMF
	// chunk's padding byte.
	anmf := &chunks{r: riff.r, left: int64(size) - anmfLen}
	riff.left -= anmf.left
	skipRest := func() error {
		if err := anmf.skip(uint32(anmf.left)); err != nil {
			return err
		}
		return riff.pad(size)
	}
	id, n, err := anmf.next()
	if err == nil && id == "ALPH" {
		f.hasALPH, f.alpha = true, true
		if payloads {
			f.alph, err = anmf.read(n)
		} else {
			err = anmf.skip(n)
		}
		if err != nil {
			return nil, err
		}
		id, n, err = anmf.next()
		if err == errEnd {
			return nil, errCorrupt("frame with an ALPH chunk and no image")
		}
		if err == nil && id != "VP8 " {
			return nil, errCorrupt("frame with an ALPH chunk and a %q chunk, not VP8", id)
		}
	}
	if err == errEnd || (err == nil && id != "VP8 " && id != "VP8L") {
		return nil, skipRest()
	}
	if err != nil {
		return nil, err
	}
	head, err := riff.r.Peek(min(int(n), vp8HeaderLen))
	if err != nil {
		return nil, truncated(fmt.Sprintf("%q chunk", id), err)
	}
	w, h, alpha, err := bitstreamInfo(id, head)
	if err != nil {
		return nil, err
	}
	f.id, f.size, f.alpha = id, n, f.alpha || alpha
	f.rect = image.Rectangle{Min: at, Max: at.Add(image.Pt(w, h))}
	if !f.rect.In(image.Rectangle{Max: canvas}) {
		return nil, errCorrupt("frame %v outside the %d×%d canvas", f.rect, canvas.X, canvas.Y)
	}
	anmf.left -= int64(n)
	if !payloads {
		if _, err := riff.r.Discard(int(n)); err != nil {
			return nil, truncated("frame", err)
		}
		if err := anmf.pad(n); err != nil {
			return nil, err
		}
		if err := skipRest(); err != nil {
			return nil, err
		}
		return f, each(f)
	}
	lr := &io.LimitedReader{R: riff.r, N: int64(n)}
	f.image = lr
	if err := each(f); err != nil {
		return f, err
	}
	if _, err := riff.r.Discard(int(lr.N)); err != nil {
		return f, truncated("frame", err)
	}
	if err := anmf.pad(n); err != nil {
		return f, err
	}
	return f, skipRest()
}

// vp8HeaderLen is how many bytes of a VP8 payload bitstreamInfo reads
// (a VP8L payload needs 5).
const vp8HeaderLen = 10

// bitstreamInfo reads the width and height from the start of a VP8 (RFC
// 6386, section 9.1: a key frame's 3-byte tag, start code 9d 01 2a, then
// 14-bit width and height) or VP8L (signature 2f, 14-bit width − 1 and
// height − 1, the alpha hint, version 0) payload, and for VP8L whether
// its header says it uses alpha. head is the payload's first bytes, all
// of it when it is shorter than vp8HeaderLen.
func bitstreamInfo(id string, head []byte) (w, h int, alpha bool, err error) {
	if id == "VP8L" {
		if len(head) < 5 {
			return 0, 0, false, errCorrupt("VP8L chunk of %d bytes", len(head))
		}
		bits := binary.LittleEndian.Uint32(head[1:])
		if head[0] != 0x2f || bits>>29 != 0 {
			return 0, 0, false, errCorrupt("VP8L frame without a VP8L header")
		}
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, bits>>28&1 != 0, nil
	}
	if len(head) < vp8HeaderLen {
		return 0, 0, false, errCorrupt("VP8 chunk of %d bytes", len(head))
	}
	if head[0]&1 != 0 || !bytes.Equal(head[3:6], []byte{0x9d, 0x01, 0x2a}) {
		return 0, 0, false, errCorrupt("VP8 frame without a key frame header")
	}
	w = int(binary.LittleEndian.Uint16(head[6:]) & 0x3fff)
	h = int(binary.LittleEndian.Uint16(head[8:]) & 0x3fff)
	if w == 0 || h == 0 {
		return 0, 0, false, errCorrupt("VP8 frame of %d×%d", w, h)
	}
	return w, h, false, nil
}

// le24 reads a 24-bit little-endian number.
func le24(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
}
