package blobimage

// The formats a Store reads and writes beyond those of package codecs
// itself (JPEG, PNG, GIF): each registers itself with the codecs registry
// when imported, as image/png does with the image package.
import (
	_ "github.com/blobimage/blobimage/codecs/avif" // AVIF encoding
	_ "github.com/blobimage/blobimage/codecs/heif" // HEIC, HEIF and AVIF decoding
	_ "github.com/blobimage/blobimage/codecs/webp" // WebP decoding and encoding
)
