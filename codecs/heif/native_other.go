//go:build !unix

package heif

import "errors"

// decodeNative is the system libheif's decode of one coded image
// (native.go), which this platform does not bind: decodeSystem falls back
// to gen2brain's.
func decodeNative(file []byte, w, h int, put func(planes [3][]byte, strides [3]int)) error {
	return errNoNative
}

var errNoNative = errors.New("system libheif: no native binding on this platform")

func nativeWorks() error { return errNoNative }
