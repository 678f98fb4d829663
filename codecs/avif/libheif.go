//go:build unix

package avif

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"unsafe"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/internal/engine"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
	"github.com/blobimage/blobimage/codecs/internal/syslib"
)

// libheif's enums, as its C header (heif.h, 1.15) numbers them.
const (
	heifCompressionAV1  = 4
	heifColorspaceYCbCr = 0
	heifChroma420       = 1
	heifChannelY        = 0
	heifChannelCb       = 1
	heifChannelCr       = 2
	heifChannelAlpha    = 6
)

// heifNCLX is libheif's struct heif_color_profile_nclx, which
// heif_image_set_nclx_color_profile copies.
type heifNCLX struct {
	version                     uint8
	_                           [3]byte
	primaries, transfer, matrix int32
	fullRange                   uint8
	_                           [3]byte
	_                           [8]float32 // the chromaticities of custom primaries: left zero
}

// heifAPI is the part of the system's libheif that encodes an AV1 image,
// bound through purego. Functions that return a struct heif_error return
// it in two registers; the first holds its code (low 32 bits) and subcode
// (high 32 bits), which is all this package reads of it.
type heifAPI struct {
	contextAlloc        func() uintptr
	contextFree         func(ctx uintptr)
	encoderForFormat    func(ctx uintptr, format int32, enc *uintptr) uint64
	encoderRelease      func(enc uintptr)
	setLossyQuality     func(enc uintptr, quality int32) uint64
	setParameterInteger func(enc uintptr, name string, value int32) uint64
	setParameterString  func(enc uintptr, name, value string) uint64
	setParameterBoolean func(enc uintptr, name string, value int32) uint64
	imageCreate         func(w, h, colorspace, chroma int32, img *uintptr) uint64
	imageAddPlane       func(img uintptr, channel, w, h, depth int32) uint64
	imageGetPlane       func(img uintptr, channel int32, stride *int32) *byte
	imageSetNCLX        func(img uintptr, nclx *heifNCLX) uint64
	imageRelease        func(img uintptr)
	encodeImage         func(ctx, img, enc, options uintptr, handle *uintptr) uint64
	handleRelease       func(handle uintptr)
	writeToFile         func(ctx uintptr, path string) uint64
}

// libheifNames are the names the system's libheif goes by.
var libheifNames = []string{"libheif.so.1", "libheif.so", "libheif.1.dylib", "libheif.dylib"}

// loadHeifAPI opens the system's libheif and binds heifAPI, once.
var loadHeifAPI = syslib.Loader("libheif", libheifNames, func(api *heifAPI) map[string]any {
	return map[string]any{
		"heif_context_alloc":                  &api.contextAlloc,
		"heif_context_free":                   &api.contextFree,
		"heif_context_get_encoder_for_format": &api.encoderForFormat,
		"heif_encoder_release":                &api.encoderRelease,
		"heif_encoder_set_lossy_quality":      &api.setLossyQuality,
		"heif_encoder_set_parameter_integer":  &api.setParameterInteger,
		"heif_encoder_set_parameter_string":   &api.setParameterString,
		"heif_encoder_set_parameter_boolean":  &api.setParameterBoolean,
		"heif_image_create":                   &api.imageCreate,
		"heif_image_add_plane":                &api.imageAddPlane,
		"heif_image_get_plane":                &api.imageGetPlane,
		"heif_image_set_nclx_color_profile":   &api.imageSetNCLX,
		"heif_image_release":                  &api.imageRelease,
		"heif_context_encode_image":           &api.encodeImage,
		"heif_image_handle_release":           &api.handleRelease,
		"heif_context_write_to_file":          &api.writeToFile,
	}
})

// heifCheck turns a struct heif_error's first register into an error.
func heifCheck(what string, ret uint64) error {
	if code := uint32(ret); code != 0 {
		return fmt.Errorf("system libheif: %s: error %d.%d", what, code, uint32(ret>>32))
	}
	return nil
}

// libheif is the system's libheif as an AV1 encoder (its libaom plugin),
// checked once by probeLibheif.
var libheif = engine.New(probeLibheif)

// probeLibheif reports why libheif cannot encode AVIF here, or nil: it must
// load, have an AV1 encoder, and encode a small picture to a file that
// starts as an AVIF does.
func probeLibheif() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("system libheif: test encode: panic: %v", p)
		}
	}()
	out, err := encodeLibheifNow(engine.ProbePicture(), params{quality: DefaultQuality, speed: DefaultSpeed})
	if err != nil {
		return err
	}
	if len(out) < 12 || string(out[4:12]) != "ftypavif" {
		return fmt.Errorf("system libheif: test encode wrote no AVIF")
	}
	return nil
}

// encodeLibheif encodes img with the system's libheif, as encodeSystem
// does with libavif: the C code cannot be stopped, so when ctx ends first
// encodeLibheif returns ctx's error while the encode finishes on its own,
// counted as abandoned (engine.Run), and a panic comes back as an error.
func encodeLibheif(ctx context.Context, img image.Image, p params) ([]byte, error) {
	out, err, stop := engine.Run(ctx, libheif, func() ([]byte, error) { return encodeLibheifNow(img, p) })
	if stop != nil {
		return nil, fmt.Errorf("avif: encode: %w", stop)
	}
	if err != nil {
		return nil, fmt.Errorf("avif: encode: %w", err)
	}
	return out, nil
}

// encodeLibheifNow codes img's colours as 8-bit 4:2:0 full-range BT.601
// (an *image.YCbCr 4:2:0 as it is, anything else converted as Go's color
// package does, from straight colour) and its alpha, if it has any, as an
// 8-bit plane, and has libheif's AV1 encoder write them as the WebAssembly
// build's libavif does: constant quality at quality p.quality (libheif
// maps it to libaom's cq-level as libavif does), tuned for SSIM, alpha
// lossless in an auxiliary image, libaom speed p.speed (at most 9), one
// thread, an nclx box saying BT.601, full range, primaries and transfer
// unspecified.
func encodeLibheifNow(img image.Image, p params) ([]byte, error) {
	api, err := loadHeifAPI()
	if err != nil {
		return nil, err
	}
	ctx := api.contextAlloc()
	if ctx == 0 {
		return nil, fmt.Errorf("system libheif: no context")
	}
	defer api.contextFree(ctx)
	var enc uintptr
	if err := heifCheck("AV1 encoder", api.encoderForFormat(ctx, heifCompressionAV1, &enc)); err != nil {
		return nil, err
	}
	defer api.encoderRelease(enc)
	for _, e := range []error{
		heifCheck("quality", api.setLossyQuality(enc, int32(p.quality))),
		heifCheck("speed", api.setParameterInteger(enc, "speed", int32(min(p.speed, 9)))),
		heifCheck("threads", api.setParameterInteger(enc, "threads", 1)),
		heifCheck("chroma", api.setParameterString(enc, "chroma", "420")),
		heifCheck("tune", api.setParameterString(enc, "tune", "ssim")),
		heifCheck("lossless-alpha", api.setParameterBoolean(enc, "lossless-alpha", 1)),
	} {
		if e != nil {
			return nil, e
		}
	}

	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var him uintptr
	if err := heifCheck("image", api.imageCreate(int32(w), int32(h), heifColorspaceYCbCr, heifChroma420, &him)); err != nil {
		return nil, err
	}
	defer api.imageRelease(him)
	cw, ch := (w+1)/2, (h+1)/2
	var planes [4][]byte // Y, Cb, Cr, alpha (nil when opaque)
	var strides [4]int
	channels := []int32{heifChannelY, heifChannelCb, heifChannelCr}
	sizes := []image.Point{{w, h}, {cw, ch}, {cw, ch}}
	if !codecs.Opaque(img) {
		channels, sizes = append(channels, heifChannelAlpha), append(sizes, image.Point{w, h})
	}
	for i, c := range channels {
		size := sizes[i]
		if err := heifCheck("plane", api.imageAddPlane(him, c, int32(size.X), int32(size.Y), 8)); err != nil {
			return nil, err
		}
		var stride int32
		ptr := api.imageGetPlane(him, c, &stride)
		if ptr == nil || int(stride) < size.X {
			return nil, fmt.Errorf("system libheif: plane %d: stride %d", c, stride)
		}
		planes[i] = unsafe.Slice(ptr, int(stride)*(size.Y-1)+size.X)
		strides[i] = int(stride)
	}
	fillPlanes(planes, strides, img)
	nclx := heifNCLX{version: 1, primaries: 2, transfer: 2, matrix: 6, fullRange: 1}
	if err := heifCheck("nclx", api.imageSetNCLX(him, &nclx)); err != nil {
		return nil, err
	}

	var handle uintptr
	if err := heifCheck("encode", api.encodeImage(ctx, him, enc, 0, &handle)); err != nil {
		return nil, err
	}
	api.handleRelease(handle)
	return throughFile(func(path string) error {
		return heifCheck("write", api.writeToFile(ctx, path))
	})
}

// fillPlanes writes img as full-range BT.601 4:2:0 into planes (Y, Cb,
// Cr, with their strides) and its alpha into the fourth plane when there
// is one: the samples of an *image.YCbCr 4:2:0 whose origin is even as
// they are; otherwise Go's conversion of each pixel's straight colour,
// chroma the mean of each 2×2 block's.
func fillPlanes(planes [4][]byte, strides [4]int, img image.Image) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cw := (w + 1) / 2
	if m, ok := img.(*image.YCbCr); ok && m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min.X%2 == 0 && b.Min.Y%2 == 0 {
		for y := range h {
			i := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(planes[0][y*strides[0]:], m.Y[i:i+w])
		}
		for y := range (h + 1) / 2 {
			i := m.COffset(b.Min.X, b.Min.Y+2*y)
			copy(planes[1][y*strides[1]:], m.Cb[i:i+cw])
			copy(planes[2][y*strides[2]:], m.Cr[i:i+cw])
		}
		return
	}
	read := rgba.Rows(img, rgba.Straight)
	rows := [2][]byte{make([]byte, 4*w), make([]byte, 4*w)}
	cb, cr := make([]int32, cw), make([]int32, cw)
	for y := 0; y < h; y += 2 {
		n := min(2, h-y)
		clear(cb)
		clear(cr)
		for r := range n {
			read(rows[r], b.Min.Y+y+r)
			yrow := planes[0][(y+r)*strides[0]:]
			if planes[3] != nil {
				arow := planes[3][(y+r)*strides[3]:]
				for x := range w {
					arow[x] = rows[r][4*x+3]
				}
			}
			for x := range w {
				px := rows[r][4*x:]
				yy, u, v := color.RGBToYCbCr(px[0], px[1], px[2])
				yrow[x] = yy
				cb[x/2] += int32(u)
				cr[x/2] += int32(v)
			}
		}
		crow := y / 2
		for x := range cw {
			k := int32(n * min(2, w-2*x))
			planes[1][crow*strides[1]+x] = uint8((cb[x] + k/2) / k)
			planes[2][crow*strides[2]+x] = uint8((cr[x] + k/2) / k)
		}
	}
}
