//go:build unix

package heif

import (
	"fmt"
	"image"
	"unsafe"

	"github.com/blobimage/blobimage/codecs/internal/syslib"
)

// dav1dAPI is the part of the system's libdav1d, the AV1 decoder the
// system's libheif decodes AVIF with, that decodes one picture, bound
// through purego. Its functions return 0 or a negative errno.
type dav1dAPI struct {
	defaultSettings func(s unsafe.Pointer)
	open            func(ctx *uintptr, s unsafe.Pointer) int32
	close           func(ctx *uintptr)
	dataCreate      func(data unsafe.Pointer, size uintptr) *byte
	dataUnref       func(data unsafe.Pointer)
	sendData        func(ctx uintptr, data unsafe.Pointer) int32
	getPicture      func(ctx uintptr, pic unsafe.Pointer) int32
	pictureUnref    func(pic unsafe.Pointer)
}

// The layout of dav1d 1.x's structures (dav1d/dav1d.h, data.h,
// picture.h; the same from ABI 6, dav1d 1.0, on): the offsets this binding
// reads or writes, and sizes with room to spare.
const (
	dav1dSettingsSize = 256 // 96 in dav1d 1.0
	dav1dNThreads     = 0   // int n_threads
	dav1dMaxDelay     = 4   // int max_frame_delay
	dav1dAllLayers    = 16  // int all_layers
	dav1dSizeLimit    = 20  // unsigned frame_size_limit
	dav1dLogger       = 56  // Dav1dLogger.callback: nil, no logging

	dav1dDataSize = 128 // 72
	dav1dDataSz   = 8   // size_t sz: what send_data has not consumed

	dav1dPictureSize = 512 // 264
	dav1dPicData     = 16  // void *data[3]
	dav1dPicStride   = 40  // ptrdiff_t stride[2]: luma, chroma
	dav1dPicW        = 56  // Dav1dPictureParameters: int w, h, layout, bpc
	dav1dPicH        = 60
	dav1dPicLayout   = 64
	dav1dPicBPC      = 68

	dav1dLayoutI420 = 1
	dav1dEAGAIN     = -11 // DAV1D_ERR(EAGAIN) on Linux and the BSDs
)

// dav1dNames are the names the system's libdav1d goes by.
var dav1dNames = []string{"libdav1d.so.7", "libdav1d.so.6", "libdav1d.so", "libdav1d.7.dylib", "libdav1d.6.dylib", "libdav1d.dylib"}

// loadDav1d opens the system's libdav1d and binds dav1dAPI, once.
var loadDav1d = syslib.Loader("libdav1d", dav1dNames, func(api *dav1dAPI) map[string]any {
	return map[string]any{
		"dav1d_default_settings": &api.defaultSettings,
		"dav1d_open":             &api.open,
		"dav1d_close":            &api.close,
		"dav1d_data_create":      &api.dataCreate,
		"dav1d_data_unref":       &api.dataUnref,
		"dav1d_send_data":        &api.sendData,
		"dav1d_get_picture":      &api.getPicture,
		"dav1d_picture_unref":    &api.pictureUnref,
	}
})

// nativeAV1Works reports why decodeNativeAV1 cannot be used here, or nil.
func nativeAV1Works() error {
	_, err := loadDav1d()
	return err
}

// decodeNativeAV1 decodes one 8-bit 4:2:0 AV1 picture of w×h, given as
// its OBUs (av1C's configuration OBUs, then the item's data), with the
// system's libdav1d on the calling thread (no threads of its own, frames
// larger than w×h refused), as the system's libheif does, and hands put
// a view of its planes while they are valid, as decodeNative does. The
// samples are as coded: libdav1d converts nothing, and applies the film
// grain a stream asks for, as libheif has it do.
func decodeNativeAV1(obus []byte, w, h int, put func(*image.YCbCr)) error {
	api, err := loadDav1d()
	if err != nil {
		return err
	}
	if len(obus) == 0 {
		return errCorrupt("system libdav1d: no data")
	}
	var settings [dav1dSettingsSize]byte
	api.defaultSettings(unsafe.Pointer(&settings))
	set32 := func(off int, v uint32) { *(*uint32)(unsafe.Pointer(&settings[off])) = v }
	set32(dav1dNThreads, 1)
	set32(dav1dMaxDelay, 1)
	set32(dav1dAllLayers, 0)
	set32(dav1dSizeLimit, uint32(min(int64(w)*int64(h), 1<<32-1)))
	*(*uintptr)(unsafe.Pointer(&settings[dav1dLogger])) = 0
	var ctx uintptr
	if e := api.open(&ctx, unsafe.Pointer(&settings)); e != 0 || ctx == 0 {
		return fmt.Errorf("system libdav1d: open: error %d", e)
	}
	defer api.close(&ctx)

	var data [dav1dDataSize]byte
	buf := api.dataCreate(unsafe.Pointer(&data), uintptr(len(obus)))
	if buf == nil {
		return fmt.Errorf("system libdav1d: no memory for %d bytes", len(obus))
	}
	defer api.dataUnref(unsafe.Pointer(&data)) // a no-op once all is sent
	copy(unsafe.Slice(buf, len(obus)), obus)
	left := func() uintptr { return *(*uintptr)(unsafe.Pointer(&data[dav1dDataSz])) }

	var pic [dav1dPictureSize]byte
	// Send the data, taking pictures out when dav1d wants room, then
	// drain: a still image has one picture.
	for tries := 0; tries < 64; tries++ {
		if left() > 0 {
			if e := api.sendData(ctx, unsafe.Pointer(&data)); e != 0 && e != dav1dEAGAIN {
				return errCorrupt("system libdav1d: data refused (error %d)", e)
			}
		}
		switch e := api.getPicture(ctx, unsafe.Pointer(&pic)); {
		case e == 0:
			err := putAV1Picture(&pic, w, h, put)
			api.pictureUnref(unsafe.Pointer(&pic))
			return err
		case e != dav1dEAGAIN:
			return errCorrupt("system libdav1d: no picture (error %d)", e)
		}
	}
	return errCorrupt("system libdav1d: no picture")
}

// putAV1Picture checks a picture dav1d decoded and hands a view of its
// planes to put.
func putAV1Picture(pic *[dav1dPictureSize]byte, w, h int, put func(*image.YCbCr)) error {
	i32 := func(off int) int { return int(*(*int32)(unsafe.Pointer(&pic[off]))) }
	pw, ph, layout, bpc := i32(dav1dPicW), i32(dav1dPicH), i32(dav1dPicLayout), i32(dav1dPicBPC)
	if pw != w || ph != h {
		return errCorrupt("system libdav1d decoded %d×%d, the container says %d×%d", pw, ph, w, h)
	}
	if layout != dav1dLayoutI420 || bpc != 8 {
		return errCorrupt("system libdav1d decoded layout %d at %d bits, the container says 4:2:0 at 8", layout, bpc)
	}
	var (
		planes  [3]*byte
		strides [3]int
	)
	for c := range planes {
		planes[c] = *(**byte)(unsafe.Pointer(&pic[dav1dPicData+8*c]))
		strides[c] = int(*(*int64)(unsafe.Pointer(&pic[dav1dPicStride+8*min(c, 1)])))
	}
	v, err := view420(planes, strides, w, h)
	if err != nil {
		return fmt.Errorf("system libdav1d: %w", err)
	}
	put(v)
	return nil
}
