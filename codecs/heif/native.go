//go:build unix

package heif

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// nativeAPI is the part of the system's libheif that decodes one coded
// image to its planes, bound through purego. Functions that return a
// struct heif_error return it in two registers; the first holds its code
// (low 32 bits) and subcode (high 32 bits), which is all this package
// reads of it.
type nativeAPI struct {
	contextAlloc   func() uintptr
	contextFree    func(ctx uintptr)
	readFromMemory func(ctx uintptr, data *byte, size uintptr, options uintptr) uint64
	primaryHandle  func(ctx uintptr, handle *uintptr) uint64
	handleRelease  func(handle uintptr)
	decodeImage    func(handle uintptr, img *uintptr, colorspace, chroma int32, options uintptr) uint64
	imageRelease   func(img uintptr)
	colorspace     func(img uintptr) int32
	chromaFormat   func(img uintptr) int32
	planeWidth     func(img uintptr, channel int32) int32
	planeHeight    func(img uintptr, channel int32) int32
	planeBits      func(img uintptr, channel int32) int32
	planeReadonly  func(img uintptr, channel int32, stride *int32) *byte
}

// libheif's channels (enum heif_channel).
const (
	channelY  = 0
	channelCb = 1
	channelCr = 2
)

// nativeNames are the names the system's libheif goes by.
var nativeNames = []string{"libheif.so.1", "libheif.so", "libheif.1.dylib", "libheif.dylib"}

// loadNative opens the system's libheif and binds nativeAPI, once.
var loadNative = sync.OnceValues(func() (api *nativeAPI, err error) {
	var lib uintptr
	for _, name := range nativeNames {
		if lib, err = purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("system libheif not found: %w", err)
	}
	defer func() {
		// RegisterLibFunc panics on a missing symbol (a libheif too old).
		if p := recover(); p != nil {
			api, err = nil, fmt.Errorf("system libheif: %v", p)
		}
	}()
	api = new(nativeAPI)
	for sym, fn := range map[string]any{
		"heif_context_alloc":                    &api.contextAlloc,
		"heif_context_free":                     &api.contextFree,
		"heif_context_read_from_memory":         &api.readFromMemory,
		"heif_context_get_primary_image_handle": &api.primaryHandle,
		"heif_image_handle_release":             &api.handleRelease,
		"heif_decode_image":                     &api.decodeImage,
		"heif_image_release":                    &api.imageRelease,
		"heif_image_get_colorspace":             &api.colorspace,
		"heif_image_get_chroma_format":          &api.chromaFormat,
		"heif_image_get_width":                  &api.planeWidth,
		"heif_image_get_height":                 &api.planeHeight,
		"heif_image_get_bits_per_pixel_range":   &api.planeBits,
		"heif_image_get_plane_readonly":         &api.planeReadonly,
	} {
		purego.RegisterLibFunc(fn, lib, sym)
	}
	return api, nil
})

// nativeCheck turns a struct heif_error's first register into an error.
func nativeCheck(what string, ret uint64) error {
	if code := uint32(ret); code != 0 {
		return errCorrupt("system libheif: %s: error %d.%d", what, code, uint32(ret>>32))
	}
	return nil
}

// decodeNative decodes file, a file holding one 8-bit 4:2:0 HEVC image
// of w×h (made by standalone), with the system's libheif, asking for the
// planes as coded (Y'CbCr 4:2:0: libheif converts nothing, as the file
// carries no colour description), and hands them to put while they are
// valid: Y, Cb and Cr with their strides, each row holding at least w
// (or (w+1)/2) samples. Anything else libheif returns is an error.
func decodeNative(file []byte, w, h int, put func(planes [3][]byte, strides [3]int)) error {
	api, err := loadNative()
	if err != nil {
		return err
	}
	if len(file) == 0 {
		return errCorrupt("empty image")
	}
	ctx := api.contextAlloc()
	if ctx == 0 {
		return fmt.Errorf("system libheif: no context")
	}
	defer api.contextFree(ctx)
	// libheif copies the file: it keeps no pointer into Go's memory.
	if err := nativeCheck("read", api.readFromMemory(ctx, unsafe.SliceData(file), uintptr(len(file)), 0)); err != nil {
		return err
	}
	var handle uintptr
	if err := nativeCheck("image", api.primaryHandle(ctx, &handle)); err != nil {
		return err
	}
	defer api.handleRelease(handle)
	var img uintptr
	if err := nativeCheck("decode", api.decodeImage(handle, &img, heifYCbCr, chroma420, 0)); err != nil {
		return err
	}
	defer api.imageRelease(img)
	if cs, c := api.colorspace(img), api.chromaFormat(img); cs != heifYCbCr || c != chroma420 {
		return errCorrupt("system libheif decoded colorspace %d, chroma %d", cs, c)
	}
	var (
		planes  [3][]byte
		strides [3]int
	)
	cw, ch := (w+1)/2, (h+1)/2
	for i, c := range [3]int32{channelY, channelCb, channelCr} {
		want := [3][2]int{{w, h}, {cw, ch}, {cw, ch}}[i]
		pw, ph := int(api.planeWidth(img, c)), int(api.planeHeight(img, c))
		if pw != want[0] || ph != want[1] {
			return errCorrupt("system libheif: plane %d is %d×%d, the container says %d×%d", c, pw, ph, want[0], want[1])
		}
		if bits := api.planeBits(img, c); bits != 8 {
			return errCorrupt("system libheif: plane %d has %d bits", c, bits)
		}
		var stride int32
		p := api.planeReadonly(img, c, &stride)
		if p == nil || int(stride) < pw {
			return errCorrupt("system libheif: plane %d: stride %d", c, stride)
		}
		planes[i] = unsafe.Slice(p, int(stride)*(ph-1)+pw)
		strides[i] = int(stride)
	}
	put(planes, strides)
	return nil
}

// nativeWorks reports why decodeNative cannot be used here, or nil.
func nativeWorks() error {
	_, err := loadNative()
	return err
}
