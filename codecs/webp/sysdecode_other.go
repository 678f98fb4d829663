//go:build !unix

package webp

import (
	"errors"
	"image"
)

// probeDecoder: the system's libwebp is bound on unix systems only
// (sysdecode.go).
func probeDecoder() error { return errors.New("system libwebp decoder: no binding on this platform") }

// decodeLossySystem leaves every decode to golang.org/x/image/webp here.
func decodeLossySystem(data []byte, w, h int) (*image.YCbCr, bool) { return nil, false }
