package avif_test

import (
	"image"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// avifdec decodes an AVIF with libavif's reference decoder (dav1d in
// Debian's build) and returns the image.
func avifdec(t testing.TB, data []byte) image.Image {
	t.Helper()
	return testimage.ReferenceDecode(t, "avifdec", data, "--depth", "8")
}
