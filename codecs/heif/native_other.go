//go:build !unix

package heif

import (
	"errors"
	"image"
)

// decodeNative is the system libde265's decode of one coded picture
// (native.go), which this platform does not bind: decodeSystem goes
// through gen2brain's path.
func decodeNative(nals [][]byte, w, h int, put func(*image.YCbCr)) error {
	return errNoNative
}

var errNoNative = errors.New("system libde265: no binding on this platform")

func nativeWorks() error { return errNoNative }

// decodeNativeAV1 is the system libdav1d's decode of one AV1 picture
// (native_av1.go), which this platform does not bind.
func decodeNativeAV1(obus []byte, w, h int, put func(*image.YCbCr)) error {
	return errNoNative
}

func nativeAV1Works() error { return errNoNative }
