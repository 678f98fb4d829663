package webp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"time"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// The frames of an animation are composited as libwebp's WebPAnimDecoder
// composites them (src/demux/anim_decode.c), which is what Pillow and
// Chrome show, to the pixel for lossless frames:
//
//   - A key frame starts from a transparent canvas; any other frame from
//     the previous displayed frame, with that frame's rectangle cleared to
//     transparent when it is disposed to the background. The ANIM
//     background colour is not painted: the container specification leaves
//     it to the application as a hint, and WebPAnimDecoder, Pillow and
//     browsers do not use it.
//   - The first frame is a key frame; so is a frame covering the canvas
//     that has no alpha or does not blend, and a frame after one that was
//     disposed to the background and covered the canvas or was itself a
//     key frame.
//   - A frame's pixels replace the canvas's in its rectangle, except that
//     a frame that blends, and is not a key frame, is alpha-blended
//     (straight alpha, WebPAnimDecoder's integer arithmetic) over the
//     canvas where it is not opaque; where the previous frame was disposed
//     to the background, its rectangle is not blended (it is transparent).
//
// Each frame is decoded by golang.org/x/image/webp from a still WebP made
// of its own chunks; a lossy frame's samples are brought to the full range
// (levels.go) and converted to RGB by Go's conversion, as Decode's still
// images are.

// canvasModel is the colour model an animation decodes to.
var canvasModel = color.NRGBAModel

// decodeFrame decodes a frame whose image payload comes from r, and
// returns its pixels as straight-alpha RGBA rows.
func decodeFrame(f *frame, r io.Reader) (func(dst []byte, y int), error) {
	m, err := xwebp.Decode(frameContainer(f, r))
	if err != nil {
		return nil, err
	}
	if m.Bounds() != image.Rect(0, 0, f.rect.Dx(), f.rect.Dy()) {
		return nil, errCorrupt("frame decoded to %v, its header says %d×%d", m.Bounds(), f.rect.Dx(), f.rect.Dy())
	}
	switch m := m.(type) {
	case *image.NRGBA:
	case *image.YCbCr:
		fullRange(m)
	case *image.NYCbCrA:
		fullRange(&m.YCbCr)
	default:
		return nil, fmt.Errorf("webp: animation: frame decoded to an unexpected %T", m)
	}
	return rgba.Rows(m, rgba.Straight), nil
}

// frameContainer returns a frame as a still WebP for
// golang.org/x/image/webp: a VP8X chunk of the frame's size (with the
// alpha flag when there is an ALPH chunk, which that decoder then needs),
// the ALPH chunk, and the image chunk whose payload comes from r.
func frameContainer(f *frame, r io.Reader) io.Reader {
	var b []byte
	chunk := func(id string, size int) {
		b = append(b, id...)
		b = binary.LittleEndian.AppendUint32(b, uint32(size))
	}
	n := 4 + 8 + vp8xLen + 8 + int(f.size)
	if f.hasALPH {
		n += 8 + len(f.alph) + len(f.alph)&1
	}
	chunk("RIFF", n)
	b = append(b, "WEBP"...)
	chunk("VP8X", vp8xLen)
	flags := byte(0)
	if f.hasALPH {
		flags = vp8xAlpha
	}
	w, h := f.rect.Dx()-1, f.rect.Dy()-1
	b = append(b, flags, 0, 0, 0, byte(w), byte(w>>8), byte(w>>16), byte(h), byte(h>>8), byte(h>>16))
	if f.hasALPH {
		chunk("ALPH", len(f.alph))
		b = append(b, f.alph...)
		if len(f.alph)&1 == 1 {
			b = append(b, 0)
		}
	}
	chunk(f.id, int(f.size))
	return io.MultiReader(bytes.NewReader(b), r)
}

// compositor makes displayed frames (see above) one after the other.
type compositor struct {
	canvas image.Rectangle
	// prev is the previous displayed frame, nil before the first; prevRect,
	// prevDispose and prevKey are its frame's rectangle and disposal and
	// whether it was a key frame.
	prev        *image.NRGBA
	prevRect    image.Rectangle
	prevDispose bool
	prevKey     bool
	row         []byte
}

// add composites frame f, whose pixels rows gives, and returns the
// displayed frame, a new image: the previous ones stay as they are.
func (c *compositor) add(f *frame, rows func(dst []byte, y int)) *image.NRGBA {
	full := f.rect == c.canvas
	key := c.prev == nil || ((!f.alpha || !f.blend) && full) ||
		(c.prevDispose && (c.prevRect == c.canvas || c.prevKey))
	out := image.NewNRGBA(c.canvas)
	if !key {
		copy(out.Pix, c.prev.Pix)
		if c.prevDispose {
			zeroRect(out, c.prevRect)
		}
	}
	w := f.rect.Dx()
	if cap(c.row) < 4*w {
		c.row = make([]byte, 4*w)
	}
	row := c.row[:4*w]
	for y := f.rect.Min.Y; y < f.rect.Max.Y; y++ {
		rows(row, y-f.rect.Min.Y)
		dst := out.Pix[out.PixOffset(f.rect.Min.X, y):][:4*w]
		if key || !f.blend {
			copy(dst, row)
			continue
		}
		// Blend where the canvas is the previous frame's; where that frame
		// was disposed of, replace.
		skip := image.Rectangle{}
		if c.prevDispose && y >= c.prevRect.Min.Y && y < c.prevRect.Max.Y {
			skip = image.Rect(c.prevRect.Min.X, y, c.prevRect.Max.X, y+1).Intersect(f.rect)
		}
		for x := range w {
			i := 4 * x
			if cx := f.rect.Min.X + x; cx >= skip.Min.X && cx < skip.Max.X {
				copy(dst[i:i+4], row[i:i+4])
				continue
			}
			blendPixel(dst[i:i+4:i+4], row[i:i+4:i+4])
		}
	}
	c.prev, c.prevRect, c.prevDispose, c.prevKey = out, f.rect, f.dispose, key
	return out
}

// zeroRect makes r transparent black in m.
func zeroRect(m *image.NRGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		clear(m.Pix[m.PixOffset(r.Min.X, y):][:4*r.Dx()])
	}
}

// blendPixel blends src over dst, both straight-alpha RGBA, into dst, with
// WebPAnimDecoder's integer arithmetic (BlendPixelNonPremult): an opaque
// src replaces dst, a transparent one leaves it.
func blendPixel(dst, src []byte) {
	sa := uint32(src[3])
	switch sa {
	case 0xff:
		copy(dst, src)
		return
	case 0:
		return
	}
	da := uint32(dst[3]) * (256 - sa) >> 8
	ba := sa + da
	scale := (1 << 24) / ba
	for i := range 3 {
		dst[i] = uint8((uint32(src[i])*sa + uint32(dst[i])*da) * scale >> 24)
	}
	dst[3] = uint8(ba)
}

// config reads an animation's header for DecodeConfig: the canvas, once
// the whole container has been checked (see walk).
func config(r *bufio.Reader) (image.Config, error) {
	h, n, err := walk(r, false, func(*header, *frame) error { return nil })
	if err != nil && !(errors.Is(err, errTruncated) && n > 0) {
		return image.Config{}, err
	}
	return image.Config{ColorModel: canvasModel, Width: h.canvas.X, Height: h.canvas.Y}, nil
}

// decodeFirst decodes the first frame of an animation onto its canvas (a
// key frame: the rest of the canvas is transparent), an *image.NRGBA.
// Nothing after that frame is read.
func decodeFirst(r *bufio.Reader) (image.Image, error) {
	var out *image.NRGBA
	_, _, err := walk(r, true, func(h *header, f *frame) error {
		rows, err := decodeFrame(f, f.image)
		if err != nil {
			return fmt.Errorf("webp: animation: first frame: %w", err)
		}
		c := compositor{canvas: image.Rectangle{Max: h.canvas}}
		out = c.add(f, rows)
		return errStop
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// frameCount counts the frames of an animated WebP from its chunks (1 for
// a still WebP): those whole before the end of the file, or before what
// is broken in it (Codec.Frames).
func frameCount(data []byte) int {
	if !animated(data) {
		return 1
	}
	_, n, _ := walk(bufio.NewReader(bytes.NewReader(data)), false, func(*header, *frame) error { return nil })
	return n
}

// decodeAll decodes every frame of an animated WebP as displayed
// (Codec.DecodeAll; a still WebP is one frame, Decode's image as an
// *image.NRGBA), at most i.Frames of them (the count Probe checked
// against the limits). It checks ctx before each frame and while reading
// each. A frame after the first that cannot be decoded (its bitstream
// damaged, or cut short by the end of the file) ends the animation with
// the frames before it, as browsers show such files; libwebp's
// WebPAnimDecoder, and so Pillow, fails the whole animation instead, but
// shows the still. A first frame that cannot be decoded is ErrCorrupt.
// Memory: the displayed frames, each a canvas of NRGBA, and one frame's
// decode at a time.
func decodeAll(ctx context.Context, data []byte, i codecs.Info, _ codecs.Limits) (*codecs.Animation, error) {
	if !animated(data) {
		img, err := Decode(&ctxReader{ctx: ctx, r: bytes.NewReader(data)})
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, fmt.Errorf("webp: %w", cerr)
			}
			return nil, err
		}
		return &codecs.Animation{Frames: []image.Image{nrgba(img)}, Delays: []time.Duration{0}}, nil
	}
	a := &codecs.Animation{}
	var c compositor
	h, _, err := walk(bufio.NewReader(bytes.NewReader(data)), true, func(h *header, f *frame) error {
		if len(a.Frames) >= max(i.Frames, 1) {
			return errStop
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.canvas.Empty() {
			c.canvas = image.Rectangle{Max: h.canvas}
		}
		rows, err := decodeFrame(f, &ctxReader{ctx: ctx, r: f.image})
		if err != nil {
			if len(a.Frames) > 0 && ctx.Err() == nil {
				return errStop
			}
			return fmt.Errorf("webp: animation: frame 1: %w", err)
		}
		a.Frames = append(a.Frames, c.add(f, rows))
		a.Delays = append(a.Delays, time.Duration(f.duration)*time.Millisecond)
		return nil
	})
	if err != nil && !(len(a.Frames) > 0 && errors.Is(err, errTruncated)) {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("webp: animation: %w", cerr)
		}
		return nil, err
	}
	a.Loops = h.loops
	return a, nil
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// alphaBytesPerPixel is what an ALPH chunk adds to the decode of a lossy
// frame beyond a still image's estimate: golang.org/x/image/webp decodes
// a VP8L-compressed alpha plane into an NRGBA image (4 B/px) and copies it
// to the plane (1 B/px), besides the frame's YCbCr planes (1.5 B/px).
// Measured with img2webp's files of 640×480 and 1280×960 (Go 1.26), the
// canvas included: lossy 5.6 B/px, lossy with alpha 10.7, lossless 8.6.
const alphaBytesPerPixel = 2

// memory estimates what decoding data, a WebP whose header reads as cfg,
// needs (Codec.Memory): for an animation, a still image of the canvas's
// size (the canvas) plus one of the first frame's (its decode), as
// codecs.Info.DecodeMemory charges them, and alphaBytesPerPixel for a
// lossy frame with alpha; 0, the estimate by colour model, for a still
// WebP. DecodeAll's is codecs.AnimationMemory.
func memory(data []byte, cfg image.Config) int64 {
	if !animated(data) {
		return 0
	}
	var n int64
	walk(bufio.NewReader(bytes.NewReader(data)), false, func(h *header, f *frame) error {
		still := func(w, h int) int64 {
			return codecs.Info{Format: codecs.WebP, Width: w, Height: h, ColorModel: cfg.ColorModel}.DecodeMemory()
		}
		n = still(h.canvas.X, h.canvas.Y) + still(f.rect.Dx(), f.rect.Dy())
		if f.hasALPH {
			n += alphaBytesPerPixel * int64(f.rect.Dx()) * int64(f.rect.Dy())
		}
		return errStop
	})
	return n
}

// nrgba returns img as an *image.NRGBA at the origin, converted as Go's
// colour models convert it unless it is one already.
func nrgba(img image.Image) *image.NRGBA {
	b := img.Bounds()
	if m, ok := img.(*image.NRGBA); ok && b.Min == (image.Point{}) {
		return m
	}
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	read := rgba.Rows(img, rgba.Straight)
	for y := range b.Dy() {
		read(m.Pix[y*m.Stride:], b.Min.Y+y)
	}
	return m
}
