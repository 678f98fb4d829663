package png

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"sync"

	"github.com/blobimage/blobimage/codecs/internal/inflate"
)

// A FormatError reports that the input is not a valid PNG.
type FormatError string

func (e FormatError) Error() string { return "png: invalid format: " + string(e) }

// An UnsupportedError reports that the input uses a valid but unimplemented
// PNG feature (or one image/png refuses as such: a bit depth that the
// colour type does not allow, a compression or filter method other than 0).
type UnsupportedError string

func (e UnsupportedError) Error() string { return "png: unsupported feature: " + string(e) }

var errChunkOrder = FormatError("chunk out of order")

// Colour types (PNG 3rd ed. §11.2.1).
const (
	ctGray      = 0
	ctRGB       = 2
	ctPalette   = 3
	ctGrayAlpha = 4
	ctRGBA      = 6
)

// Filter types (§9.2).
const (
	ftNone    = 0
	ftSub     = 1
	ftUp      = 2
	ftAverage = 3
	ftPaeth   = 4
)

// Stages of the chunk sequence, in the order image/png enforces: IHDR,
// PLTE, tRNS, the consecutive IDAT chunks, IEND.
const (
	stStart = iota
	stIHDR
	stPLTE
	stTRNS
	stIDAT
	stIEND
)

const signature = "\x89PNG\r\n\x1a\n"

// maxDeflateRatio bounds what a deflate stream of n bytes can inflate to:
// a stored length of 258 in one bit and a half per symbol is 1032:1 for a
// long stream; the constant adds the zlib and block overhead of a short one.
const maxDeflateRatio = 1032

// kind is the Go image type a decoded PNG becomes (the types image/png
// returns).
type kind uint8

const (
	kGray     kind = iota // *image.Gray: gray 1–8 bits without tRNS
	kRGBA                 // *image.RGBA: RGB 8 bits without tRNS
	kNRGBA                // *image.NRGBA: gray+alpha 8, RGBA 8, gray ≤ 8 or RGB 8 with tRNS
	kPaletted             // *image.Paletted
	kGray16               // *image.Gray16
	kRGBA64               // *image.RGBA64: RGB 16 without tRNS
	kNRGBA64              // *image.NRGBA64: gray+alpha 16, RGBA 16, gray 16 or RGB 16 with tRNS
)

// pixelBytes is the number of bytes of one pixel of each kind's Pix.
var pixelBytes = [...]int{kGray: 1, kRGBA: 4, kNRGBA: 4, kPaletted: 1, kGray16: 2, kRGBA64: 8, kNRGBA64: 8}

// decoder holds the state of one decode. Decoders are pooled: the zlib
// reader, its window and the row buffers are reused from one image to the
// next.
type decoder struct {
	r     io.Reader
	crc   uint32
	stage int
	tmp   [4096]byte

	width, height int
	depth         int // bits per sample
	colorType     int
	interlaced    bool
	bpp           int // bytes per complete pixel, at least 1 (the filter's unit)
	bitsPP        int // bits per pixel

	palette     color.Palette // cap 256, entries past len opaque black
	transparent bool          // a tRNS chunk for gray or RGB
	trns        [6]byte       // its bytes, as image/png keeps them (see parseTRNS)

	// The IDAT stream.
	idatLeft uint32 // bytes left in the current IDAT chunk
	zr       inflate.Reader

	cur, prev []byte // raw rows, the filter byte first
	rowN      int    // the length of a raw row
	first     bool   // the next row is the first of the image or pass
	row       []byte // one row of the output kind (DecodeScaled)

	// mode: what parsing the IDAT chunks does.
	denom  int // 0: header only (DecodeConfig); 1: Decode; 2, 4, 8: DecodeScaled
	img    image.Image
	maxIdx int // the largest palette index seen, for image/png's palette growth
	// limit is how many bytes the rest of the input holds, when the
	// reader tells (a Len method; else -1 until decodeImage has read the
	// rest): an image larger than what that many bytes can inflate to is
	// refused before it is allocated.
	limit int64
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder(r io.Reader, denom int) *decoder {
	d := decoders.Get().(*decoder)
	d.reset(r, denom)
	return d
}

func (d *decoder) reset(r io.Reader, denom int) {
	d.r, d.crc, d.stage = r, 0, stStart
	d.width, d.height, d.depth, d.colorType, d.interlaced, d.bpp, d.bitsPP = 0, 0, 0, 0, false, 0, 0
	d.palette, d.transparent, d.trns = nil, false, [6]byte{}
	d.idatLeft = 0
	d.denom, d.img, d.maxIdx = denom, nil, 0
	d.limit = -1
	if l, ok := r.(interface{ Len() int }); ok {
		d.limit = int64(l.Len())
	}
}

func (d *decoder) release() {
	d.r, d.img, d.palette = nil, nil, nil
	d.zr.Reset(nil)
	decoders.Put(d)
}

// Decode reads a PNG image from r and returns it as an image.Image of the
// type image/png returns for it (see the package documentation), with the
// same pixels.
func Decode(r io.Reader) (image.Image, error) {
	d := getDecoder(r, 1)
	defer d.release()
	if err := d.run(); err != nil {
		return nil, err
	}
	return d.img, nil
}

// DecodeConfig returns the colour model and dimensions of a PNG image
// without decoding the image data: it reads and checks (CRCs included) the
// chunks up to the first IDAT, as image/png does, and returns the same
// colour model (a color.Palette for a paletted image, with the alpha of its
// tRNS chunk).
func DecodeConfig(r io.Reader) (image.Config, error) {
	d := getDecoder(r, 0)
	defer d.release()
	if err := d.readSignature(); err != nil {
		return image.Config{}, err
	}
	for {
		if err := d.parseChunk(); err != nil {
			return image.Config{}, eof(err)
		}
		if d.colorType == ctPalette {
			if d.stage >= stTRNS {
				break
			}
		} else if d.stage >= stIHDR {
			break
		}
	}
	var cm color.Model
	switch d.colorType {
	case ctGray:
		cm = color.GrayModel
		if d.depth == 16 {
			cm = color.Gray16Model
		}
	case ctRGB:
		cm = color.RGBAModel
		if d.depth == 16 {
			cm = color.RGBA64Model
		}
	case ctPalette:
		cm = d.palette
	default:
		cm = color.NRGBAModel
		if d.depth == 16 {
			cm = color.NRGBA64Model
		}
	}
	return image.Config{ColorModel: cm, Width: d.width, Height: d.height}, nil
}

// eof turns io.EOF into io.ErrUnexpectedEOF: a PNG never ends before IEND.
func eof(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (d *decoder) readSignature() error {
	if _, err := io.ReadFull(d.r, d.tmp[:len(signature)]); err != nil {
		return eof(err)
	}
	d.consumed(len(signature))
	if string(d.tmp[:len(signature)]) != signature {
		return FormatError("not a PNG file")
	}
	return nil
}

// run reads the whole file, to IEND, decoding the image data as d.denom
// says.
func (d *decoder) run() error {
	if err := d.readSignature(); err != nil {
		return err
	}
	for d.stage != stIEND {
		if err := d.parseChunk(); err != nil {
			return eof(err)
		}
	}
	return nil
}

// consumed records that n bytes of the input were read.
func (d *decoder) consumed(n int) {
	if d.limit >= 0 {
		d.limit = max(0, d.limit-int64(n))
	}
}

// read reads len(p) bytes of chunk data, adding them to the CRC.
func (d *decoder) read(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.consumed(n)
	d.crc = crc32.Update(d.crc, crc32.IEEETable, p[:n])
	return err
}

// checkCRC reads a chunk's CRC and compares it with the data's. A mismatch
// is an error, as in image/png: a PNG is a single download, and damage in
// it is as likely in the pixels as in a header.
func (d *decoder) checkCRC() error {
	if _, err := io.ReadFull(d.r, d.tmp[:4]); err != nil {
		return err
	}
	d.consumed(4)
	if binary.BigEndian.Uint32(d.tmp[:4]) != d.crc {
		return FormatError("invalid checksum")
	}
	return nil
}

// parseChunk reads one chunk, enforcing the chunk order of image/png.
// Unknown chunks are skipped (their CRCs checked), and so are IDAT chunks
// after the image data, as image/png does.
func (d *decoder) parseChunk() error {
	if _, err := io.ReadFull(d.r, d.tmp[:8]); err != nil {
		return err
	}
	d.consumed(8)
	length := binary.BigEndian.Uint32(d.tmp[:4])
	d.crc = crc32.Update(0, crc32.IEEETable, d.tmp[4:8])
	palette := d.colorType == ctPalette
	switch string(d.tmp[4:8]) {
	case "IHDR":
		if d.stage != stStart {
			return errChunkOrder
		}
		d.stage = stIHDR
		return d.parseIHDR(length)
	case "PLTE":
		if d.stage != stIHDR {
			return errChunkOrder
		}
		d.stage = stPLTE
		return d.parsePLTE(length)
	case "tRNS":
		switch {
		case palette && d.stage != stPLTE,
			(d.colorType == ctRGB) && d.stage != stIHDR && d.stage != stPLTE,
			!palette && d.colorType != ctRGB && d.stage != stIHDR:
			return errChunkOrder
		}
		d.stage = stTRNS
		return d.parseTRNS(length)
	case "IDAT":
		if d.stage < stIHDR || d.stage > stIDAT || (d.stage == stIHDR && palette) {
			return errChunkOrder
		}
		if d.stage == stIDAT {
			break // trailing IDAT chunks after the image data are skipped
		}
		d.stage = stIDAT
		if d.denom == 0 {
			return nil
		}
		d.idatLeft = length
		if err := d.decodeImage(); err != nil {
			return err
		}
		return d.checkCRC()
	case "IEND":
		if d.stage != stIDAT {
			return errChunkOrder
		}
		d.stage = stIEND
		if length != 0 {
			return FormatError("bad IEND length")
		}
		return d.checkCRC()
	}
	if length > 0x7fffffff {
		return FormatError(fmt.Sprintf("bad chunk length %d", length))
	}
	for length > 0 {
		n := min(uint32(len(d.tmp)), length)
		if err := d.read(d.tmp[:n]); err != nil {
			return err
		}
		length -= n
	}
	return d.checkCRC()
}

func (d *decoder) parseIHDR(length uint32) error {
	if length != 13 {
		return FormatError("bad IHDR length")
	}
	b := d.tmp[:13]
	if err := d.read(b); err != nil {
		return err
	}
	if b[10] != 0 {
		return UnsupportedError("compression method")
	}
	if b[11] != 0 {
		return UnsupportedError("filter method")
	}
	if b[12] > 1 {
		return FormatError("invalid interlace method")
	}
	d.interlaced = b[12] == 1
	w, h := int32(binary.BigEndian.Uint32(b[0:4])), int32(binary.BigEndian.Uint32(b[4:8]))
	if w <= 0 || h <= 0 {
		return FormatError("non-positive dimension")
	}
	px := int64(w) * int64(h)
	if px != int64(int(px)) || int(px) != int(px)*8/8 {
		return UnsupportedError("dimension overflow")
	}
	depth, ct := int(b[8]), int(b[9])
	ok := false
	switch ct {
	case ctGray:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case ctPalette:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8
	case ctRGB, ctGrayAlpha, ctRGBA:
		ok = depth == 8 || depth == 16
	}
	if !ok {
		return UnsupportedError(fmt.Sprintf("bit depth %d, color type %d", depth, ct))
	}
	d.width, d.height, d.depth, d.colorType = int(w), int(h), depth, ct
	d.bitsPP = depth * [...]int{ctGray: 1, ctRGB: 3, ctPalette: 1, ctGrayAlpha: 2, ctRGBA: 4}[ct]
	d.bpp = max(1, d.bitsPP/8)
	return d.checkCRC()
}

func (d *decoder) parsePLTE(length uint32) error {
	n := int(length / 3)
	if length%3 != 0 || n <= 0 || n > 256 || n > 1<<d.depth {
		return FormatError("bad PLTE length")
	}
	b := d.tmp[:3*n]
	if err := d.read(b); err != nil {
		return err
	}
	switch d.colorType {
	case ctPalette:
		// Indices past the palette are opaque black, as in libpng and
		// image/png: the palette keeps room for 256 entries, and grows to
		// cover the largest index the image uses.
		p := make(color.Palette, 256)
		for i := range p {
			c := color.RGBA{A: 0xff}
			if i < n {
				c.R, c.G, c.B = b[3*i], b[3*i+1], b[3*i+2]
			}
			p[i] = c
		}
		d.palette = p[:n]
	case ctRGB, ctRGBA:
		// A suggested palette for true colour: ignored.
	default:
		return FormatError("PLTE, color type mismatch")
	}
	return d.checkCRC()
}

// parseTRNS reads a tRNS chunk. For gray and RGB it keeps the bytes as
// image/png compares them: all 16 bits at depth 16; at depth 8 the low
// byte of each sample only; at depths 1, 2 and 4 the low byte scaled to 8
// bits with 8-bit wrap-around.
func (d *decoder) parseTRNS(length uint32) error {
	switch d.colorType {
	case ctGray, ctRGB:
		want := uint32(2)
		if d.colorType == ctRGB {
			want = 6
		}
		if length != want {
			return FormatError("bad tRNS length")
		}
		if err := d.read(d.tmp[:length]); err != nil {
			return err
		}
		copy(d.trns[:], d.tmp[:length])
		if d.colorType == ctGray && d.depth < 8 {
			d.trns[1] *= [...]byte{1: 0xff, 2: 0x55, 4: 0x11}[d.depth]
		}
		d.transparent = true
	case ctPalette:
		if length > 256 {
			return FormatError("bad tRNS length")
		}
		if err := d.read(d.tmp[:length]); err != nil {
			return err
		}
		n := int(length)
		if len(d.palette) < n {
			d.palette = d.palette[:n]
		}
		for i, a := range d.tmp[:n] {
			c := d.palette[i].(color.RGBA)
			d.palette[i] = color.NRGBA{c.R, c.G, c.B, a}
		}
	default:
		return FormatError("tRNS, color type mismatch")
	}
	return d.checkCRC()
}

// kind is the type of image Decode returns.
func (d *decoder) kind() kind {
	switch d.colorType {
	case ctGray:
		switch {
		case d.depth == 16 && d.transparent:
			return kNRGBA64
		case d.depth == 16:
			return kGray16
		case d.transparent:
			return kNRGBA
		}
		return kGray
	case ctRGB:
		switch {
		case d.depth == 16 && d.transparent:
			return kNRGBA64
		case d.depth == 16:
			return kRGBA64
		case d.transparent:
			return kNRGBA
		}
		return kRGBA
	case ctPalette:
		return kPaletted
	}
	if d.depth == 16 {
		return kNRGBA64
	}
	return kNRGBA
}

// Read presents the data of consecutive IDAT chunks as one stream, checking
// each chunk's CRC at its end. It reads past the end of a chunk only when
// asked for more (never into the chunk after the image data), and a chunk
// other than IDAT there means the image data ended early.
func (d *decoder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for d.idatLeft == 0 {
		if err := d.checkCRC(); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(d.r, d.tmp[:8]); err != nil {
			return 0, err
		}
		d.consumed(8)
		d.idatLeft = binary.BigEndian.Uint32(d.tmp[:4])
		if string(d.tmp[4:8]) != "IDAT" {
			return 0, FormatError("not enough pixel data")
		}
		d.crc = crc32.Update(0, crc32.IEEETable, d.tmp[4:8])
	}
	n, err := d.r.Read(p[:min(len(p), int(d.idatLeft))])
	d.consumed(n)
	d.crc = crc32.Update(d.crc, crc32.IEEETable, p[:n])
	d.idatLeft -= uint32(n)
	return n, err
}

// openIDAT starts inflating the image data. The inflater reads the chunk
// stream only as far as the data it decodes needs, so it never asks for
// the chunk after the image data unless the data ends early; and it
// decodes at most one symbol past the image's raw size.
func (d *decoder) openIDAT() error {
	if err := d.zr.Reset(d); err != nil {
		return inflateError(err)
	}
	d.zr.SetLimit(d.rawSize())
	return nil
}

// inflateError makes the errors of damaged image data FormatErrors; the
// reader's own errors pass through.
func inflateError(err error) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return FormatError("not enough pixel data")
	case errors.Is(err, inflate.ErrCorrupt), errors.Is(err, inflate.ErrChecksum),
		errors.Is(err, inflate.ErrHeader), errors.Is(err, inflate.ErrDictionary):
		return FormatError(err.Error())
	}
	return err
}

// closeIDAT checks the end of the image data after the last row: the zlib
// stream must end there (its Adler-32 checksum right) and so must the IDAT
// chunk it ends in. At most one byte past the image is inflated, so extra
// data after it, however much it would inflate to, is refused at once.
func (d *decoder) closeIDAT() error {
	var n int
	var err error
	for i := 0; n == 0 && err == nil; i++ {
		if i == 100 {
			return io.ErrNoProgress
		}
		n, err = d.zr.Read(d.tmp[:1])
	}
	if err != nil && err != io.EOF {
		return inflateError(err)
	}
	if n != 0 || d.idatLeft != 0 {
		return FormatError("too much pixel data")
	}
	return nil
}

// readRow inflates the next raw row of d.rowN bytes (its filter byte
// first) into d.cur, unfilters it against d.prev (zeros for the first row
// of an image or pass), and swaps the two, so that the row is then in
// d.prev. A row longer than the buffers grows them as its bytes arrive,
// so that a header declaring a huge width over a few bytes of data costs
// no more than the data.
func (d *decoder) readRow() ([]byte, error) {
	cur, err := d.inflateRow()
	if err != nil {
		return nil, err
	}
	n := d.rowN
	if d.first {
		if cap(d.prev) < n {
			d.prev = make([]byte, n)
		} else {
			clear(d.prev[:n])
		}
		d.first = false
	}
	prev := d.prev[:n]
	if err := unfilter(cur[0], cur[1:], prev[1:], d.bpp); err != nil {
		return nil, err
	}
	d.cur, d.prev = d.prev, d.cur
	return cur[1:], nil
}

// inflateRow inflates the next raw row of d.rowN bytes (its filter byte
// first) into d.cur and returns it, still filtered.
func (d *decoder) inflateRow() ([]byte, error) {
	n := d.rowN
	cur := d.cur[:0]
	for len(cur) < n {
		m := n
		if cap(cur) < n {
			m = min(n, max(2*cap(cur), 1<<16))
			if m > cap(cur) {
				c := make([]byte, len(cur), m)
				copy(c, cur)
				cur = c
			}
		}
		got, err := io.ReadFull(&d.zr, cur[len(cur):m])
		cur = cur[:len(cur)+got]
		if err != nil {
			d.cur = cur
			return nil, inflateError(err)
		}
	}
	d.cur = cur
	return cur, nil
}

// rawRow returns the next raw row of d.rowN bytes, still filtered, for a
// caller that only reads it: straight from the inflater's window when the
// row fits there, else copied by inflateRow.
func (d *decoder) rawRow() ([]byte, error) {
	if d.rowN > inflate.MaxNext {
		return d.inflateRow()
	}
	cdat, err := d.zr.Next(d.rowN)
	if err != nil {
		return nil, inflateError(err)
	}
	return cdat, nil
}

// rowBytes is the size of a raw row of w pixels, without its filter byte.
func (d *decoder) rowBytes(w int) int { return (d.bitsPP*w + 7) / 8 }

// startRows starts an image or a pass whose raw rows are n bytes long
// (with the filter byte).
func (d *decoder) startRows(n int) { d.rowN, d.first = n, true }

// need checks, when the reader tells how much input is left, that the
// image data can inflate to raw bytes, before memory is allocated for it.
func (d *decoder) need(raw int64) error {
	if d.limit >= 0 && (raw < 0 || raw > (d.limit+64)*maxDeflateRatio) {
		return FormatError("not enough pixel data")
	}
	return nil
}
