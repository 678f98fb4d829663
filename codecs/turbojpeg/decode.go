//go:build cgo && turbojpeg

package turbojpeg

// #include <turbojpeg.h>
import "C"

import (
	"fmt"
	"image"
	"image/color"
)

// DecodeConfig returns the dimensions and colour model of the JPEG in data,
// read by tjDecompressHeader3 without decoding pixels. The colour model is
// the one DecodeScaled's image has: color.YCbCrModel, color.GrayModel,
// color.CMYKModel (CMYK and YCCK) or color.RGBAModel (Adobe RGB transform).
func DecodeConfig(data []byte) (image.Config, error) {
	h, err := newHandle(false)
	if err != nil {
		return image.Config{}, err
	}
	defer h.destroy()
	hdr, err := h.decompressHeader(data)
	if err != nil {
		return image.Config{}, err
	}
	var cm color.Model
	switch hdr.colorspace {
	case C.TJCS_YCbCr:
		cm = color.YCbCrModel
	case C.TJCS_GRAY:
		cm = color.GrayModel
	case C.TJCS_CMYK, C.TJCS_YCCK:
		cm = color.CMYKModel
	case C.TJCS_RGB:
		cm = color.RGBAModel
	default:
		return image.Config{}, unsupportedColorspace(hdr.colorspace)
	}
	return image.Config{ColorModel: cm, Width: hdr.width, Height: hdr.height}, nil
}

// DecodeScaled decodes the JPEG in data at 1/denom of its size, denom being
// 1, 2, 4 or 8, using libjpeg-turbo's scaled inverse DCTs. The image's
// bounds are (0, 0)–(⌈w/denom⌉, ⌈h/denom⌉), as TJSCALED computes them.
//
// A Y'CbCr JPEG with 4:4:4, 4:2:2, 4:2:0, 4:4:0 or 4:1:1 chroma gives an
// *image.YCbCr of the same subsampling, and a grayscale one an
// *image.Gray, both decoded by tjDecompressToYUVPlanes straight into the
// image's planes (whose strides are padded as TurboJPEG needs: the luma
// stride of an odd-sized 4:2:x image is one more than its width). A CMYK or
// YCCK JPEG gives an *image.CMYK, decoded by tjDecompress2 and inverted as
// image/jpeg does (Adobe stores inverted CMYK); a 3-component RGB JPEG (Adobe
// transform 0) gives an *image.RGBA. Other chroma subsamplings are refused by
// TurboJPEG 2.x when reading the header.
//
// Warnings (damaged or truncated entropy-coded data) do not fail the
// decode: the image libjpeg-turbo produced is returned, with what it could
// not decode filled in. See the package comment.
func DecodeScaled(data []byte, denom int) (image.Image, error) {
	return decodeScaled(data, denom, false)
}

// DecodeScaledStrict is DecodeScaled failing on the first warning, with an
// *Error whose Warning is set: damaged or truncated entropy-coded data is an
// error, as in image/jpeg, and a caller can hand such a file to a decoder
// whose verdict it prefers.
func DecodeScaledStrict(data []byte, denom int) (image.Image, error) {
	return decodeScaled(data, denom, true)
}

func decodeScaled(data []byte, denom int, strict bool) (image.Image, error) {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("turbojpeg: scale denominator %d is not 1, 2, 4 or 8", denom)
	}
	h, err := newHandle(false)
	if err != nil {
		return nil, err
	}
	defer h.destroy()
	h.strict = strict
	hdr, err := h.decompressHeader(data)
	if err != nil {
		return nil, err
	}
	if hdr.width > MaxPixels/hdr.height {
		return nil, fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooLarge, hdr.width, hdr.height, MaxPixels)
	}
	// TJSCALED with the factor 1/denom.
	w, ht := (hdr.width+denom-1)/denom, (hdr.height+denom-1)/denom
	r := image.Rect(0, 0, w, ht)

	switch hdr.colorspace {
	case C.TJCS_GRAY:
		stride, rows := planeWidth(0, w, C.TJSAMP_GRAY), planeHeight(0, ht, C.TJSAMP_GRAY)
		m := &image.Gray{Pix: make([]byte, stride*rows), Stride: stride, Rect: r}
		if err := h.decompressPlanes(data, m.Pix, nil, nil, w, stride, 0, ht); err != nil {
			return nil, err
		}
		return m, nil

	case C.TJCS_YCbCr:
		ratio, ok := ycbcrRatio(hdr.subsamp)
		if !ok {
			return nil, fmt.Errorf("turbojpeg: unsupported chroma subsampling (TJSAMP %d)", hdr.subsamp)
		}
		ys, yrows := planeWidth(0, w, hdr.subsamp), planeHeight(0, ht, hdr.subsamp)
		cs, crows := planeWidth(1, w, hdr.subsamp), planeHeight(1, ht, hdr.subsamp)
		yn, cn := ys*yrows, cs*crows
		buf := make([]byte, yn+2*cn)
		m := &image.YCbCr{
			Y:              buf[:yn:yn],
			Cb:             buf[yn : yn+cn : yn+cn],
			Cr:             buf[yn+cn:],
			YStride:        ys,
			CStride:        cs,
			SubsampleRatio: ratio,
			Rect:           r,
		}
		if err := h.decompressPlanes(data, m.Y, m.Cb, m.Cr, w, ys, cs, ht); err != nil {
			return nil, err
		}
		return m, nil

	case C.TJCS_CMYK, C.TJCS_YCCK:
		m := image.NewCMYK(r)
		if err := h.decompress(data, m.Pix, w, m.Stride, ht, C.TJPF_CMYK); err != nil {
			return nil, err
		}
		// libjpeg gives CMYK as stored, which for Adobe files (and YCCK
		// converted by libjpeg) is inverted: 255 is no ink. image/jpeg
		// inverts it back, and so do we.
		for i, v := range m.Pix {
			m.Pix[i] = ^v
		}
		return m, nil

	case C.TJCS_RGB:
		m := image.NewRGBA(r)
		// TJPF_RGBA sets alpha to 255.
		if err := h.decompress(data, m.Pix, w, m.Stride, ht, C.TJPF_RGBA); err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, unsupportedColorspace(hdr.colorspace)
}

func unsupportedColorspace(cs C.int) error {
	return fmt.Errorf("turbojpeg: unsupported JPEG colour space (TJCS %d)", cs)
}

// ycbcrRatio maps a TurboJPEG subsampling to image's.
func ycbcrRatio(ss C.int) (image.YCbCrSubsampleRatio, bool) {
	switch ss {
	case C.TJSAMP_444:
		return image.YCbCrSubsampleRatio444, true
	case C.TJSAMP_422:
		return image.YCbCrSubsampleRatio422, true
	case C.TJSAMP_420:
		return image.YCbCrSubsampleRatio420, true
	case C.TJSAMP_440:
		return image.YCbCrSubsampleRatio440, true
	case C.TJSAMP_411:
		return image.YCbCrSubsampleRatio411, true
	}
	return 0, false
}

// tjSubsamp maps image's subsampling to TurboJPEG's; 4:1:0 has none.
func tjSubsamp(r image.YCbCrSubsampleRatio) (C.int, bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return C.TJSAMP_444, true
	case image.YCbCrSubsampleRatio422:
		return C.TJSAMP_422, true
	case image.YCbCrSubsampleRatio420:
		return C.TJSAMP_420, true
	case image.YCbCrSubsampleRatio440:
		return C.TJSAMP_440, true
	case image.YCbCrSubsampleRatio411:
		return C.TJSAMP_411, true
	}
	return 0, false
}
