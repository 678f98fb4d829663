package jpeg

import (
	"errors"
	"image"
	"image/color"
	"io"
)

// A FormatError reports that the input is not a valid JPEG.
type FormatError string

// Error returns the message, prefixed "jpeg: invalid format: ".
func (e FormatError) Error() string { return "jpeg: invalid format: " + string(e) }

// An UnsupportedError reports that the input uses a valid but unimplemented
// JPEG feature, such as lossless coding or 12-bit samples.
type UnsupportedError string

// Error returns the message, prefixed "jpeg: unsupported JPEG feature: ".
func (e UnsupportedError) Error() string { return "jpeg: unsupported JPEG feature: " + string(e) }

// errDecDenom is returned by DecodeScaled for a denominator other than 1, 2,
// 4 or 8.
var errDecDenom = errors.New("jpeg: DecodeScaled: denom must be 1, 2, 4 or 8")

// Marker codes (ITU T.81 table B.1), without their 0xFF prefix.
const (
	decSOF0  = 0xc0 // baseline sequential, Huffman
	decSOF1  = 0xc1 // extended sequential, Huffman
	decSOF2  = 0xc2 // progressive, Huffman
	decSOF3  = 0xc3 // lossless, Huffman
	decSOF9  = 0xc9 // extended sequential, arithmetic
	decSOF10 = 0xca // progressive, arithmetic
	decDHT   = 0xc4
	decJPG   = 0xc8 // reserved for JPEG extensions
	decDAC   = 0xcc // arithmetic coding conditioning
	decRST0  = 0xd0
	decRST7  = 0xd7
	decSOI   = 0xd8
	decEOI   = 0xd9
	decSOS   = 0xda
	decDQT   = 0xdb
	decDNL   = 0xdc
	decDRI   = 0xdd
	decDHP   = 0xde
	decEXP   = 0xdf
	decAPP0  = 0xe0
	decAPP14 = 0xee
	decAPP15 = 0xef
	decCOM   = 0xfe
)

// decMaxScans is the most scans a file may have; real progressive files
// have about ten.
const decMaxScans = 1000

// decComponent is one image component of the frame (ITU T.81 B.2.2) and
// its decoding state.
type decComponent struct {
	id   byte // component identifier C
	h, v int  // sampling factors H, V
	tq   int  // quantisation table selector

	// bw, bh are the numbers of 8×8 blocks that cover the component
	// (A.1.1): a non-interleaved scan codes exactly these. pw, ph are the
	// numbers of blocks in the MCU grid of interleaved scans, which pad the
	// component to whole MCUs.
	bw, bh int
	pw, ph int

	// k is the side of a block at output scale: 8/denom, or half that
	// for the chroma of a 4:4:4 frame that DecodeResize subsamples.
	k int

	// plane holds the component's samples at output scale, pw·k × ph·k
	// samples with the given stride.
	plane  []byte
	stride int

	// coefs holds, for progressive frames, the quantised coefficients of
	// every block of the pw×ph grid in zig-zag order, decoder.ncoef per
	// block (fewer than 64 when scaled). masks has a bit per zig-zag
	// position and block, set where an AC coefficient is non-zero, kept in
	// coefs or not.
	coefs []int16
	masks []uint64

	dcPred int32     // DC predictor (F.2.1.3.1)
	dcCtx  uint8     // arithmetic coding: DC conditioning context (F.1.4.4.1.2)
	dq     [64]int32 // dequantisation for the current output scale, natural order
}

// decoder is the state of one decode.
type decoder struct {
	br decBitReader

	denom int // output scale denominator: 1, 2, 4 or 8
	k     int // output samples per block side: 8/denom
	ncoef int // coefficients kept per block by a progressive decode

	// chroma420 asks for the chroma of a 4:4:4 sequential frame at half
	// the luma's scale when decoding at 1/2 or 1/4 (DecodeResize).
	chroma420 bool

	// emit, when set, receives the picture in strips of one MCU row
	// (DecodeResizeStrips): the planes are then one MCU row tall. strip
	// is the image handed to it, reused from strip to strip.
	emit  func(image.Image) error
	strip image.Image

	configOnly  bool
	sofSeen     bool
	baseline    bool // SOF0: Huffman table ids limited to 0 and 1
	progressive bool
	arithmetic  bool // SOF9, SOF10: arithmetic coding
	width       int
	height      int // from the frame header, or the DNL segment if that says 0
	ncomp       int
	comp        [4]decComponent
	hmax, vmax  int
	mcusX       int // MCUs per line of interleaved scans
	mcusY       int

	jfif           bool
	adobe          bool // an Adobe APP14 segment was seen
	adobeTransform byte

	huff   [2][4]decHuffman // [0] DC, [1] AC tables
	arith  decArithTables   // arithmetic conditioning tables and statistics
	ar     decArith         // arithmetic decoder
	quant  [4][64]uint16    // quantisation tables, zig-zag order
	ri     int              // restart interval in MCUs, 0 for none
	eobRun uint16           // remaining blocks of an end-of-band run
	nscans int
	planes bool // sample planes allocated

	// stdQuirk records that a scan is read differently by image/jpeg (a
	// non-interleaved scan with a restart interval or with sampling
	// factors between 1 and the maximum; see the package documentation),
	// and maxCoef, when decTrackCoefs is set, the largest magnitude of a
	// dequantised coefficient. The tests use them to tell expected
	// differences from bugs.
	stdQuirk bool
	maxCoef  int
	blk      [64]int32
	scratch  [64]int16
	tmp      [256]byte
}

// DecodeConfig returns the colour model and dimensions of a JPEG image
// without decoding it. It reports the same as image/jpeg.DecodeConfig,
// except for a frame whose header gives the height as 0: it then reads
// on through the first scan for the height of the DNL segment that
// follows it, which is the height Decode uses (see readDNL).
func DecodeConfig(r io.Reader) (image.Config, error) {
	d := decoder{denom: 1, k: 8, configOnly: true}
	d.br.init(r, 4096)
	if err := d.parse(); err != nil {
		return image.Config{}, err
	}
	var cm color.Model
	switch d.ncomp {
	case 1:
		cm = color.GrayModel
	case 3:
		cm = color.YCbCrModel
		if d.isRGB() {
			cm = color.RGBAModel
		}
	case 4:
		cm = color.CMYKModel
	default:
		return image.Config{}, FormatError("missing SOF marker")
	}
	return image.Config{ColorModel: cm, Width: d.width, Height: d.height}, nil
}

// Decode reads a JPEG image from r at full size. It is DecodeScaled(r, 1).
func Decode(r io.Reader) (image.Image, error) {
	return DecodeScaled(r, 1)
}

// DecodeScaled reads a JPEG image from r and returns it reduced by denom in
// each direction, which must be 1, 2, 4 or 8. The result's bounds are
// (0, 0)–ScaledSize(width, height, denom). Reduced images are computed in
// the DCT domain (see the package documentation), which makes them several
// times cheaper than a full decode.
func DecodeScaled(r io.Reader, denom int) (image.Image, error) {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return nil, errDecDenom
	}
	d, err := decodePlanes(r, denom)
	if err != nil {
		return nil, err
	}
	return d.output()
}

// DecodeResize is DecodeScaled for a picture about to be resampled down
// to a 4:2:0 image, such as a variant: a 4:4:4 baseline (sequential)
// YCbCr JPEG decoded at 1/2 or 1/4 comes back as a 4:2:0 *image.YCbCr,
// its chroma reduced by a further 2 in the DCT domain (each chroma sample
// the mean of the 2×2 it covers, as the 4:2:0 subsampling of the
// picture at that scale). The luma is DecodeScaled's, to the bit. That
// takes half the memory and a fraction of the chroma work, and a
// resampler that shrinks the picture by 2 or more (what variants.Need
// asks a decode for) still has twice the chroma its 4:2:0 output keeps.
// Every other JPEG, and 4:4:4 at 1/1 or 1/8, is decoded as by
// DecodeScaled.
func DecodeResize(r io.Reader, denom int) (image.Image, error) {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return nil, errDecDenom
	}
	d, err := decodePlanesWith(r, denom, true)
	if err != nil {
		return nil, err
	}
	return d.output()
}

// decodePlanes decodes the image into the component planes at 1/denom
// scale.
func decodePlanes(r io.Reader, denom int) (*decoder, error) {
	return decodePlanesWith(r, denom, false)
}

// decodePlanesWith is decodePlanes, with chroma420 (see DecodeResize).
func decodePlanesWith(r io.Reader, denom int, chroma420 bool) (*decoder, error) {
	d := &decoder{denom: denom, k: 8 / denom, chroma420: chroma420}
	d.ncoef = decPrefixLen[d.k]
	d.br.init(r, 32<<10)
	if err := d.parse(); err != nil {
		return nil, err
	}
	if d.nscans == 0 {
		return nil, FormatError("missing SOS marker")
	}
	if d.progressive {
		d.reconstructProgressive()
	}
	d.allocPlanes()
	return d, nil
}

// ScaledSize returns the size of the image DecodeScaled(r, denom) returns
// for a w×h JPEG: w and h divided by denom, rounded up.
func ScaledSize(w, h, denom int) (int, int) {
	if denom < 1 {
		return w, h
	}
	return (w + denom - 1) / denom, (h + denom - 1) / denom
}

// parse reads the marker segments from SOI to EOI, decoding each scan as
// it comes. With configOnly it stops at the first SOS (or at the SOF of a
// JFIF file, whose colour model is then known).
func (d *decoder) parse() error {
	br := &d.br
	if err := br.readFull(d.tmp[:2]); err != nil {
		return err
	}
	if d.tmp[0] != 0xff || d.tmp[1] != decSOI {
		return FormatError("missing SOI marker")
	}
	for {
		// Find the next marker, skipping anything that is not one: libjpeg
		// and image/jpeg ignore such extraneous bytes, and "\xff\x00" pairs.
		c, err := br.readByte()
		if err != nil {
			return err
		}
		if c != 0xff {
			continue
		}
		marker, err := br.readByte()
		if err != nil {
			return err
		}
		for marker == 0xff { // fill bytes (B.1.1.2)
			if marker, err = br.readByte(); err != nil {
				return err
			}
		}
		if marker == 0 {
			continue
		}
		if marker == decEOI {
			return nil
		}
		if decRST0 <= marker && marker <= decRST7 {
			// A stray restart marker after a scan's last interval: harmless.
			continue
		}
		if err := br.readFull(d.tmp[:2]); err != nil {
			return err
		}
		n := int(d.tmp[0])<<8 | int(d.tmp[1]) - 2
		if n < 0 {
			return FormatError("short segment length")
		}
		switch {
		case marker == decSOF0 || marker == decSOF1 || marker == decSOF2 ||
			marker == decSOF9 || marker == decSOF10:
			d.baseline = marker == decSOF0
			d.progressive = marker == decSOF2 || marker == decSOF10
			d.arithmetic = marker == decSOF9 || marker == decSOF10
			err = d.processSOF(n)
			if d.configOnly && d.jfif && d.height > 0 {
				return err
			}
		case marker == decDHT:
			if d.configOnly {
				err = br.skip(n)
			} else {
				err = d.processDHT(n)
			}
		case marker == decDQT:
			if d.configOnly {
				err = br.skip(n)
			} else {
				err = d.processDQT(n)
			}
		case marker == decDRI:
			if d.configOnly {
				err = br.skip(n)
			} else {
				err = d.processDRI(n)
			}
		case marker == decDAC:
			if d.configOnly {
				err = br.skip(n)
			} else {
				err = d.processDAC(n)
			}
		case marker == decDNL:
			// The height of a frame whose header says 0 was read ahead
			// when its first scan started (see readDNL); other DNL
			// segments are ignored, as in libjpeg.
			err = br.skip(n)
		case marker == decSOS:
			if d.configOnly {
				if d.sofSeen && d.height == 0 && d.width > 0 {
					if err := br.skip(n); err != nil {
						return err
					}
					return d.readDNL(false)
				}
				return nil
			}
			err = d.processSOS(n)
		case marker == decAPP0:
			err = d.processAPP0(n)
		case marker == decAPP14:
			err = d.processAPP14(n)
		case decAPP0 <= marker && marker <= decAPP15 || marker == decCOM:
			err = br.skip(n)
		default:
			err = decMarkerError(marker)
		}
		if err != nil {
			return err
		}
	}
}

// decMarkerError is the error for a marker the decoder does not handle.
func decMarkerError(marker byte) error {
	switch {
	case marker < 0xc0:
		return FormatError("unknown marker")
	case marker == decSOF3 || marker == 0xc7 || marker == 0xcb || marker == 0xcf:
		return UnsupportedError("lossless coding")
	case marker == 0xc5 || marker == 0xc6 || marker == 0xcd || marker == 0xce || marker == decDHP || marker == decEXP:
		return UnsupportedError("hierarchical coding")
	}
	return UnsupportedError("unknown marker")
}

// processSOF reads a frame header (B.2.2) and sets up the components.
func (d *decoder) processSOF(n int) error {
	if d.sofSeen {
		return FormatError("multiple SOF markers")
	}
	switch n {
	case 6 + 3*1, 6 + 3*3, 6 + 3*4:
		d.ncomp = (n - 6) / 3
	default:
		return UnsupportedError("number of components")
	}
	p := d.tmp[:n]
	if err := d.br.readFull(p); err != nil {
		return err
	}
	if p[0] != 8 {
		return UnsupportedError("precision")
	}
	d.height = int(p[1])<<8 | int(p[2])
	d.width = int(p[3])<<8 | int(p[4])
	if int(p[5]) != d.ncomp {
		return FormatError("SOF has wrong length")
	}
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		c.id = p[6+3*i]
		for j := 0; j < i; j++ {
			if d.comp[j].id == c.id {
				return FormatError("repeated component identifier")
			}
		}
		c.h, c.v = int(p[7+3*i]>>4), int(p[7+3*i]&15)
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return FormatError("luma/chroma subsampling ratio")
		}
		c.tq = int(p[8+3*i])
		if c.tq > 3 {
			return FormatError("bad Tq value")
		}
		if d.ncomp == 1 {
			// A single component is non-interleaved by definition (A.2):
			// its sampling factors do not matter.
			c.h, c.v = 1, 1
		}
	}
	d.sofSeen = true
	d.hmax, d.vmax = 1, 1
	for i := 0; i < d.ncomp; i++ {
		d.hmax = max(d.hmax, d.comp[i].h)
		d.vmax = max(d.vmax, d.comp[i].v)
	}
	d.layout()
	for i := range d.comp[:d.ncomp] {
		d.comp[i].k = d.k
	}
	return nil
}

// layout derives the MCU grid and the components' block counts from the
// frame's size and sampling factors (A.1.1).
func (d *decoder) layout() {
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		c.bw, c.bh = (cw+7)/8, (ch+7)/8
		c.pw, c.ph = d.mcusX*c.h, d.mcusY*c.v
	}
}

// processDQT reads quantisation tables (B.2.4.1).
func (d *decoder) processDQT(n int) error {
	for n > 0 {
		n--
		x, err := d.br.readByte()
		if err != nil {
			return err
		}
		tq := x & 15
		if tq > 3 {
			return FormatError("bad Tq value")
		}
		q := &d.quant[tq]
		switch x >> 4 {
		case 0:
			if n < 64 {
				return decShortDQT(n)
			}
			n -= 64
			if err := d.br.readFull(d.tmp[:64]); err != nil {
				return err
			}
			for i := range q {
				q[i] = uint16(d.tmp[i])
			}
		case 1:
			if n < 128 {
				return decShortDQT(n)
			}
			n -= 128
			if err := d.br.readFull(d.tmp[:128]); err != nil {
				return err
			}
			for i := range q {
				q[i] = uint16(d.tmp[2*i])<<8 | uint16(d.tmp[2*i+1])
			}
		default:
			return FormatError("bad Pq value")
		}
	}
	return nil
}

// decShortDQT is the outcome of a DQT segment with n < 64 bytes left for a
// table: image/jpeg accepts a segment that ends right after the Pq/Tq byte,
// without defining the table.
func decShortDQT(n int) error {
	if n == 0 {
		return nil
	}
	return FormatError("DQT has wrong length")
}

// processDRI reads the restart interval (B.2.4.4).
func (d *decoder) processDRI(n int) error {
	if n != 2 {
		return FormatError("DRI has wrong length")
	}
	if err := d.br.readFull(d.tmp[:2]); err != nil {
		return err
	}
	d.ri = int(d.tmp[0])<<8 | int(d.tmp[1])
	return nil
}

// processAPP0 notes whether the file is JFIF, which implies YCbCr.
func (d *decoder) processAPP0(n int) error {
	if n < 5 {
		return d.br.skip(n)
	}
	if err := d.br.readFull(d.tmp[:5]); err != nil {
		return err
	}
	d.jfif = string(d.tmp[:5]) == "JFIF\x00"
	return d.br.skip(n - 5)
}

// processAPP14 reads the colour transform of an Adobe segment: 0 means
// RGB or CMYK, otherwise YCbCr or YCCK.
func (d *decoder) processAPP14(n int) error {
	if n < 12 {
		return d.br.skip(n)
	}
	if err := d.br.readFull(d.tmp[:12]); err != nil {
		return err
	}
	if string(d.tmp[:5]) == "Adobe" {
		d.adobe = true
		d.adobeTransform = d.tmp[11]
	}
	return d.br.skip(n - 12)
}

// planScales halves the chroma's scale of a 4:4:4 sequential YCbCr frame
// when chroma420 asked for it (see DecodeResize). It runs at the first
// scan, once every marker that tells YCbCr from RGB has been read.
func (d *decoder) planScales() {
	if !d.chroma420 || d.progressive || d.ncomp != 3 || d.k != 4 && d.k != 2 || d.hmax != 1 || d.vmax != 1 || d.isRGB() {
		return
	}
	d.comp[1].k, d.comp[2].k = d.k/2, d.k/2
}

// isRGB reports whether a three-component image holds RGB rather than
// YCbCr, by the same rules as image/jpeg.
func (d *decoder) isRGB() bool {
	if d.jfif {
		return false
	}
	if d.adobe && d.adobeTransform == 0 {
		return true
	}
	return d.comp[0].id == 'R' && d.comp[1].id == 'G' && d.comp[2].id == 'B'
}
