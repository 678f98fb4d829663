package blobimage

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidKey: an image key that blobimage will not write: not UTF-8;
// holding control characters or Unicode format characters (bidi
// overrides such as U+202E, which make "gpj.exe" read as "exe.jpg",
// zero-width spaces and joiners, which make two keys look alike); a
// segment longer than MaxKeySegment bytes or a key longer than MaxKeyLen
// (each would fail on some backend only after the variants were made); or
// ending in ".attrs", which fileblob reserves.
var ErrInvalidKey = errors.New("invalid key")

// Bounds on image keys. An image key is also the name of the folder its
// variants live in (under the variant prefix, with about 80 bytes of
// version and variant names after it): MaxKeyLen leaves room for that
// within S3's and GCS's 1024-byte keys, and MaxKeySegment is what most
// file systems allow a file name (fileblob).
const (
	MaxKeyLen     = 900
	MaxKeySegment = 255
)

// CheckKey reports whether key may be written as an image key: nil, or an
// error matching ErrInvalidKey that says why. Keys matching no image rule
// are not checked (they pass through to the bucket as they are).
func CheckKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("blobimage: key %q: %w: %s", key, ErrInvalidKey, why) }
	switch {
	case key == "":
		return bad("empty")
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case len(key) > MaxKeyLen:
		return bad(fmt.Sprintf("%d bytes, more than %d", len(key), MaxKeyLen))
	case strings.HasSuffix(key, ".attrs"):
		return bad(`the extension ".attrs" is reserved (fileblob keeps attributes in such files)`)
	}
	for _, seg := range strings.Split(key, "/") {
		if len(seg) > MaxKeySegment {
			return bad(fmt.Sprintf("a path segment of %d bytes, more than %d", len(seg), MaxKeySegment))
		}
	}
	for i, r := range key {
		switch {
		case unicode.Is(unicode.Cf, r):
			return bad(fmt.Sprintf("format character %U at byte %d (bidi overrides and invisible characters make keys that read as other keys)", r, i))
		case unicode.IsControl(r):
			return bad(fmt.Sprintf("control character %U at byte %d", r, i))
		}
	}
	return nil
}
