package webp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// maxDuration is the longest frame duration an ANMF chunk holds, in
// milliseconds (24 bits); maxLoops the largest ANIM loop count (16 bits).
const (
	maxDuration = 1<<24 - 1
	maxLoops    = 1<<16 - 1
)

// EncodeAll writes a to w as an animated WebP (codecs.EncodeAll): a VP8X
// chunk with the animation flag, the alpha flag when a frame has alpha,
// and the canvas size of a's frames; an ANIM chunk with a transparent
// background and a.Loops as the loop count (0 forever, n n times in all,
// as WebP counts them; a negative Loops is written as 1, played once, and
// more than 65535 as 65535); then one ANMF chunk per frame, shown for its
// delay rounded to the millisecond (at most 4.6 hours).
//
// Each frame is encoded as a still WebP by EncodeContext's encoder, with
// o as it takes it (quality, lossless, speed; the same engine), and its
// image chunks (ALPH and VP8, or VP8L) are moved into the ANMF chunk. The
// first frame covers the canvas; each later one only the rectangle in
// which it differs from the frame before (its origin moved to even
// coordinates, as WebP stores offsets in units of two pixels; 1×1 at the
// origin for a frame identical to the one before, which keeps the frame
// and its delay). Frames replace the canvas's pixels in their rectangle
// (no blending) and are not disposed of, so what a decoder displays is
// each frame of a as encoded. A side over MaxSide is refused with an
// error matching codecs.ErrTooLarge. When ctx is done the encode stops and
// its error matches ctx.Err(). Memory: two canvases of NRGBA, the encoded
// frames, and one frame's encode at a time.
func EncodeAll(ctx context.Context, w io.Writer, a *codecs.Animation, o codecs.EncodeOptions) error {
	if a == nil || len(a.Frames) == 0 {
		return errors.New("webp: encode animation: no frames")
	}
	if len(a.Delays) != len(a.Frames) {
		return fmt.Errorf("webp: encode animation: %d frames with %d delays", len(a.Frames), len(a.Delays))
	}
	canvas := image.Rectangle{Max: a.Frames[0].Bounds().Size()}
	for i, f := range a.Frames {
		if f == nil || f.Bounds().Size() != canvas.Size() || canvas.Empty() {
			return fmt.Errorf("webp: encode animation: frame %d is not a non-empty %v", i, canvas.Size())
		}
	}
	if canvas.Dx() > MaxSide || canvas.Dy() > MaxSide {
		return fmt.Errorf("webp: encode animation %d×%d: %w: WebP allows at most %d pixels a side", canvas.Dx(), canvas.Dy(), codecs.ErrTooLarge, MaxSide)
	}
	var body bytes.Buffer
	alpha := false
	var prev, cur *image.NRGBA
	for i, f := range a.Frames {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("webp: encode animation: %w", err)
		}
		if cur == nil {
			cur = image.NewNRGBA(canvas)
		}
		read, b := rgba.Rows(f, rgba.Straight), f.Bounds()
		for y := range canvas.Dy() {
			read(cur.Pix[y*cur.Stride:], b.Min.Y+y)
		}
		rect := canvas
		if prev != nil {
			rect = changed(prev, cur)
		}
		still, err := encodeStill(ctx, cur.SubImage(rect), o)
		if err != nil {
			return fmt.Errorf("webp: encode animation: frame %d: %w", i, err)
		}
		chunks, hasAlpha, err := stillChunks(still, rect.Size())
		if err != nil {
			return fmt.Errorf("webp: encode animation: frame %d: %w", i, err)
		}
		alpha = alpha || hasAlpha
		writeANMF(&body, rect, durationMS(a.Delays[i]), chunks)
		prev, cur = cur, prev
	}
	size := 4 + 8 + vp8xLen + 8 + animLen + int64(body.Len())
	if size > math.MaxUint32-1 {
		return fmt.Errorf("webp: encode animation: %w: %d bytes, over RIFF's 4 GiB", codecs.ErrTooLarge, size)
	}
	var head []byte
	head = append(head, "RIFF"...)
	head = binary.LittleEndian.AppendUint32(head, uint32(size))
	head = append(head, "WEBPVP8X"...)
	head = binary.LittleEndian.AppendUint32(head, vp8xLen)
	flags := byte(vp8xAnimation)
	if alpha {
		flags |= vp8xAlpha
	}
	head = append(head, flags, 0, 0, 0)
	head = appendLE24(head, canvas.Dx()-1)
	head = appendLE24(head, canvas.Dy()-1)
	head = append(head, "ANIM"...)
	head = binary.LittleEndian.AppendUint32(head, animLen)
	head = append(head, 0, 0, 0, 0) // background: transparent black
	head = binary.LittleEndian.AppendUint16(head, uint16(loopCount(a.Loops)))
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("webp: encode animation: write: %w", err)
	}
	if _, err := body.WriteTo(w); err != nil {
		return fmt.Errorf("webp: encode animation: write: %w", err)
	}
	return nil
}

// changed returns the rectangle of cur in which it differs from prev (two
// transparent pixels are the same whatever their colour), its origin moved
// to even coordinates; 1×1 at the origin when they are the same.
func changed(prev, cur *image.NRGBA) image.Rectangle {
	r := image.Rectangle{Min: cur.Rect.Max}
	w := cur.Rect.Dx()
	for y := range cur.Rect.Dy() {
		p, c := prev.Pix[y*prev.Stride:][:4*w], cur.Pix[y*cur.Stride:][:4*w]
		if bytes.Equal(p, c) {
			continue
		}
		for x := 0; x < w; x++ {
			i := 4 * x
			if differ(p[i:i+4], c[i:i+4]) {
				r.Min.X = min(r.Min.X, x)
				r.Max.X = max(r.Max.X, x+1)
			}
		}
		r.Min.Y = min(r.Min.Y, y)
		r.Max.Y = max(r.Max.Y, y+1)
	}
	if r.Empty() {
		return image.Rect(0, 0, 1, 1)
	}
	r.Min.X &^= 1
	r.Min.Y &^= 1
	return r
}

// differ reports whether two straight-alpha RGBA pixels look different.
func differ(p, c []byte) bool {
	if p[3] == 0 && c[3] == 0 {
		return false
	}
	return p[0] != c[0] || p[1] != c[1] || p[2] != c[2] || p[3] != c[3]
}

// stillChunks returns the image chunks of a still WebP as libwebp writes
// it (ALPH and VP8 after a VP8X chunk, or VP8L alone), headers and padding
// included, and whether they carry alpha (an ALPH chunk, or VP8L's alpha
// hint). The image must be size.
func stillChunks(data []byte, size image.Point) ([]byte, bool, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, false, errors.New("encoder wrote no RIFF WEBP header")
	}
	alpha := false
	start := -1
	for b, at := data[12:], 12; len(b) >= 8; {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:]))
		if n > len(b)-8 {
			return nil, false, fmt.Errorf("encoder wrote a %q chunk past the end of its file", id)
		}
		switch id {
		case "ALPH":
			alpha, start = true, at
		case "VP8 ", "VP8L":
			if start < 0 {
				start = at
			}
			w, h, hint, err := bitstreamInfo(id, b[8:8+min(n, vp8HeaderLen)])
			if err != nil {
				return nil, false, err
			}
			if (image.Point{X: w, Y: h}) != size {
				return nil, false, fmt.Errorf("encoder wrote a %d×%d image for %v", w, h, size)
			}
			chunks := bytes.Clone(data[start : at+8+n])
			if n&1 == 1 {
				chunks = append(chunks, 0)
			}
			return chunks, alpha || (id == "VP8L" && hint), nil
		}
		step := min(len(b), 8+n+n&1)
		b, at = b[step:], at+step
	}
	return nil, false, errors.New("encoder wrote no image chunk")
}

// writeANMF appends an ANMF chunk for a frame in rect (whose origin is
// even) shown ms milliseconds, neither blended nor disposed of, holding
// chunks.
func writeANMF(b *bytes.Buffer, rect image.Rectangle, ms int, chunks []byte) {
	var h []byte
	h = append(h, "ANMF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(anmfLen+len(chunks)))
	h = appendLE24(h, rect.Min.X/2)
	h = appendLE24(h, rect.Min.Y/2)
	h = appendLE24(h, rect.Dx()-1)
	h = appendLE24(h, rect.Dy()-1)
	h = appendLE24(h, ms)
	h = append(h, anmfNoBlend)
	b.Write(h)
	b.Write(chunks)
}

// durationMS is d in whole milliseconds, rounded, within what an ANMF
// chunk holds.
func durationMS(d time.Duration) int {
	ms := (d + time.Millisecond/2) / time.Millisecond
	return int(min(max(ms, 0), maxDuration))
}

// loopCount is the ANIM loop count for an animation's Loops.
func loopCount(loops int) int {
	if loops < 0 {
		return 1
	}
	return min(loops, maxLoops)
}

// appendLE24 appends v as a 24-bit little-endian number.
func appendLE24(b []byte, v int) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16))
}
