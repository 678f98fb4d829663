package jpeg

import (
	"errors"
	"image"
	"io"
)

// ErrNoStrips is returned by DecodeResizeStrips, before emit is ever
// called, for a file it cannot deliver in strips: one that is not a
// single sequential scan carrying all its components in MCU order, or
// whose picture is not plain YCbCr or gray. The caller decodes it with
// DecodeResize instead.
var ErrNoStrips = errors.New("jpeg: DecodeResizeStrips: the picture cannot be decoded in strips")

// errStripsNilEmit is returned by DecodeResizeStrips for a nil emit.
var errStripsNilEmit = errors.New("jpeg: DecodeResizeStrips: nil emit")

// errStripsRescan and errStripsLateRGB are the errors of the two files
// DecodeResize decodes but DecodeResizeStrips cannot, which it finds only
// after the last strip: a scan after the one that carried every
// component, which DecodeResize decodes over the first, and an APP0 or
// APP14 segment after the scan that makes the picture RGB, which
// DecodeResize converts to RGBA from the samples emitted as YCbCr.
var (
	errStripsRescan  = FormatError("scan after a scan of every component")
	errStripsLateRGB = FormatError("colour transform after the scan")
)

// DecodeResizeStrips decodes as DecodeResize(r, denom) does, but hands
// the picture to emit in horizontal strips, top to bottom, instead of
// returning it whole, holding only one MCU row of samples at a time: for
// a 4:2:0 photo at 1/2, 8 rows of luma instead of the whole picture.
//
// Each strip is an *image.YCbCr, with the SubsampleRatio DecodeResize's
// image would have (4:2:0 for a 4:4:4 file at 1/2 and 1/4), or an
// *image.Gray for a grayscale file. Its Bounds are Rect(0, y0, W, y1),
// where W×H is ScaledSize(width, height, denom): the first strip starts
// at y0 = 0, each next one where the previous ended, and the last ends at
// H. A strip is one MCU row at output scale (the last one cut at H), so
// y0 is a multiple of the chroma's vertical subsampling and the strip's
// chroma rows are whole. Its samples are those of the same rows of
// DecodeResize's image, to the bit.
//
// The strip and its pixel memory are reused for the next strip: emit
// must not keep the image, or any part of it, after it returns. When
// emit returns an error, decoding stops and DecodeResizeStrips returns
// that error.
//
// A progressive file, a sequential one coded in several scans, a frame
// whose height is given by a DNL segment, an RGB, CMYK or YCCK file, or
// any other whose DecodeResize image is not a YCbCr or gray one made in
// a single pass over the MCU rows, gives ErrNoStrips before any
// entropy-coded data is decoded and before emit is called; the caller
// then decodes it with DecodeResize. Other errors are those DecodeResize
// gives for the same file, but may come after some strips were emitted:
// damaged data is found when its MCU row is decoded. Two things
// DecodeResize accepts are errors (FormatError) here, found after the
// last strip: a second scan after the one that carried every component,
// and an APP0 or APP14 segment after it that makes the picture RGB.
func DecodeResizeStrips(r io.Reader, denom int, emit func(strip image.Image) error) error {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return errDecDenom
	}
	if emit == nil {
		return errStripsNilEmit
	}
	d := &decoder{denom: denom, k: 8 / denom, chroma420: true, emit: emit}
	d.ncoef = decPrefixLen[d.k]
	d.br.init(r, 32<<10)
	if err := d.parse(); err != nil {
		return err
	}
	if d.nscans == 0 {
		return FormatError("missing SOS marker")
	}
	if d.ncomp == 3 && d.isRGB() {
		return errStripsLateRGB
	}
	return nil
}

// checkStrips runs at each scan header of a decode in strips (d.emit set).
// At the first it returns ErrNoStrips unless the scan carries the whole
// picture in MCU order and the picture is YCbCr or gray (see
// DecodeResizeStrips); a later one is an error, the picture having been
// emitted.
func (d *decoder) checkStrips(sc *decScan) error {
	if d.nscans > 1 {
		// In a sequential frame each component is coded in exactly one
		// scan (ITU T.81 A.2).
		return errStripsRescan
	}
	if d.progressive || d.width == 0 || d.height == 0 || sc.ns != d.ncomp {
		return ErrNoStrips
	}
	switch d.ncomp {
	case 1:
	case 3:
		if d.isRGB() {
			return ErrNoStrips
		}
		d.planScales()
		if _, ok := d.subsampleRatio(); !ok {
			return ErrNoStrips
		}
	default:
		return ErrNoStrips
	}
	return nil
}

// emitStrip hands MCU row my, decoded into the planes, to d.emit as the
// rows of the picture it covers, cut at the picture's height.
func (d *decoder) emitStrip(my int) error {
	w, h := ScaledSize(d.width, d.height, d.denom)
	y := &d.comp[0]
	n := y.v * y.k // luma rows of an MCU row: Y has the largest factors
	y0 := my * n
	y1 := min(y0+n, h)
	rect := image.Rect(0, y0, w, y1)
	if d.ncomp == 1 {
		m, _ := d.strip.(*image.Gray)
		if m == nil {
			m = &image.Gray{Stride: y.stride}
			d.strip = m
		}
		m.Pix, m.Rect = y.plane[:(y1-y0)*y.stride], rect
		return d.emit(m)
	}
	m, _ := d.strip.(*image.YCbCr)
	if m == nil {
		r, _ := d.subsampleRatio()
		m = &image.YCbCr{YStride: y.stride, CStride: d.comp[1].stride, SubsampleRatio: r}
		d.strip = m
	}
	cb := &d.comp[1]
	f := n / (cb.v * cb.k) // the chroma's vertical subsampling, which divides n
	crows := (y1+f-1)/f - y0/f
	m.Y = y.plane[:(y1-y0)*y.stride]
	m.Cb = cb.plane[:crows*cb.stride]
	m.Cr = d.comp[2].plane[:crows*cb.stride]
	m.Rect = rect
	return d.emit(m)
}
