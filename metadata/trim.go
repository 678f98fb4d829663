package metadata

import "github.com/blobimage/blobimage/codecs"

// Trim returns data up to the end of the image, without re-encoding
// pixels: Parse and then File.Trim, a convenience for one-off use.
func Trim(f codecs.Format, data []byte) ([]byte, error) {
	file, err := Parse(f, data)
	if err != nil {
		return nil, err
	}
	return file.Trim()
}

// Trim returns the file up to the end of the image: bytes appended after
// it (a second file, an HTML or script polyglot, padding) are left out;
// where each format's image ends is listed in the package documentation.
// Everything before the end is kept byte for byte: the result is the very
// slice that was parsed when nothing follows the image, and a prefix of it
// otherwise, except for a JPEG that loses its MPF segment with the images
// it lists and a HEIF or AVIF file rebuilt without what no box or item
// refers to.
//
// A file whose end cannot be told without decoding it (a JPEG without
// EOI, a GIF cut in the middle of a block) is returned whole, so that no
// image data is ever cut. A container damaged before the image's end is an
// error, as it is for StripGPS and StripAll. The result is never longer
// than the file: a HEIF or AVIF file whose rebuild would be (its items
// name the bytes of its own boxes) is refused with
// codecs.ErrUnsupportedFormat.
func (f *File) Trim() (out []byte, err error) {
	defer recoverErr(&err, opTrim)
	f.logWarnings(opTrim)
	return f.c.trim()
}

// prefix returns data[:n], or data itself when n covers all of it. The
// prefix's capacity ends at n, so appending to it never overwrites the
// bytes after it.
func prefix(data []byte, n int) []byte {
	if n >= len(data) {
		return data
	}
	return data[:n:n]
}
