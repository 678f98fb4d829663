package webp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
)

// An animated WebP is a RIFF container whose VP8X chunk has the animation
// flag and gives the canvas size, followed by an ANIM chunk (background
// colour, loop count) and one ANMF chunk per frame. An ANMF payload is a
// 16-byte header (X and Y offsets in units of two pixels, width − 1,
// height − 1, duration, blending and disposal bits) and the frame's own
// chunks: an optional ALPH then VP8, or VP8L.
//
// blobimage makes a still image of the first frame, as Pillow, libvips and
// imgproxy do: it is decoded by golang.org/x/image/webp from a container
// made of its own chunks, and placed on a canvas initialised as libwebp's
// WebPAnimDecoder initialises it for its first frame (src/demux/
// anim_decode.c: every first frame is a key frame, whose canvas is zero
// filled): fully transparent, whatever the ANIM background colour (which
// the container specification leaves to the application as a hint, and
// which WebPAnimDecoder, Pillow and browsers do not paint). The frame's
// pixels replace the canvas's, alpha included: blending over a transparent
// canvas changes nothing that shows, and WebPAnimDecoder does not blend a
// key frame either.
//
// The checks are the ones libwebp's demuxer makes of the chunks read
// (src/demux/demux.c): ANIM before the first ANMF, no VP8, VP8L or ALPH
// outside an ANMF, an ALPH only before a VP8 chunk, a frame within the
// canvas, chunks within the container. As there, the frame's size is its
// bitstream's; the ANMF header's width and height are not used. Unlike
// there, nothing after the first frame is read: a damaged later frame or
// a truncated file does not spoil the still, as a browser shows the frames
// it has.

// Sizes of the fixed chunk payloads.
const (
	vp8xLen = 10
	animLen = 6
	anmfLen = 16
)

// vp8xAlpha is the VP8X flag of an image with alpha.
const vp8xAlpha = 1 << 4

// maxCanvasArea bounds a canvas's width × height, as the container
// specification and libwebp do: the product must fit in 32 bits.
const maxCanvasArea = 1 << 32

// animation is what readAnimation learns of an animated WebP: its canvas
// and its first frame.
type animation struct {
	// canvas is the VP8X canvas size.
	canvas image.Point
	// frame is where the first frame goes on the canvas; its size is its
	// bitstream's.
	frame image.Rectangle
	// alpha reports an ALPH chunk; alph is its payload (read only for
	// decoding).
	alpha bool
	alph  []byte
	// id and size are the FourCC ("VP8 " or "VP8L") and payload size of
	// the frame's image chunk; image reads that payload (for decoding).
	id    string
	size  uint32
	image io.Reader
}

// errCorrupt returns an error matching codecs.ErrCorrupt.
func errCorrupt(format string, args ...any) error {
	return fmt.Errorf("webp: animation: %w: %s", codecs.ErrCorrupt, fmt.Sprintf(format, args...))
}

// chunks reads the chunks of a RIFF container, or of an ANMF payload,
// holding left bytes.
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
		return "", 0, errCorrupt("truncated chunk header: %v", err)
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
		return nil, errCorrupt("truncated chunk: %v", err)
	}
	c.left -= int64(n)
	return b, c.pad(n)
}

// skip skips a payload of n bytes and its padding byte.
func (c *chunks) skip(n uint32) error {
	if _, err := c.r.Discard(int(n)); err != nil {
		return errCorrupt("truncated chunk: %v", err)
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
		return errCorrupt("truncated chunk: %v", err)
	}
	c.left--
	return nil
}

// readAnimation reads an animated WebP from r up to its first frame: the
// whole first frame when only checking (DecodeConfig), its ALPH payload
// and the header of its image chunk when decoding, after which
// animation.image reads the image chunk's payload from r.
func readAnimation(r *bufio.Reader, decoding bool) (*animation, error) {
	var h [12]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, errCorrupt("truncated RIFF header: %v", err)
	}
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WEBP" {
		return nil, errCorrupt("no RIFF WEBP header")
	}
	riff := &chunks{r: r, left: int64(binary.LittleEndian.Uint32(h[4:])) - 4}
	id, size, err := riff.next()
	if err != nil || id != "VP8X" || size < vp8xLen {
		return nil, errCorrupt("no VP8X chunk first (%q, %d bytes, %v)", id, size, err)
	}
	vp8x, err := riff.read(vp8xLen)
	if err == nil {
		err = riff.skip(size - vp8xLen)
	}
	if err != nil {
		return nil, err
	}
	a := &animation{canvas: image.Pt(int(le24(vp8x[4:]))+1, int(le24(vp8x[7:]))+1)}
	if uint64(a.canvas.X)*uint64(a.canvas.Y) >= maxCanvasArea {
		return nil, errCorrupt("canvas %d×%d over 2³² pixels", a.canvas.X, a.canvas.Y)
	}
	anim := false
	for {
		id, size, err := riff.next()
		switch {
		case err == errEnd:
			return nil, errCorrupt("no frame")
		case err != nil:
			return nil, err
		}
		switch id {
		case "ANIM":
			if size < animLen {
				return nil, errCorrupt("ANIM chunk of %d bytes", size)
			}
			anim = true
		case "ANMF":
			if !anim {
				return nil, errCorrupt("ANMF chunk before the ANIM chunk")
			}
			if size < anmfLen {
				return nil, errCorrupt("ANMF chunk of %d bytes", size)
			}
			found, err := a.readFrame(riff, size, decoding)
			if err != nil || found {
				return a, err
			}
			continue
		case "VP8 ", "VP8L", "ALPH":
			return nil, errCorrupt("%q chunk outside a frame", id)
		case "VP8X":
			return nil, errCorrupt("second VP8X chunk")
		}
		if err := riff.skip(size); err != nil {
			return nil, err
		}
	}
}

// readFrame reads an ANMF payload of size bytes from riff. An ANMF chunk
// that does not start with an ALPH, VP8 or VP8L chunk holds no frame, as
// libwebp's demuxer reads it: readFrame skips it and reports false.
func (a *animation) readFrame(riff *chunks, size uint32, decoding bool) (bool, error) {
	hdr, err := riff.read(anmfLen)
	if err != nil {
		return false, err
	}
	at := image.Pt(2*int(le24(hdr[0:])), 2*int(le24(hdr[3:])))
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
		a.alpha = true
		if decoding {
			a.alph, err = anmf.read(n)
		} else {
			err = anmf.skip(n)
		}
		if err != nil {
			return false, err
		}
		id, n, err = anmf.next()
		if err == errEnd {
			return false, errCorrupt("frame with an ALPH chunk and no image")
		}
		if err == nil && id != "VP8 " {
			return false, errCorrupt("frame with an ALPH chunk and a %q chunk, not VP8", id)
		}
	}
	if err == errEnd || (err == nil && id != "VP8 " && id != "VP8L") {
		return false, skipRest()
	}
	if err != nil {
		return false, err
	}
	w, h, err := bitstreamSize(riff.r, id, n)
	if err != nil {
		return false, err
	}
	a.id, a.size = id, n
	a.frame = image.Rectangle{Min: at, Max: at.Add(image.Pt(w, h))}
	if !a.frame.In(image.Rectangle{Max: a.canvas}) {
		return false, errCorrupt("frame %v outside the %d×%d canvas", a.frame, a.canvas.X, a.canvas.Y)
	}
	if decoding {
		a.image = io.LimitReader(riff.r, int64(n))
		return true, nil
	}
	// Only checking: the whole frame must be there.
	if err := anmf.skip(n); err != nil {
		return false, err
	}
	return true, skipRest()
}

// bitstreamSize reads the width and height from the header of a VP8
// (RFC 6386, section 9.1: a key frame's 3-byte tag, start code 9d 01 2a,
// then 14-bit width and height) or VP8L (signature 2f, 14-bit width − 1
// and height − 1, version 0) payload of n bytes, without consuming it.
func bitstreamSize(r *bufio.Reader, id string, n uint32) (w, h int, err error) {
	need := 10
	if id == "VP8L" {
		need = 5
	}
	if int(n) < need {
		return 0, 0, errCorrupt("%q chunk of %d bytes", id, n)
	}
	p, err := r.Peek(need)
	if err != nil {
		return 0, 0, errCorrupt("truncated %q chunk: %v", id, err)
	}
	if id == "VP8L" {
		bits := binary.LittleEndian.Uint32(p[1:])
		if p[0] != 0x2f || bits>>29 != 0 {
			return 0, 0, errCorrupt("VP8L frame without a VP8L header")
		}
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	}
	if p[0]&1 != 0 || !bytes.Equal(p[3:6], []byte{0x9d, 0x01, 0x2a}) {
		return 0, 0, errCorrupt("VP8 frame without a key frame header")
	}
	w = int(binary.LittleEndian.Uint16(p[6:]) & 0x3fff)
	h = int(binary.LittleEndian.Uint16(p[8:]) & 0x3fff)
	if w == 0 || h == 0 {
		return 0, 0, errCorrupt("VP8 frame of %d×%d", w, h)
	}
	return w, h, nil
}

// container returns the first frame as a still WebP for
// golang.org/x/image/webp: a VP8X chunk of the frame's size (with the
// alpha flag when there is an ALPH chunk, which that decoder then needs),
// the ALPH chunk, and the image chunk whose payload comes from r.
func (a *animation) container() io.Reader {
	var b []byte
	chunk := func(id string, size int) {
		b = append(b, id...)
		b = binary.LittleEndian.AppendUint32(b, uint32(size))
	}
	n := 4 + 8 + vp8xLen + 8 + int(a.size)
	if a.alpha {
		n += 8 + len(a.alph) + len(a.alph)&1
	}
	chunk("RIFF", n)
	b = append(b, "WEBP"...)
	chunk("VP8X", vp8xLen)
	flags := byte(0)
	if a.alpha {
		flags = vp8xAlpha
	}
	w, h := a.frame.Dx()-1, a.frame.Dy()-1
	b = append(b, flags, 0, 0, 0, byte(w), byte(w>>8), byte(w>>16), byte(h), byte(h>>8), byte(h>>16))
	if a.alpha {
		chunk("ALPH", len(a.alph))
		b = append(b, a.alph...)
		if len(a.alph)&1 == 1 {
			b = append(b, 0)
		}
	}
	chunk(a.id, int(a.size))
	return io.MultiReader(bytes.NewReader(b), a.image)
}

// decodeAnimation decodes the first frame of an animated WebP onto its
// canvas, an *image.NRGBA.
func decodeAnimation(r *bufio.Reader) (image.Image, error) {
	a, err := readAnimation(r, true)
	if err != nil {
		return nil, err
	}
	m, err := xwebp.Decode(a.container())
	if err != nil {
		return nil, fmt.Errorf("webp: animation: first frame: %w", err)
	}
	if m.Bounds() != image.Rect(0, 0, a.frame.Dx(), a.frame.Dy()) {
		return nil, errCorrupt("first frame decoded to %v, its header says %d×%d", m.Bounds(), a.frame.Dx(), a.frame.Dy())
	}
	canvas := image.NewNRGBA(image.Rectangle{Max: a.canvas})
	switch m := m.(type) {
	case *image.NRGBA:
		for y := range a.frame.Dy() {
			copy(canvas.Pix[canvas.PixOffset(a.frame.Min.X, a.frame.Min.Y+y):], m.Pix[y*m.Stride:y*m.Stride+4*a.frame.Dx()])
		}
	case *image.YCbCr:
		fullRange(m)
		paintYCbCr(canvas, a.frame.Min, m, nil, 0)
	case *image.NYCbCrA:
		fullRange(&m.YCbCr)
		paintYCbCr(canvas, a.frame.Min, &m.YCbCr, m.A, m.AStride)
	default:
		return nil, fmt.Errorf("webp: animation: first frame decoded to an unexpected %T", m)
	}
	return canvas, nil
}

// paintYCbCr writes m, converted to RGB by Go's (full-range) conversion,
// onto dst at the point at, with the straight alpha plane a of stride
// astride, or opaque when a is nil.
func paintYCbCr(dst *image.NRGBA, at image.Point, m *image.YCbCr, a []byte, astride int) {
	b := m.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := dst.Pix[dst.PixOffset(at.X, at.Y+y-b.Min.Y):]
		for x := b.Min.X; x < b.Max.X; x++ {
			ci := m.COffset(x, y)
			r, g, bl := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[ci], m.Cr[ci])
			alpha := uint8(0xff)
			if a != nil {
				alpha = a[(y-b.Min.Y)*astride+x-b.Min.X]
			}
			i := 4 * (x - b.Min.X)
			row[i], row[i+1], row[i+2], row[i+3] = r, g, bl, alpha
		}
	}
}

// alphaBytesPerPixel is what an ALPH chunk adds to the decode of a lossy
// frame beyond a still image's estimate: golang.org/x/image/webp decodes
// a VP8L-compressed alpha plane into an NRGBA image (4 B/px) and copies it
// to the plane (1 B/px), besides the frame's YCbCr planes (1.5 B/px).
// Measured with img2webp's files of 640×480 and 1280×960 (Go 1.26), the
// canvas included: lossy 5.6 B/px, lossy with alpha 10.7, lossless 8.6.
const alphaBytesPerPixel = 2

// memory estimates what decoding data, a WebP whose header reads as cfg,
// needs: for an animation, a still image of the canvas's size (the canvas)
// plus one of the first frame's (its decode), as codecs.Info.DecodeMemory
// charges them, and alphaBytesPerPixel for a lossy frame with alpha; 0,
// the estimate by colour model, for a still WebP.
func memory(data []byte, cfg image.Config) int64 {
	if !animated(data) {
		return 0
	}
	a, err := readAnimation(bufio.NewReader(bytes.NewReader(data)), false)
	if err != nil {
		return 0
	}
	still := func(w, h int) int64 {
		return codecs.Info{Format: codecs.WebP, Width: w, Height: h, ColorModel: cfg.ColorModel}.DecodeMemory()
	}
	n := still(a.canvas.X, a.canvas.Y) + still(a.frame.Dx(), a.frame.Dy())
	if a.alpha {
		n += alphaBytesPerPixel * int64(a.frame.Dx()) * int64(a.frame.Dy())
	}
	return n
}

// le24 reads a 24-bit little-endian number.
func le24(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
}
