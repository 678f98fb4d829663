package codecs

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"slices"
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
		c.eachRow(c.disposeRect, func(row []byte) { clear(row) })
	case 3, 4:
		at := 0
		c.eachRow(c.disposeRect, func(row []byte) { at += copy(row, c.saved[at:]) })
	}
	clip := im.rect.Intersect(c.canvas.Rect)
	c.dispose, c.disposeRect = im.disposal, clip
	if im.disposal == 3 || im.disposal == 4 {
		n := 4 * clip.Dx() * clip.Dy()
		if cap(c.saved) < n {
			c.saved = make([]byte, n)
		}
		c.saved = c.saved[:n]
		at := 0
		c.eachRow(clip, func(row []byte) { at += copy(c.saved[at:], row) })
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
func (c *gifCompositor) eachRow(r image.Rectangle, fn func(row []byte)) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		fn(c.canvas.Pix[c.canvas.PixOffset(r.Min.X, y):c.canvas.PixOffset(r.Max.X, y)])
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

// GIF animations are written with one global palette for all frames,
// which keeps colours from shifting between frames where the picture does
// not change:
//
//   - Pixels of alpha below 128 are transparent; the others are opaque.
//     An animation of more than one frame, or with transparent pixels,
//     gets a transparent index; the other 255 (or 256) entries are the
//     frames' colours when they have that few (a GIF of at most 255
//     colours decoded and written again keeps them exactly), otherwise a
//     median cut of every opaque pixel of every frame, refined by k-means
//     (gifHistogram.palette).
//   - Each pixel becomes the palette entry nearest to it in RGB (to its
//     6-bit cell's centre, cached, when the palette was quantised),
//     without dithering: error diffusion draws a different noise on each
//     frame where the picture stands still, which flickers, and defeats
//     the cropping below.
//   - Every frame after the first is cropped to the rectangle where it
//     differs from what is displayed before it, with the pixels that did
//     not change in it transparent, as gifsicle and libvips (cgif) write
//     them: a frame is drawn over the one before it ("do not dispose").
//     A pixel cannot be made transparent by drawing, so where a frame
//     has transparent pixels that the one before it had opaque, that one
//     is written "restore to background" over a rectangle covering them.
//   - Delays are written in centiseconds, rounded to the nearest; a delay
//     decoded from a GIF is written back as it was. Loops is written as
//     gifLoopCount says.
//   - EncodeOptions are ignored: GIF has no quality setting.

// gifHistogram counts the opaque colours of an animation's frames in
// cells of 5 bits a channel, with the sum of the colours in each cell,
// and keeps the exact colours while there are at most 256.
type gifHistogram struct {
	count       [1 << 15]uint64
	sum         [1 << 15][3]uint64
	exact       map[uint32]struct{} // nil once it would hold more than 256
	transparent bool                // a pixel has alpha below 128
}

func newGIFHistogram() *gifHistogram {
	return &gifHistogram{exact: make(map[uint32]struct{})}
}

// add counts m's pixels.
func (h *gifHistogram) add(m *image.NRGBA) {
	last := uint32(1 << 31) // no colour
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		row := m.Pix[m.PixOffset(m.Rect.Min.X, y):m.PixOffset(m.Rect.Max.X, y)]
		for i := 0; i+3 < len(row); i += 4 {
			if row[i+3] < 128 {
				h.transparent = true
				continue
			}
			r, g, b := row[i], row[i+1], row[i+2]
			k := int(r>>3)<<10 | int(g>>3)<<5 | int(b>>3)
			h.count[k]++
			s := &h.sum[k]
			s[0] += uint64(r)
			s[1] += uint64(g)
			s[2] += uint64(b)
			if c := uint32(r)<<16 | uint32(g)<<8 | uint32(b); h.exact != nil && c != last {
				last = c
				h.exact[c] = struct{}{}
				if len(h.exact) > 256 {
					h.exact = nil
				}
			}
		}
	}
}

// gifCell is a non-empty cell of a gifHistogram.
type gifCell struct {
	at  [3]uint8 // the cell's 5-bit coordinates
	n   uint64
	sum [3]uint64
}

// palette returns at most k colours for the counted pixels: the exact
// colours when there are at most k, in increasing order, otherwise the
// means of the boxes of a median cut (Heckbert's): starting from one box
// holding every cell, the box of the largest population × longest side
// is split across that side at its population's median, until there are
// k boxes or none can be split; then refined by k-means.
func (h *gifHistogram) palette(k int) [][3]uint8 {
	if h.exact != nil && len(h.exact) <= k {
		cs := make([]uint32, 0, len(h.exact))
		for c := range h.exact {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		pal := make([][3]uint8, len(cs))
		for i, c := range cs {
			pal[i] = [3]uint8{uint8(c >> 16), uint8(c >> 8), uint8(c)}
		}
		return pal
	}
	var cells []gifCell
	for i, n := range h.count {
		if n > 0 {
			cells = append(cells, gifCell{at: [3]uint8{uint8(i >> 10), uint8(i >> 5 & 31), uint8(i & 31)}, n: n, sum: h.sum[i]})
		}
	}
	type box struct {
		cells []gifCell
		n     uint64
		axis  int   // the longest side
		side  uint8 // its length
	}
	mk := func(cs []gifCell) box {
		b := box{cells: cs}
		lo, hi := [3]uint8{31, 31, 31}, [3]uint8{}
		for _, c := range cs {
			b.n += c.n
			for j := range 3 {
				lo[j], hi[j] = min(lo[j], c.at[j]), max(hi[j], c.at[j])
			}
		}
		for j := range 3 {
			if len(cs) > 0 && hi[j]-lo[j] > b.side {
				b.axis, b.side = j, hi[j]-lo[j]
			}
		}
		return b
	}
	boxes := []box{mk(cells)}
	for len(boxes) < k {
		best, score := -1, uint64(0)
		for i, b := range boxes {
			if s := b.n * uint64(b.side); len(b.cells) > 1 && s > score {
				best, score = i, s
			}
		}
		if best < 0 {
			break
		}
		b := boxes[best]
		ax := b.axis
		slices.SortFunc(b.cells, func(p, q gifCell) int {
			for j := range 3 {
				if d := int(p.at[(ax+j)%3]) - int(q.at[(ax+j)%3]); d != 0 {
					return d
				}
			}
			return 0
		})
		split, acc := 1, uint64(0)
		for i, c := range b.cells[:len(b.cells)-1] {
			if acc += c.n; 2*acc >= b.n {
				split = i + 1
				break
			}
			split = i + 2
		}
		split = min(split, len(b.cells)-1)
		boxes[best] = mk(b.cells[:split])
		boxes = append(boxes, mk(b.cells[split:]))
	}
	pal := make([][3]uint8, 0, len(boxes))
	for _, b := range boxes {
		if b.n > 0 {
			pal = append(pal, gifMean(b.cells))
		}
	}
	// A few rounds of Lloyd's k-means over the cells, each taken at the
	// mean of its colours: every cell goes to its nearest entry, every
	// entry becomes the mean of its cells. The median cut places the
	// entries well in the large; this lowers the error of each one.
	members := make([][]gifCell, len(pal))
	for range 4 {
		for j := range members {
			members[j] = members[j][:0]
		}
		for _, c := range cells {
			m := gifMean([]gifCell{c})
			j := nearest(pal, int(m[0]), int(m[1]), int(m[2]))
			members[j] = append(members[j], c)
		}
		for j, cs := range members {
			if len(cs) > 0 {
				pal[j] = gifMean(cs)
			}
		}
	}
	return pal
}

// gifMean is the mean colour of the pixels counted in cs.
func gifMean(cs []gifCell) [3]uint8 {
	var s [3]uint64
	n := uint64(0)
	for _, c := range cs {
		s[0], s[1], s[2], n = s[0]+c.sum[0], s[1]+c.sum[1], s[2]+c.sum[2], n+c.n
	}
	return [3]uint8{uint8((s[0] + n/2) / n), uint8((s[1] + n/2) / n), uint8((s[2] + n/2) / n)}
}

// nearest returns the index of pal's entry nearest r, g, b (squared RGB
// distance).
func nearest(pal [][3]uint8, r, g, b int) int {
	best, bestD := 0, 1<<30
	for i, c := range pal {
		dr, dg, db := int(c[0])-r, int(c[1])-g, int(c[2])-b
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// gifMapper maps colours to the index of the nearest palette entry:
// exactly when the palette holds every colour of the frames, otherwise
// through a cache of 6 bits a channel, each cell taking the entry
// nearest its centre.
type gifMapper struct {
	pal   [][3]uint8
	exact map[uint32]uint8
	grid  []uint16 // index+1 for each 6-bit cell, 0 while not computed
}

func newGIFMapper(pal [][3]uint8, exact bool) *gifMapper {
	m := &gifMapper{pal: pal}
	if exact {
		m.exact = make(map[uint32]uint8, len(pal))
		for i, c := range pal {
			m.exact[uint32(c[0])<<16|uint32(c[1])<<8|uint32(c[2])] = uint8(i)
		}
	} else {
		m.grid = make([]uint16, 1<<18)
	}
	return m
}

// index returns the palette index for the colour r, g, b.
func (m *gifMapper) index(r, g, b uint8) uint8 {
	if m.exact != nil {
		if i, ok := m.exact[uint32(r)<<16|uint32(g)<<8|uint32(b)]; ok {
			return i
		}
	}
	k := int(r>>2)<<12 | int(g>>2)<<6 | int(b>>2)
	if m.grid != nil && m.grid[k] != 0 {
		return uint8(m.grid[k] - 1)
	}
	cr, cg, cb := int(r), int(g), int(b)
	if m.grid != nil {
		cr, cg, cb = int(r&^3|2), int(g&^3|2), int(b&^3|2)
	}
	best := nearest(m.pal, cr, cg, cb)
	if m.grid != nil {
		m.grid[k] = uint16(best) + 1
	}
	return uint8(best)
}

// mapFrame sets dst, one index a pixel of f in rows of f's width, to the
// palette indices of f's pixels, ti (the transparent index) for those of
// alpha below 128.
func (m *gifMapper) mapFrame(dst []uint8, f *image.NRGBA, ti int) {
	w := f.Rect.Dx()
	last, lastI := uint32(1<<31), uint8(0)
	for y := f.Rect.Min.Y; y < f.Rect.Max.Y; y++ {
		row := f.Pix[f.PixOffset(f.Rect.Min.X, y):f.PixOffset(f.Rect.Max.X, y)]
		out := dst[(y-f.Rect.Min.Y)*w : (y-f.Rect.Min.Y+1)*w]
		for x := range out {
			p := row[4*x : 4*x+4 : 4*x+4]
			if p[3] < 128 {
				out[x] = uint8(ti)
				continue
			}
			if c := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2]); c != last {
				last, lastI = c, m.index(p[0], p[1], p[2])
			}
			out[x] = lastI
		}
	}
}

// asNRGBA returns img as an *image.NRGBA, converting it when it is not one.
func asNRGBA(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok {
		return m
	}
	b := img.Bounds()
	m := image.NewNRGBA(b)
	draw.Draw(m, b, img, b.Min, draw.Src)
	return m
}

// gifBlocks writes its input as GIF data sub-blocks of up to 255 bytes.
type gifBlocks struct {
	w   *bufio.Writer
	buf [256]byte
	n   int
}

func (b *gifBlocks) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		c := copy(b.buf[1+b.n:], p)
		b.n += c
		p = p[c:]
		if b.n == 255 {
			b.flush()
		}
	}
	return total, nil
}

func (b *gifBlocks) flush() {
	if b.n > 0 {
		b.buf[0] = uint8(b.n)
		b.w.Write(b.buf[:1+b.n])
		b.n = 0
	}
}

// gifFrameOut is a frame to write: its rectangle, its indices in rows
// of the rectangle's width, its delay in centiseconds and its disposal.
type gifFrameOut struct {
	rect     image.Rectangle
	pix      []uint8
	delay    int
	disposal byte
}

// gifEncoder writes a GIF with a global palette.
type gifEncoder struct {
	w        *bufio.Writer
	ti       int // the transparent index, or -1
	litWidth int
	lzw      *lzw.Writer
	blocks   gifBlocks
}

// header writes the header, the logical screen of size with the global
// palette pal (and the transparent entry ti, black, when ti ≥ 0, which is
// also the background), and the loop count unless it is -1.
func (e *gifEncoder) header(size image.Point, pal [][3]uint8, loopCount int) {
	n := len(pal)
	if e.ti >= 0 {
		n = e.ti + 1
	}
	bits := 1
	for 1<<bits < n {
		bits++
	}
	e.litWidth = max(2, bits)
	bg := max(0, e.ti)
	e.w.WriteString("GIF89a")
	e.w.Write([]byte{uint8(size.X), uint8(size.X >> 8), uint8(size.Y), uint8(size.Y >> 8), 0xF0 | uint8(bits-1), uint8(bg), 0})
	table := make([]byte, 3<<bits)
	for i, c := range pal {
		copy(table[3*i:], c[:])
	}
	e.w.Write(table)
	if loopCount >= 0 {
		e.w.Write([]byte{0x21, 0xFF, 11})
		e.w.WriteString("NETSCAPE2.0")
		e.w.Write([]byte{3, 1, uint8(loopCount), uint8(loopCount >> 8), 0})
	}
}

// frame writes f: its Graphic Control Extension, image descriptor and
// LZW data.
func (e *gifEncoder) frame(f *gifFrameOut) error {
	flags, ti := f.disposal<<2, uint8(0)
	if e.ti >= 0 {
		flags, ti = flags|1, uint8(e.ti)
	}
	r := f.rect
	e.w.Write([]byte{0x21, 0xF9, 4, flags, uint8(f.delay), uint8(f.delay >> 8), ti, 0,
		0x2C, uint8(r.Min.X), uint8(r.Min.X >> 8), uint8(r.Min.Y), uint8(r.Min.Y >> 8),
		uint8(r.Dx()), uint8(r.Dx() >> 8), uint8(r.Dy()), uint8(r.Dy() >> 8), 0, uint8(e.litWidth)})
	e.blocks.w = e.w
	if e.lzw == nil {
		e.lzw = lzw.NewWriter(&e.blocks, lzw.LSB, e.litWidth).(*lzw.Writer)
	} else {
		e.lzw.Reset(&e.blocks, lzw.LSB, e.litWidth)
	}
	if _, err := e.lzw.Write(f.pix); err != nil {
		return err
	}
	if err := e.lzw.Close(); err != nil {
		return err
	}
	e.blocks.flush()
	return e.w.WriteByte(0)
}

// gifDelay is d in centiseconds, rounded to the nearest and kept within
// what a GIF can say.
func gifDelay(d time.Duration) int {
	return int(min(max(0, (d+5*time.Millisecond)/(10*time.Millisecond)), 0xFFFF))
}

// changedRect returns the bounding box, in canvases of indices w wide,
// of the pixels where cur differs from shown, or, when ti ≥ 0, of those
// where cur is ti and shown is not (pixels turning transparent).
func changedRect(cur, shown []uint8, w, ti int) image.Rectangle {
	r := image.Rectangle{Min: image.Pt(w, len(cur)/w)}
	for y := 0; y*w < len(cur); y++ {
		c, s := cur[y*w:(y+1)*w], shown[y*w:(y+1)*w]
		if bytes.Equal(c, s) {
			continue
		}
		for x := range c {
			if c[x] != s[x] && (ti < 0 || (int(c[x]) == ti && int(s[x]) != ti)) {
				r.Min.X, r.Max.X = min(r.Min.X, x), max(r.Max.X, x+1)
				r.Min.Y, r.Max.Y = min(r.Min.Y, y), y+1
			}
		}
	}
	if r.Max.X == 0 {
		return image.Rectangle{}
	}
	return r
}

// crop returns the rows of r in a canvas of indices w wide.
func crop(canvas []uint8, w int, r image.Rectangle) []uint8 {
	out := make([]uint8, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		out = append(out, canvas[y*w+r.Min.X:y*w+r.Max.X]...)
	}
	return out
}

// encodeGIFAll writes a as an animated GIF (see the comment above
// gifHistogram), checking ctx between frames. It holds, besides the
// frames, three canvases of palette indices.
func encodeGIFAll(ctx context.Context, w io.Writer, a *Animation, _ EncodeOptions) error {
	size := a.Size()
	if size.X > 0xFFFF || size.Y > 0xFFFF {
		return fmt.Errorf("gif: %d×%d is larger than a GIF can be", size.X, size.Y)
	}
	h := newGIFHistogram()
	for _, f := range a.Frames {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.add(asNRGBA(f))
	}
	ti, k := -1, 256
	if h.transparent || len(a.Frames) > 1 {
		k = 255
	}
	pal := h.palette(k)
	if k == 255 {
		ti = len(pal)
	}
	m := newGIFMapper(pal, h.exact != nil && len(h.exact) <= k)
	e := &gifEncoder{w: bufio.NewWriter(w), ti: ti}
	e.header(size, pal, gifLoopCount(a.Loops))

	const none, background = 1, 2
	full := image.Rectangle{Max: size}
	n := size.X * size.Y
	shown, cur := make([]uint8, n), make([]uint8, n)
	var pending gifFrameOut
	for i, f := range a.Frames {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.mapFrame(cur, asNRGBA(f), ti)
		delay := gifDelay(a.Delays[i])
		if i == 0 {
			pending = gifFrameOut{rect: full, pix: bytes.Clone(cur), delay: delay, disposal: none}
			shown, cur = cur, shown
			continue
		}
		// Pixels turning transparent: the pending frame restores its
		// rectangle, grown to cover them, to background (transparent),
		// drawing the same pixels as before over it.
		tr := changedRect(cur, shown, size.X, ti)
		if !tr.Empty() {
			r := pending.rect.Union(tr)
			pending = gifFrameOut{rect: r, pix: crop(shown, size.X, r), delay: pending.delay, disposal: background}
			for y := r.Min.Y; y < r.Max.Y; y++ {
				row := shown[y*size.X+r.Min.X : y*size.X+r.Max.X]
				for x := range row {
					row[x] = uint8(ti)
				}
			}
		}
		if err := e.frame(&pending); err != nil {
			return err
		}
		r := changedRect(cur, shown, size.X, -1)
		if r.Empty() {
			r = image.Rect(0, 0, 1, 1) // the same picture, for longer
		}
		// What the frame does not change is left transparent.
		pix, j := crop(cur, size.X, r), 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for _, v := range shown[y*size.X+r.Min.X : y*size.X+r.Max.X] {
				if pix[j] == v {
					pix[j] = uint8(ti)
				}
				j++
			}
		}
		pending = gifFrameOut{rect: r, pix: pix, delay: delay, disposal: none}
		shown, cur = cur, shown
	}
	if err := e.frame(&pending); err != nil {
		return err
	}
	e.w.WriteByte(0x3B)
	return e.w.Flush()
}

// encodeGIF writes one still image as a GIF: an animation of one frame,
// with no loop extension, its colours quantised as EncodeAll's are.
func encodeGIF(w io.Writer, img image.Image, o EncodeOptions) error {
	return encodeGIFAll(context.Background(), w, &Animation{Frames: []image.Image{img}, Delays: []time.Duration{0}, Loops: 1}, o)
}
