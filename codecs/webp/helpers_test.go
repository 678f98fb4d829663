package webp_test

import (
	"image"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// dwebp decodes a WebP with libwebp's reference decoder (its default
// "fancy" chroma upsampling, or none with -nofancy) and returns the image.
func dwebp(t testing.TB, data []byte, args ...string) image.Image {
	t.Helper()
	return testimage.ReferenceDecode(t, "dwebp", data, append([]string{"-quiet"}, args...)...)
}
