//go:build !unix

package heif

import "errors"

// decodeNative is the system libde265's decode of one coded picture
// (native.go), which this platform does not bind: decodeSystem goes
// through gen2brain's path.
func decodeNative(nals [][]byte, w, h int, put func(planes [3][]byte, strides [3]int)) error {
	return errNoNative
}

var errNoNative = errors.New("system libde265: no binding on this platform")

func nativeWorks() error { return errNoNative }
