//go:build unix

package webp

import (
	"fmt"
	"image"
	"runtime"

	"github.com/blobimage/blobimage/codecs/internal/syslib"
)

// decoderAPI is the part of the system's libwebp that decodes a lossy
// still into planes the caller owns, bound through purego.
type decoderAPI struct {
	// version is WebPGetDecoderVersion: 0xMMmmpp.
	version func() int32
	// getFeatures is WebPGetFeaturesInternal: 0 (VP8_STATUS_OK) when
	// data's headers parse.
	getFeatures func(data *byte, size uintptr, f *bitstreamFeatures, abi int32) int32
	// decodeYUVInto is WebPDecodeYUVInto: it decodes data into the three
	// 4:2:0 planes given, each with its size and stride, and returns
	// luma, or nil when the file does not decode or a plane is too small
	// for the picture it declares.
	decodeYUVInto func(data *byte, size uintptr,
		y *byte, ySize uintptr, yStride int32,
		u *byte, uSize uintptr, uStride int32,
		v *byte, vSize uintptr, vStride int32) *byte
}

// bitstreamFeatures is libwebp's WebPBitstreamFeatures.
type bitstreamFeatures struct {
	width, height, hasAlpha, hasAnimation int32
	format                                int32 // 0 mixed or undefined, 1 lossy, 2 lossless
	_                                     [5]uint32
}

const (
	// decoderABI is the WEBP_DECODER_ABI_VERSION the structures above
	// follow (libwebp 1.x); libwebp refuses a call whose major byte
	// differs from its own.
	decoderABI = 0x0209
	// minDecoderVersion is the oldest libwebp used to decode: 1.0.0
	// (2018); Debian 12 has 1.2.4.
	minDecoderVersion = 0x010000
	formatLossy       = 1
)

// loadDecoder opens the system's libwebp and binds decoderAPI, on first
// use.
var loadDecoder = syslib.Loader("libwebp", []string{"libwebp.so.7", "libwebp.so", "libwebp.7.dylib", "libwebp.dylib"},
	func(api *decoderAPI) map[string]any {
		return map[string]any{
			"WebPGetDecoderVersion":   &api.version,
			"WebPGetFeaturesInternal": &api.getFeatures,
			"WebPDecodeYUVInto":       &api.decodeYUVInto,
		}
	})

// probeDecoder reports why the system's libwebp does not decode here, or
// nil: it must load, with the symbols decoderAPI binds, and be 1.0 or
// later.
func probeDecoder() error {
	api, err := loadDecoder()
	if err != nil {
		return err
	}
	if v := api.version(); v < minDecoderVersion {
		return fmt.Errorf("system libwebp %d.%d.%d is older than 1.0.0", v>>16, v>>8&0xff, v&0xff)
	}
	return nil
}

// decodeLossySystem decodes data, a WebP that golang.org/x/image/webp
// reads as a w×h lossy picture without alpha, with the system's libwebp
// into a new image.YCbCr (4:2:0, VP8's limited range). It reports false,
// having decoded nothing the caller keeps, when libwebp does not see the
// same (a lossy still of that size without alpha) or does not decode the
// file: the caller then decodes it as before, so that what is accepted
// and what is refused stays golang.org/x/image/webp's.
func decodeLossySystem(data []byte, w, h int) (*image.YCbCr, bool) {
	if len(data) == 0 || w <= 0 || h <= 0 || decoder.Works() != nil {
		return nil, false
	}
	api, _ := loadDecoder()
	var f bitstreamFeatures
	if api.getFeatures(&data[0], uintptr(len(data)), &f, decoderABI) != 0 ||
		f.format != formatLossy || f.hasAlpha != 0 || f.hasAnimation != 0 ||
		int(f.width) != w || int(f.height) != h {
		return nil, false
	}
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	ok := api.decodeYUVInto(&data[0], uintptr(len(data)),
		&m.Y[0], uintptr(len(m.Y)), int32(m.YStride),
		&m.Cb[0], uintptr(len(m.Cb)), int32(m.CStride),
		&m.Cr[0], uintptr(len(m.Cr)), int32(m.CStride)) != nil
	runtime.KeepAlive(data)
	runtime.KeepAlive(m)
	if !ok {
		return nil, false
	}
	systemDecodes.Add(1)
	return m, true
}
