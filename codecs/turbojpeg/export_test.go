//go:build cgo && turbojpeg

package turbojpeg

// For the external tests (package turbojpeg_test).
var (
	EncodeProgressive = encodeProgressive
	TestPhoto         = testPhoto
)
