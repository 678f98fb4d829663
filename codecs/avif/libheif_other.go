//go:build !unix

package avif

import (
	"context"
	"errors"
	"image"

	"github.com/blobimage/blobimage/codecs/internal/engine"
)

// libheif is not called on this system: purego loads libraries on unix.
var libheif = engine.New(func() error { return errors.New("system libheif: not on this system") })

func encodeLibheif(context.Context, image.Image, params) ([]byte, error) {
	return nil, libheif.Works()
}
