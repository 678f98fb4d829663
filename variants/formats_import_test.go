package variants_test

// The formats a config may name beyond JPEG, PNG and GIF register
// themselves when imported, as blobimage imports them.
import (
	_ "github.com/blobimage/blobimage/codecs/avif"
	_ "github.com/blobimage/blobimage/codecs/heif"
	_ "github.com/blobimage/blobimage/codecs/webp"
)
