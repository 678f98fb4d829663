package png

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"math/bits"
)

// DecodeScaled decodes a PNG image at 1/denom of its size in each
// direction, denom 2, 4 or 8 (1 is Decode), to bounds (0,0)–(⌈w/denom⌉,
// ⌈h/denom⌉). Each output pixel is the mean of the denom×denom pixels it
// covers (fewer at the right and bottom edges), computed as the rows are
// unfiltered, with the rounding of blobimage's box reduction
// (variants): the result equals box-reducing Decode's image by denom. See
// the package documentation for the output types and what is held in
// memory.
func DecodeScaled(r io.Reader, denom int) (image.Image, error) {
	switch denom {
	case 1:
		return Decode(r)
	case 2, 4, 8:
	default:
		return nil, fmt.Errorf("png: DecodeScaled: denominator %d is not 1, 2, 4 or 8", denom)
	}
	d := getDecoder(r, denom)
	defer d.release()
	if err := d.run(); err != nil {
		return nil, err
	}
	return d.img, nil
}

// adam7 gives each pass of Adam7 interlacing (§8.2) as its x and y steps
// and offsets.
var adam7 = [7]struct{ dx, dy, x0, y0 int }{
	{8, 8, 0, 0}, {8, 8, 4, 0}, {4, 8, 0, 4}, {4, 4, 2, 0}, {2, 4, 0, 2}, {2, 2, 1, 0}, {1, 2, 0, 1},
}

// passSize is the size of an Adam7 pass (possibly empty) of the image.
func (d *decoder) passSize(pass int) (int, int) {
	p := adam7[pass]
	return (d.width - p.x0 + p.dx - 1) / p.dx, (d.height - p.y0 + p.dy - 1) / p.dy
}

// rawSize is the number of bytes the image data inflates to.
func (d *decoder) rawSize() int64 {
	if !d.interlaced {
		return int64(1+d.rowBytes(d.width)) * int64(d.height)
	}
	var n int64
	for pass := range adam7 {
		if w, h := d.passSize(pass); w > 0 && h > 0 {
			n += int64(1+d.rowBytes(w)) * int64(h)
		}
	}
	return n
}

// decodeImage decodes the image data, which starts in the IDAT chunk just
// entered, into d.img.
func (d *decoder) decodeImage() error {
	if d.limit < 0 {
		// The image is allocated before its data is read: when the
		// reader does not tell how much is left, read the rest of the
		// input first, so that need can weigh the image against it.
		rest, err := io.ReadAll(d.r)
		if err != nil {
			return err
		}
		d.r, d.limit = bytes.NewReader(rest), int64(len(rest))
	}
	if err := d.need(d.rawSize()); err != nil {
		return err
	}
	if err := d.openIDAT(); err != nil {
		return err
	}
	var err error
	switch {
	case d.interlaced:
		var pix []byte
		if pix, err = d.decodeInterlaced(); err != nil {
			return err
		}
		if d.denom == 1 {
			d.img = d.newImage(d.kind(), d.width, d.height, pix)
			break
		}
		red := d.newReducer()
		stride := d.width * pixelBytes[d.kind()]
		for y := range d.height {
			red.add(pix[y*stride : (y+1)*stride])
		}
		d.img = red.image()
	case d.denom == 1:
		err = d.decodeRows()
	default:
		err = d.decodeRowsScaled()
	}
	if err != nil {
		return err
	}
	return d.closeIDAT()
}

// decodeRows decodes a non-interlaced image, row by row into the image.
func (d *decoder) decodeRows() error {
	w, h, k := d.width, d.height, d.kind()
	stride := w * pixelBytes[k]
	total := stride * h
	pix := make([]byte, total)
	n := 1 + d.rowBytes(w)
	d.startRows(n)
	if k == kRGBA {
		// 8-bit RGB: each row unfiltered straight into the image, against
		// the image's row above.
		for y := range h {
			cdat, err := d.rawRow()
			if err != nil {
				return err
			}
			dst := pix[y*stride : (y+1)*stride]
			var prev []byte
			if y > 0 {
				prev = pix[(y-1)*stride : y*stride]
			}
			if err := unfilterRGBToRGBA(cdat[0], dst, cdat[1:], prev); err != nil {
				return err
			}
		}
		d.img = d.newImage(k, w, h, pix)
		return nil
	}
	for y := range h {
		cdat, err := d.readRow()
		if err != nil {
			return err
		}
		d.convert(pix[y*stride:(y+1)*stride], cdat, w)
	}
	d.img = d.newImage(k, w, h, pix)
	return nil
}

// decodeInterlaced decodes the seven passes of an Adam7 image, each row
// scattered into the full image as it is unfiltered, and returns the
// image's Pix. The image is allocated whole before the first pass (as
// image/png does), once need has checked it against what the rest of the
// input can inflate to.
func (d *decoder) decodeInterlaced() ([]byte, error) {
	w, h, k := d.width, d.height, d.kind()
	pb := pixelBytes[k]
	stride := w * pb
	pix := make([]byte, stride*h)
	row := d.rowBuffer(w * pb)
	for pass, p := range adam7 {
		pw, ph := d.passSize(pass)
		if pw <= 0 || ph <= 0 {
			continue // an empty pass has no filter bytes either
		}
		n := 1 + d.rowBytes(pw)
		d.startRows(n)
		for py := range ph {
			cdat, err := d.readRow()
			if err != nil {
				return nil, err
			}
			d.convert(row, cdat, pw)
			dst := pix[(p.y0+py*p.dy)*stride:][:stride]
			switch pb {
			case 1:
				for px, v := range row[:pw] {
					dst[p.x0+px*p.dx] = v
				}
			case 4:
				for px := range pw {
					x := 4 * (p.x0 + px*p.dx)
					copy(dst[x:x+4], row[4*px:4*px+4])
				}
			default:
				for px := range pw {
					x := pb * (p.x0 + px*p.dx)
					copy(dst[x:x+pb], row[pb*px:pb*px+pb])
				}
			}
		}
	}
	return pix, nil
}

// rowBuffer returns d.row with room for n bytes.
func (d *decoder) rowBuffer(n int) []byte {
	if cap(d.row) < n {
		d.row = make([]byte, n)
	}
	return d.row[:n]
}

// newImage wraps pix as the image type of kind k.
func (d *decoder) newImage(k kind, w, h int, pix []byte) image.Image {
	r := image.Rect(0, 0, w, h)
	stride := w * pixelBytes[k]
	switch k {
	case kGray:
		return &image.Gray{Pix: pix, Stride: stride, Rect: r}
	case kRGBA:
		return &image.RGBA{Pix: pix, Stride: stride, Rect: r}
	case kNRGBA:
		return &image.NRGBA{Pix: pix, Stride: stride, Rect: r}
	case kPaletted:
		p := d.palette
		if len(p) <= d.maxIdx {
			// Indices past the palette: it grows with opaque black,
			// as image/png's does.
			p = p[:d.maxIdx+1]
		}
		return &image.Paletted{Pix: pix, Stride: stride, Rect: r, Palette: p}
	case kGray16:
		return &image.Gray16{Pix: pix, Stride: stride, Rect: r}
	case kRGBA64:
		return &image.RGBA64{Pix: pix, Stride: stride, Rect: r}
	}
	return &image.NRGBA64{Pix: pix, Stride: stride, Rect: r}
}

// decodeRowsScaled decodes a non-interlaced image at 1/d.denom, adding
// each row to the reducer as soon as it is unfiltered: only the raw row,
// the one before it, a converted row and the reducer's accumulator row are
// held besides the reduced image.
func (d *decoder) decodeRowsScaled() error {
	w, h := d.width, d.height
	red := d.newReducer()
	n := 1 + d.rowBytes(w)
	d.startRows(n)
	// 8-bit gray, RGB and RGBA rows are summed straight from the raw rows
	// (gray and RGBA rows are already in the Pix layout of their kind).
	direct := d.depth == 8 && !d.transparent && (d.colorType == ctGray || d.colorType == ctRGB || d.colorType == ctRGBA)
	var row []byte
	if !direct {
		row = d.rowBuffer(w * pixelBytes[d.kind()])
	}
	for range h {
		cdat, err := d.readRow()
		if err != nil {
			return err
		}
		if direct {
			red.add(cdat)
			continue
		}
		d.convert(row, cdat, w)
		red.add(row)
	}
	d.img = red.image()
	return nil
}

// reducer box-reduces rows of a w×h image of the decoder's kind by k,
// as variants' box reduction does: *image.Gray stays Gray and *image.RGBA
// stays RGBA, each channel the rounded mean of the pixels a block holds;
// every other kind becomes *image.NRGBA, converted pixel by pixel as
// draw.Draw converts it (8 bits, from the premultiplied 16-bit colour),
// its colours averaged with alpha weights (a transparent pixel's colour
// does not bleed) and its alpha the rounded mean.
type reducer struct {
	d          *decoder
	src, out   kind
	rgb        bool // rows are packed RGB (the raw rows of 8-bit RGB)
	k, w, h, W int
	acc        []uint32 // per output pixel: one sum (Gray), or 4 (RGBA: r, g, b; NRGBA: Σa, Σr·a, Σg·a, Σb·a)
	pix        []byte
	y          int // rows added
	lut        [256][4]byte
	row8       []byte // a row converted to 8-bit NRGBA
}

func (d *decoder) newReducer() *reducer {
	k := d.denom
	w, h := d.width, d.height
	W, H := (w+k-1)/k, (h+k-1)/k
	r := &reducer{d: d, src: d.kind(), k: k, w: w, h: h, W: W}
	switch r.src {
	case kGray:
		r.out = kGray
	case kRGBA:
		r.out = kRGBA
		r.rgb = !d.interlaced
	default:
		r.out = kNRGBA
	}
	c := pixelBytes[r.out]
	r.pix = make([]byte, W*H*c)
	if c == 1 {
		r.acc = make([]uint32, W)
	} else {
		r.acc = make([]uint32, 4*W)
	}
	switch r.src {
	case kPaletted:
		for i, col := range d.palette[:256] {
			c := color.NRGBAModel.Convert(col).(color.NRGBA)
			r.lut[i] = [4]byte{c.R, c.G, c.B, c.A}
		}
		fallthrough
	case kGray16, kRGBA64, kNRGBA64:
		r.row8 = make([]byte, 4*w)
	}
	return r
}

// add adds the next source row, in the Pix layout of the decoder's kind
// (or packed RGB when r.rgb).
func (r *reducer) add(row []byte) {
	switch r.src {
	case kGray:
		addGray(r.acc, row[:r.w], r.k)
	case kRGBA:
		if r.rgb {
			addRGB3(r.acc, row[:3*r.w], r.k)
		} else {
			addRGB4(r.acc, row[:4*r.w], r.k)
		}
	case kNRGBA:
		addNRGBA(r.acc, row[:4*r.w], r.k)
	default:
		r.to8(row)
		addNRGBA(r.acc, r.row8, r.k)
	}
	r.y++
	if r.y%r.k == 0 || r.y == r.h {
		r.emit()
	}
}

// to8 converts a row of a paletted or 16-bit kind to 8-bit NRGBA in
// r.row8, as image/draw converts those images to *image.NRGBA.
func (r *reducer) to8(row []byte) {
	o := r.row8
	switch r.src {
	case kPaletted:
		for x, i := range row[:r.w] {
			copy(o[4*x:4*x+4], r.lut[i][:])
		}
	case kGray16:
		for x := range r.w {
			v := row[2*x]
			p := o[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = v, v, v, 0xff
		}
	case kRGBA64:
		for x := range r.w {
			s, p := row[8*x:8*x+8:8*x+8], o[4*x:4*x+4:4*x+4]
			p[0], p[1], p[2], p[3] = s[0], s[2], s[4], 0xff
		}
	case kNRGBA64:
		for x := range r.w {
			s, p := row[8*x:8*x+8:8*x+8], o[4*x:4*x+4:4*x+4]
			a := uint32(s[6])<<8 | uint32(s[7])
			switch a {
			case 0xffff:
				p[0], p[1], p[2], p[3] = s[0], s[2], s[4], 0xff
			case 0:
				p[0], p[1], p[2], p[3] = 0, 0, 0, 0
			default:
				// color.NRGBA64's RGBA premultiplies; NRGBA's
				// SetRGBA64 (and NRGBAModel) divides again.
				for j := range 3 {
					v := uint32(s[2*j])<<8 | uint32(s[2*j+1])
					p[j] = uint8(v * a / 0xffff * 0xffff / a >> 8)
				}
				p[3] = uint8(a >> 8)
			}
		}
	}
}

// emit writes the output row of the rows added since the last one, and
// clears the accumulator. The full blocks of a full band of rows (all but
// the right and bottom edges) hold k·k pixels, a power of two: their means
// are rounded with a shift rather than a division.
func (r *reducer) emit() {
	Y := (r.y - 1) / r.k
	k := r.k
	rows := uint32(r.y - Y*k)
	c := pixelBytes[r.out]
	stride := r.W * c
	out := r.pix[Y*stride : (Y+1)*stride]
	from := 0
	if int(rows) == k {
		from = r.w / k
		shift := uint(2 * bits.TrailingZeros(uint(k)))
		half := uint32(k * k / 2)
		switch r.out {
		case kGray:
			for X, s := range r.acc[:from] {
				out[X] = uint8((s + half) >> shift)
			}
		case kRGBA:
			for X := range from {
				a, o := (*[3]uint32)(r.acc[4*X:]), (*[4]byte)(out[4*X:])
				o[0] = uint8((a[0] + half) >> shift)
				o[1] = uint8((a[1] + half) >> shift)
				o[2] = uint8((a[2] + half) >> shift)
				o[3] = 0xff
			}
		default:
			for X := range from {
				a, o := (*[4]uint32)(r.acc[4*X:]), (*[4]byte)(out[4*X:])
				if a[0] == 0 {
					o[0], o[1], o[2], o[3] = 0, 0, 0, 0
					continue
				}
				o[0] = uint8((a[1] + a[0]/2) / a[0])
				o[1] = uint8((a[2] + a[0]/2) / a[0])
				o[2] = uint8((a[3] + a[0]/2) / a[0])
				o[3] = uint8((a[0] + half) >> shift)
			}
		}
	}
	for X := from; X < r.W; X++ {
		n := rows * uint32(min(k, r.w-X*k))
		switch r.out {
		case kGray:
			out[X] = uint8((r.acc[X] + n/2) / n)
		case kRGBA:
			a, o := r.acc[4*X:4*X+3:4*X+3], out[4*X:4*X+4:4*X+4]
			o[0] = uint8((a[0] + n/2) / n)
			o[1] = uint8((a[1] + n/2) / n)
			o[2] = uint8((a[2] + n/2) / n)
			o[3] = 0xff
		default:
			a, o := r.acc[4*X:4*X+4:4*X+4], out[4*X:4*X+4:4*X+4]
			if a[0] == 0 {
				o[0], o[1], o[2], o[3] = 0, 0, 0, 0
				continue
			}
			o[0] = uint8((a[1] + a[0]/2) / a[0])
			o[1] = uint8((a[2] + a[0]/2) / a[0])
			o[2] = uint8((a[3] + a[0]/2) / a[0])
			o[3] = uint8((a[0] + n/2) / n)
		}
	}
	clear(r.acc)
}

// image returns the reduced image, once every row has been added.
func (r *reducer) image() image.Image {
	H := (r.h + r.k - 1) / r.k
	return r.d.newImage(r.out, r.W, H, r.pix)
}

// The accumulate steps below are specialised for the block widths 2, 4
// and 8: each full block is summed from the row's bytes through one array
// pointer (one bounds check), with no loop over the block; the partial
// block at the right edge, if any, is summed by a plain loop.

// addGray adds the sums of each k-pixel block of a gray row to acc.
func addGray(acc []uint32, row []byte, k int) {
	full := min(len(row)/k, len(acc))
	switch k {
	case 2:
		for X := range full {
			p := (*[2]byte)(row[2*X:])
			acc[X] += uint32(p[0]) + uint32(p[1])
		}
	case 4:
		for X := range full {
			p := (*[4]byte)(row[4*X:])
			acc[X] += uint32(p[0]) + uint32(p[1]) + uint32(p[2]) + uint32(p[3])
		}
	case 8:
		for X := range full {
			p := (*[8]byte)(row[8*X:])
			acc[X] += uint32(p[0]) + uint32(p[1]) + uint32(p[2]) + uint32(p[3]) +
				uint32(p[4]) + uint32(p[5]) + uint32(p[6]) + uint32(p[7])
		}
	default:
		full = 0
	}
	for X := full; X < len(acc); X++ {
		var s uint32
		for _, v := range row[X*k : min(X*k+k, len(row))] {
			s += uint32(v)
		}
		acc[X] += s
	}
}

// addRGB3 adds the colour sums of each k-pixel block of a row of packed
// RGB pixels to acc (4 sums per block, the fourth unused).
func addRGB3(acc []uint32, row []byte, k int) {
	full := min(len(row)/(3*k), len(acc)/4)
	switch k {
	case 2:
		for X := range full {
			p, a := (*[6]byte)(row[6*X:]), (*[3]uint32)(acc[4*X:])
			a[0] += uint32(p[0]) + uint32(p[3])
			a[1] += uint32(p[1]) + uint32(p[4])
			a[2] += uint32(p[2]) + uint32(p[5])
		}
	case 4:
		for X := range full {
			p, a := (*[12]byte)(row[12*X:]), (*[3]uint32)(acc[4*X:])
			a[0] += uint32(p[0]) + uint32(p[3]) + uint32(p[6]) + uint32(p[9])
			a[1] += uint32(p[1]) + uint32(p[4]) + uint32(p[7]) + uint32(p[10])
			a[2] += uint32(p[2]) + uint32(p[5]) + uint32(p[8]) + uint32(p[11])
		}
	case 8:
		for X := range full {
			p, a := (*[24]byte)(row[24*X:]), (*[3]uint32)(acc[4*X:])
			a[0] += uint32(p[0]) + uint32(p[3]) + uint32(p[6]) + uint32(p[9]) +
				uint32(p[12]) + uint32(p[15]) + uint32(p[18]) + uint32(p[21])
			a[1] += uint32(p[1]) + uint32(p[4]) + uint32(p[7]) + uint32(p[10]) +
				uint32(p[13]) + uint32(p[16]) + uint32(p[19]) + uint32(p[22])
			a[2] += uint32(p[2]) + uint32(p[5]) + uint32(p[8]) + uint32(p[11]) +
				uint32(p[14]) + uint32(p[17]) + uint32(p[20]) + uint32(p[23])
		}
	default:
		full = 0
	}
	addRGBTail(acc, row, k, 3, full)
}

// addRGB4 adds the colour sums of each k-pixel block of a row of RGBA
// pixels (whose alpha is opaque and ignored) to acc.
func addRGB4(acc []uint32, row []byte, k int) {
	full := min(len(row)/(4*k), len(acc)/4)
	switch k {
	case 2:
		for X := range full {
			p, a := (*[8]byte)(row[8*X:]), (*[3]uint32)(acc[4*X:])
			a[0] += uint32(p[0]) + uint32(p[4])
			a[1] += uint32(p[1]) + uint32(p[5])
			a[2] += uint32(p[2]) + uint32(p[6])
		}
	case 4:
		for X := range full {
			p, a := (*[16]byte)(row[16*X:]), (*[3]uint32)(acc[4*X:])
			a[0] += uint32(p[0]) + uint32(p[4]) + uint32(p[8]) + uint32(p[12])
			a[1] += uint32(p[1]) + uint32(p[5]) + uint32(p[9]) + uint32(p[13])
			a[2] += uint32(p[2]) + uint32(p[6]) + uint32(p[10]) + uint32(p[14])
		}
	default:
		full = 0
	}
	addRGBTail(acc, row, k, 4, full)
}

// addRGBTail adds the colour sums of the blocks from X = from on, of a row
// of c-byte pixels (3: packed RGB; 4: opaque RGBA), to acc.
func addRGBTail(acc []uint32, row []byte, k, c, from int) {
	step := k * c
	for X := from; 4*X < len(acc); X++ {
		var s0, s1, s2 uint32
		blk := row[X*step : min(X*step+step, len(row))]
		for i := 0; i+3 <= len(blk); i += c {
			p := blk[i : i+3 : i+3]
			s0 += uint32(p[0])
			s1 += uint32(p[1])
			s2 += uint32(p[2])
		}
		a := acc[4*X : 4*X+3 : 4*X+3]
		a[0] += s0
		a[1] += s1
		a[2] += s2
	}
}

// addNRGBA adds the alpha and alpha-weighted colour sums of each k-pixel
// block of an NRGBA row to acc.
func addNRGBA(acc []uint32, row []byte, k int) {
	from := 0
	if k == 2 || k == 4 {
		// Pairs of pixels, k/2 of them per block.
		from = min(len(row)/(4*k), len(acc)/4)
		h := k / 2
		for X := range from {
			a := (*[4]uint32)(acc[4*X:])
			sa, sr, sg, sb := a[0], a[1], a[2], a[3]
			for j := range h {
				p := (*[8]byte)(row[8*(X*h+j):])
				a0, a1 := uint32(p[3]), uint32(p[7])
				sa += a0 + a1
				sr += uint32(p[0])*a0 + uint32(p[4])*a1
				sg += uint32(p[1])*a0 + uint32(p[5])*a1
				sb += uint32(p[2])*a0 + uint32(p[6])*a1
			}
			a[0], a[1], a[2], a[3] = sa, sr, sg, sb
		}
	}
	step := 4 * k
	for X := from; 4*X < len(acc); X++ {
		var sa, sr, sg, sb uint32
		blk := row[X*step : min(X*step+step, len(row))]
		for i := 0; i+4 <= len(blk); i += 4 {
			p := blk[i : i+4 : i+4]
			a := uint32(p[3])
			sa += a
			sr += uint32(p[0]) * a
			sg += uint32(p[1]) * a
			sb += uint32(p[2]) * a
		}
		a := acc[4*X : 4*X+4 : 4*X+4]
		a[0] += sa
		a[1] += sr
		a[2] += sg
		a[3] += sb
	}
}
