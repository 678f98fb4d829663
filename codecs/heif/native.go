//go:build unix

package heif

import (
	"fmt"
	"image"
	"unsafe"

	"github.com/blobimage/blobimage/codecs/internal/syslib"
)

// de265API is the part of the system's libde265, the HEVC decoder the
// system's libheif decodes with, that decodes one picture, bound through
// purego. Its functions return a de265_error: 0 is DE265_OK.
type de265API struct {
	init          func() int32
	newDecoder    func() uintptr
	freeDecoder   func(ctx uintptr) int32
	pushNAL       func(ctx uintptr, data *byte, length int32, pts int64, user uintptr) int32
	flush         func(ctx uintptr) int32
	decode        func(ctx uintptr, more *int32) int32
	nextPicture   func(ctx uintptr) uintptr
	releaseNext   func(ctx uintptr)
	chromaFormat  func(img uintptr) int32
	width, height func(img uintptr, channel int32) int32
	bits          func(img uintptr, channel int32) int32
	plane         func(img uintptr, channel int32, stride *int32) *byte
}

// de265Names are the names the system's libde265 goes by.
var de265Names = []string{"libde265.so.0", "libde265.so", "libde265.0.dylib", "libde265.dylib"}

// loadDe265 opens the system's libde265 and binds de265API, on first use.
var loadDe265 = syslib.Loader("libde265", de265Names, func(api *de265API) map[string]any {
	return map[string]any{
		"de265_init":                 &api.init,
		"de265_new_decoder":          &api.newDecoder,
		"de265_free_decoder":         &api.freeDecoder,
		"de265_push_NAL":             &api.pushNAL,
		"de265_flush_data":           &api.flush,
		"de265_decode":               &api.decode,
		"de265_get_next_picture":     &api.nextPicture,
		"de265_release_next_picture": &api.releaseNext,
		"de265_get_chroma_format":    &api.chromaFormat,
		"de265_get_image_width":      &api.width,
		"de265_get_image_height":     &api.height,
		"de265_get_bits_per_pixel":   &api.bits,
		"de265_get_image_plane":      &api.plane,
	}
})

// nativeWorks reports why decodeNative cannot be used here, or nil.
func nativeWorks() error {
	_, err := loadDe265()
	return err
}

// decodeNative decodes one 8-bit 4:2:0 HEVC picture of w×h, given as its
// NAL units (parameter sets first), with the system's libde265, as the
// system's libheif does (one decoder per coded image) but in the calling
// thread, and hands put a view of its planes (view420) while they are
// valid.
// The samples are as coded: libde265 converts nothing. A picture of
// another size, depth or chroma format, or none, is an error.
func decodeNative(nals [][]byte, w, h int, put func(*image.YCbCr)) error {
	api, err := loadDe265()
	if err != nil {
		return err
	}
	ctx := api.newDecoder()
	if ctx == 0 {
		return fmt.Errorf("system libde265: no decoder")
	}
	defer api.freeDecoder(ctx)
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		// libde265 copies the NAL unit: it keeps no pointer into Go's
		// memory.
		if e := api.pushNAL(ctx, unsafe.SliceData(nal), int32(len(nal)), 0, 0); e != 0 {
			return errCorrupt("system libde265: NAL unit refused (error %d)", e)
		}
	}
	if e := api.flush(ctx); e != 0 {
		return errCorrupt("system libde265: flush: error %d", e)
	}
	for {
		var more int32
		e := api.decode(ctx, &more)
		if e != 0 {
			return errCorrupt("system libde265: no picture (error %d)", e)
		}
		if pic := api.nextPicture(ctx); pic != 0 {
			err := putPicture(api, pic, w, h, put)
			api.releaseNext(ctx)
			return err
		}
		if more == 0 {
			return errCorrupt("system libde265: no picture")
		}
	}
}

// putPicture checks a decoded picture and hands a view of its planes to
// put.
func putPicture(api *de265API, pic uintptr, w, h int, put func(*image.YCbCr)) error {
	if c := api.chromaFormat(pic); c != chroma420 {
		return errCorrupt("system libde265 decoded chroma format %d, the container says 4:2:0", c)
	}
	var (
		planes  [3]*byte
		strides [3]int
	)
	cw, ch := (w+1)/2, (h+1)/2
	for c, want := range [3][2]int{{w, h}, {cw, ch}, {cw, ch}} {
		pw, ph := int(api.width(pic, int32(c))), int(api.height(pic, int32(c)))
		if pw != want[0] || ph != want[1] {
			return errCorrupt("system libde265: plane %d is %d×%d, the container says %d×%d", c, pw, ph, want[0], want[1])
		}
		if bits := api.bits(pic, int32(c)); bits != 8 {
			return errCorrupt("system libde265: plane %d has %d bits", c, bits)
		}
		var stride int32
		planes[c] = api.plane(pic, int32(c), &stride)
		strides[c] = int(stride)
	}
	v, err := view420(planes, strides, w, h)
	if err != nil {
		return fmt.Errorf("system libde265: %w", err)
	}
	put(v)
	return nil
}

// view420 returns the 4:2:0 picture of w×h whose Y, Cb and Cr planes a
// decoder holds at planes, strides apart, as an *image.YCbCr over that
// memory (valid while the decoder holds it), or why it cannot be one: a
// missing plane, a stride shorter than a row, Cb and Cr strides that
// differ.
func view420(planes [3]*byte, strides [3]int, w, h int) (*image.YCbCr, error) {
	cw, ch := (w+1)/2, (h+1)/2
	for c, rw := range [3]int{w, cw, cw} {
		if planes[c] == nil || strides[c] < rw {
			return nil, errCorrupt("plane %d: stride %d for %d samples", c, strides[c], rw)
		}
	}
	if strides[1] != strides[2] {
		return nil, errCorrupt("chroma strides %d and %d differ", strides[1], strides[2])
	}
	return &image.YCbCr{
		Y:              unsafe.Slice(planes[0], strides[0]*(h-1)+w),
		Cb:             unsafe.Slice(planes[1], strides[1]*(ch-1)+cw),
		Cr:             unsafe.Slice(planes[2], strides[2]*(ch-1)+cw),
		YStride:        strides[0],
		CStride:        strides[1],
		SubsampleRatio: image.YCbCrSubsampleRatio420,
		Rect:           image.Rect(0, 0, w, h),
	}, nil
}
