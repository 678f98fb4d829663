package codecs

import (
	"compress/lzw"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"time"
)

// GIF animations are read as browsers show them (Chromium's and Firefox's
// GIF decoders, which agree on everything here):
//
//   - The canvas is decodeGIF's (gifCanvasRect): the logical screen, grown
//     to hold the first frame. It starts transparent (the logical screen's
//     background colour is ignored, as browsers ignore it), and a later
//     frame reaching past it is clipped.
//   - Each frame is drawn over the canvas at its offset, with the colours
//     of its local colour table or of the global one; pixels of its
//     transparent index leave the canvas as it is.
//   - Before the next frame, the frame is disposed of as its Graphic
//     Control Extension says: 0 (unspecified) and 1 (do not dispose)
//     leave it; 2 (restore to background) clears its rectangle to
//     transparent, as browsers do (Pillow paints the background colour
//     instead when the frame has no transparent index); 3 (restore to
//     previous) puts back what its rectangle held before it was drawn.
//     4, which some writers meant as 3, is taken as 3, as Chromium and
//     Firefox take it; 5–7 as 1.
//   - A frame's delay is the GCE's, in centiseconds, exactly: browsers
//     show 0 and 1 cs as 10 cs, but Animation.Delays keeps the file's
//     value, so that EncodeAll writes it back as it was and the player
//     decides.
//   - The loop count is the NETSCAPE2.0 (or ANIMEXTS1.0) application
//     extension's, mapped by gifLoops.
//   - A frame that cannot be decoded (bad or short LZW data, a pixel
//     outside its palette, no colour table, a truncated descriptor) ends
//     the animation: the frames before it are returned, as browsers keep
//     showing what they decoded. A first frame that cannot be decoded is
//     an error, as in Decode.

// gifLoops maps a GIF's NETSCAPE2.0 loop count to Animation.Loops. The
// extension's value is how many times the animation repeats after it has
// played once, 0 meaning forever (Chromium bug 592735, Firefox bug 1255497;
// image/gif's GIF.LoopCount documents the same, with -1 for "no extension"):
// no extension (loop < 0) plays once, Loops 1; 0 is forever, Loops 0;
// n ≥ 1 plays n+1 times.
func gifLoops(loop int) int {
	switch {
	case loop < 0:
		return 1
	case loop == 0:
		return 0
	}
	return loop + 1
}

// gifLoopCount is gifLoops' inverse: the NETSCAPE2.0 loop count to write
// for Animation.Loops n, or -1 for none. Loops 1, and a negative Loops
// (image/gif's -1, "show each frame once"), are written without the
// extension; counts past the extension's 65535 repeats are written as
// 65535.
func gifLoopCount(n int) int {
	switch {
	case n == 0:
		return 0
	case n <= 1:
		return -1
	}
	return min(n-1, 0xFFFF)
}

// gifImage is one image of a GIF as its blocks describe it.
type gifImage struct {
	rect       image.Rectangle // as declared: it may reach past the canvas
	palette    []byte          // RGB triples: the local colour table, or the global one
	trans      int             // the transparent index, or -1
	disposal   byte            // the GCE's disposal method, 0–7
	delay      int             // the GCE's delay, in centiseconds
	interlaced bool
	litWidth   int
	data       []byte // the image data sub-blocks, up to their terminator or the end of the file
}

// gifWalker walks a GIF's blocks one image at a time, as gifFrames does,
// so that it never finds more images than gifFrames counted.
type gifWalker struct {
	data   []byte
	at     int
	global []byte // the global colour table, or nil
	loop   int    // the last loop count read, -1 while none was
}

func newGIFWalker(data []byte) (*gifWalker, error) {
	if len(data) < 13 {
		return nil, fmt.Errorf("gif: short header")
	}
	g := &gifWalker{data: data, at: 13, loop: -1}
	if flags := data[10]; flags&0x80 != 0 {
		n := 3 << (1 + flags&7)
		if 13+n > len(data) {
			return nil, fmt.Errorf("gif: short global colour table")
		}
		g.global = data[13 : 13+n]
		g.at += n
	}
	return g, nil
}

// next returns the next image with the Graphic Control Extension that
// precedes it, io.EOF at the trailer, at the end of the data or at bytes
// that start no block, or an error for an image descriptor that is cut
// short.
func (g *gifWalker) next() (gifImage, error) {
	data := g.data
	im := gifImage{trans: -1}
	for g.at < len(data) {
		switch data[g.at] {
		case 0x21: // extension: label, then sub-blocks
			if g.at+1 >= len(data) {
				g.at = len(data)
				return im, io.EOF
			}
			label := data[g.at+1]
			g.at += 2
			var app string
			for i := 0; g.at < len(data) && data[g.at] != 0; i++ {
				n := int(data[g.at])
				b := data[g.at+1 : min(g.at+1+n, len(data))]
				switch {
				case label == 0xF9 && i == 0 && len(b) >= 4: // graphic control
					im.disposal = b[0] >> 2 & 7
					im.delay = int(binary.LittleEndian.Uint16(b[1:]))
					im.trans = -1
					if b[0]&1 != 0 {
						im.trans = int(b[3])
					}
				case label == 0xFF && i == 0: // application
					app = string(b)
				case label == 0xFF && i == 1 && (app == "NETSCAPE2.0" || app == "ANIMEXTS1.0") && len(b) >= 3 && b[0]&7 == 1:
					g.loop = int(binary.LittleEndian.Uint16(b[1:]))
				}
				g.at += 1 + n
			}
			g.at++
		case 0x2C: // image descriptor
			if g.at+10 > len(data) {
				g.at = len(data)
				return im, fmt.Errorf("gif: short image descriptor")
			}
			d := data[g.at+1:]
			x, y := int(binary.LittleEndian.Uint16(d[0:])), int(binary.LittleEndian.Uint16(d[2:]))
			w, h := int(binary.LittleEndian.Uint16(d[4:])), int(binary.LittleEndian.Uint16(d[6:]))
			flags := d[8]
			im.rect = image.Rect(x, y, x+w, y+h)
			im.interlaced = flags&0x40 != 0
			im.palette = g.global
			g.at += 10
			if flags&0x80 != 0 {
				n := 3 << (1 + flags&7)
				if g.at+n > len(data) {
					g.at = len(data)
					return im, fmt.Errorf("gif: short local colour table")
				}
				im.palette = data[g.at : g.at+n]
				g.at += n
			}
			if g.at >= len(data) {
				return im, fmt.Errorf("gif: short image data")
			}
			im.litWidth = int(data[g.at])
			g.at++
			start := g.at
			for g.at < len(data) && data[g.at] != 0 {
				g.at += 1 + int(data[g.at])
			}
			g.at++
			im.data = data[start:min(g.at, len(data))]
			return im, nil
		default: // the trailer, or bytes that start no block
			g.at = len(data)
			return im, io.EOF
		}
	}
	return im, io.EOF
}

// gifSubBlocks reads the bytes of a sequence of GIF sub-blocks: io.EOF at
// the terminator, io.ErrUnexpectedEOF where the data ends before it.
type gifSubBlocks struct {
	b    []byte // what follows the current sub-block's bytes
	cur  []byte // what is left of the current sub-block
	done bool
}

func (r *gifSubBlocks) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.done:
			return 0, io.EOF
		case len(r.b) == 0:
			return 0, io.ErrUnexpectedEOF
		case r.b[0] == 0:
			r.done = true
			return 0, io.EOF
		}
		n := int(r.b[0])
		r.cur, r.b = r.b[1:min(1+n, len(r.b))], r.b[min(1+n, len(r.b)):]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

var (
	errGIFNotEnough = errors.New("gif: not enough image data")
	errGIFBadPixel  = errors.New("gif: invalid pixel value")
)

// gifEntry is what drawing one palette index does: paint c, leave the
// canvas (the transparent index), or fail (an index past the palette).
type gifEntry struct {
	c  [4]byte
	op uint8 // gifPaint, gifKeep or gifBad
}

const (
	gifPaint = iota
	gifKeep
	gifBad
)

// gifCompositor draws a GIF's images one after the other onto a canvas.
type gifCompositor struct {
	canvas *image.NRGBA
	// dispose and disposeRect are the last image's disposal method and
	// its rectangle clipped to the canvas; saved holds what that
	// rectangle held before the image was drawn, for disposal 3.
	dispose     byte
	disposeRect image.Rectangle
	saved       []byte
	zr          *lzw.Reader
	row         []byte
	lut         [256]gifEntry
}

// draw disposes of the previous image and draws im.
func (c *gifCompositor) draw(ctx context.Context, im *gifImage) error {
	switch c.dispose {
	case 2:
		c.eachRow(c.disposeRect, func(row []byte, _ int) { clear(row) })
	case 3, 4:
		at := 0
		c.eachRow(c.disposeRect, func(row []byte, _ int) { at += copy(row, c.saved[at:]) })
	}
	clip := im.rect.Intersect(c.canvas.Rect)
	c.dispose, c.disposeRect = im.disposal, clip
	if im.disposal == 3 || im.disposal == 4 {
		c.saved = c.saved[:0]
		c.eachRow(clip, func(row []byte, _ int) { c.saved = append(c.saved, row...) })
	}

	if im.palette == nil {
		return fmt.Errorf("gif: no color table")
	}
	if im.litWidth < 2 || im.litWidth > 8 {
		return fmt.Errorf("gif: pixel size in decode out of range: %d", im.litWidth)
	}
	// Indices past the palette are an error, as image/gif has them, except
	// up to a transparent index past it, which image/gif (and browsers)
	// take as transparent.
	npal := len(im.palette) / 3
	bad := false
	for i := range c.lut {
		e := &c.lut[i]
		switch {
		case i == im.trans || (i >= npal && i < im.trans):
			e.op = gifKeep
		case i >= npal:
			e.op, bad = gifBad, true
		default:
			e.op = gifPaint
			e.c = [4]byte{im.palette[3*i], im.palette[3*i+1], im.palette[3*i+2], 0xFF}
		}
	}

	w, h := im.rect.Dx(), im.rect.Dy()
	if w == 0 || h == 0 {
		return nil
	}
	src := &gifSubBlocks{b: im.data}
	if c.zr == nil {
		c.zr = lzw.NewReader(src, lzw.LSB, im.litWidth).(*lzw.Reader)
	} else {
		c.zr.Reset(src, lzw.LSB, im.litWidth)
	}
	defer c.zr.Close()
	if cap(c.row) < w {
		c.row = make([]byte, w)
	}
	row := c.row[:w]
	passes := [][2]int{{0, 1}}
	if im.interlaced {
		passes = [][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}}
	}
	for _, p := range passes {
		for ry := p[0]; ry < h; ry += p[1] {
			y := im.rect.Min.Y + ry
			if !im.interlaced && y >= clip.Max.Y {
				// The rest is off the canvas: browsers do not read it.
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := io.ReadFull(c.zr, row); err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return errGIFNotEnough
				}
				return fmt.Errorf("gif: reading image data: %v", err)
			}
			if bad {
				for _, idx := range row {
					if c.lut[idx].op == gifBad {
						return errGIFBadPixel
					}
				}
			}
			if y < clip.Min.Y || y >= clip.Max.Y {
				continue
			}
			dst := c.canvas.Pix[c.canvas.PixOffset(clip.Min.X, y):]
			for i, idx := range row[clip.Min.X-im.rect.Min.X : clip.Max.X-im.rect.Min.X] {
				if e := &c.lut[idx]; e.op == gifPaint {
					copy(dst[4*i:4*i+4], e.c[:])
				}
			}
		}
	}
	return nil
}

// eachRow calls fn with the canvas bytes of each row of r, a rectangle
// inside the canvas.
func (c *gifCompositor) eachRow(r image.Rectangle, fn func(row []byte, y int)) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		fn(c.canvas.Pix[c.canvas.PixOffset(r.Min.X, y):c.canvas.PixOffset(r.Max.X, y)], y)
	}
}

// decodeGIFAll decodes every frame of a GIF as it is displayed (see the
// comment at the top of this file), checking ctx between frames and
// between the rows of a frame. It reads the frames one at a time,
// straight from the LZW data onto the canvas, so that it holds the
// displayed frames, the canvas and one frame's rectangle for disposal 3,
// and no decoded frame (AnimationMemory), and a frame declared far larger
// than the canvas costs its reading time and no memory.
func decodeGIFAll(ctx context.Context, data []byte, info Info, lim Limits) (*Animation, error) {
	screen, first, err := gifLayout(data)
	if err != nil {
		return nil, err
	}
	canvas := gifCanvasRect(screen, first)
	if canvas.Dx() > 0xFFFF || canvas.Dy() > 0xFFFF {
		return nil, fmt.Errorf("gif: first frame %v reaches past 65535 pixels", first)
	}
	if err := checkFrames(canvas.Dx(), canvas.Dy(), max(1, info.Frames), lim); err != nil {
		return nil, err
	}
	g, err := newGIFWalker(data)
	if err != nil {
		return nil, err
	}
	c := &gifCompositor{canvas: image.NewNRGBA(canvas)}
	a := &Animation{}
	for len(a.Frames) < max(1, info.Frames) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		im, err := g.next()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = c.draw(ctx, &im)
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			if len(a.Frames) == 0 {
				return nil, err
			}
			break // a later frame that cannot be read ends the animation
		}
		f := image.NewNRGBA(canvas)
		copy(f.Pix, c.canvas.Pix)
		a.Frames = append(a.Frames, f)
		a.Delays = append(a.Delays, time.Duration(im.delay)*10*time.Millisecond)
	}
	if len(a.Frames) == 0 {
		return nil, fmt.Errorf("gif: no image")
	}
	a.Loops = gifLoops(g.loop)
	return a, nil
}
