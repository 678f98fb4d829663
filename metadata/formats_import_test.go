package metadata_test

// The tests decode WebP images (codecs.Decode) to compare pixels; WebP
// registers itself with the codecs registry when imported.
import _ "github.com/blobimage/blobimage/codecs/webp"
