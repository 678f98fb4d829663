package metadata

import (
	"fmt"
	"log/slog"

	"github.com/blobimage/blobimage/codecs"
)

// File is an encoded image's container (JPEG segments, PNG chunks, WebP
// chunks, GIF blocks, HEIF boxes and items) walked once by Parse. Its methods read the metadata
// and rewrite the image from that walk, without walking the bytes again.
// Every rewrite (Trim, StripGPS, StripAll) ends where the image ends.
//
// A File refers to the bytes it was parsed from: they must not change while
// it is in use. Its methods may be called from several goroutines at once.
type File struct {
	format codecs.Format
	c      container
	log    *slog.Logger // nil: no logging (see WithLogger)
}

// container is what one format's parser returns: a file split into its
// segments or chunks, remembering the damage met on the way.
type container interface {
	// sources returns the EXIF block (the TIFF structure, without an
	// "Exif\0\0" prefix) and the XMP packet that Metadata reads, with the
	// damage met while locating them: a broken structure after them, or
	// an undecodable XMP packet. The sources are valid even then.
	sources() (sources, error)
	// icc returns the embedded ICC profile, or nil.
	icc() ([]byte, error)
	// stripGPS and stripAll implement File's methods of the same names.
	stripGPS() ([]byte, error)
	stripAll(orientation int) ([]byte, error)
	// trim implements File.Trim.
	trim() ([]byte, error)
}

// sources are the raw metadata blocks found in a file: the EXIF TIFF
// structure (without the "Exif\0\0" prefix) and the XMP packet.
type sources struct {
	exif, xmp []byte
}

// handler is what a format registers: the parser of its container and the
// embedder of an ICC profile into freshly encoded output.
type handler struct {
	// parse walks data once. It fails only when data is not in this
	// format at all (a missing signature); damage further on is kept in
	// the container, for each operation to report as it must.
	parse func(data []byte) (container, error)
	// embedICC implements EmbedICC.
	embedICC func(encoded, icc []byte) ([]byte, error)
}

// handlers holds the formats whose metadata this package handles, each
// registered by the file that implements it.
var handlers = map[codecs.Format]handler{}

// register makes format f handled by h. It is called from init functions;
// a format registered twice is a bug and panics.
func register(f codecs.Format, h handler) {
	if _, dup := handlers[f]; dup {
		panic(fmt.Sprintf("metadata: format %q registered twice", f))
	}
	handlers[f] = h
}

// Parse walks data, an encoded image in format f, once, and returns its
// container. It fails when f is a format without metadata support or data
// does not start as f does (no JPEG SOI, no PNG signature, no RIFF WEBP
// header), and for a HEIF or AVIF container that codecs/heif refuses (its
// errors match codecs.ErrCorrupt or codecs.ErrUnsupportedFormat), or
// whose items' data add up to more bytes than the file holds (items
// sharing bytes, which copying them would multiply; codecs.ErrCorrupt).
// Otherwise a structure damaged further on does not fail Parse: Metadata
// then returns what was read before the damage with an error, and the
// methods that rewrite the file or need all of it (ICC, StripGPS,
// StripAll, and Trim when the damage hides where the image ends) return
// the error. The damage JPEG decoders tolerate (bytes between segments, a
// segment length that disagrees with the file) is not damage in that
// sense: the rewrites tolerate it too (see "Damaged JPEGs" in the package
// documentation). A GIF always parses (its metadata is not read; bytes
// that are not a GIF are kept as they are).
func Parse(f codecs.Format, data []byte) (file *File, err error) {
	h, ok := handlers[f]
	if !ok {
		return nil, unsupported(f)
	}
	defer recoverErr(&err, "Parse")
	c, err := h.parse(data)
	if err != nil {
		return nil, err
	}
	return &File{format: f, c: c}, nil
}

// Format returns the format the file was parsed as.
func (f *File) Format() codecs.Format { return f.format }

// Metadata returns what the photo's metadata says about how it was taken.
// Malformed metadata is not fatal: Metadata returns whatever was read before
// the problem together with an error describing it; callers that only want
// the metadata may ignore the error. Values out of range (orientation
// outside 1–8, latitude beyond ±90, NaN, infinities, dates before 1800 or
// after 2200) are dropped. For a GIF it is zero, with no error.
func (f *File) Metadata() (md Metadata, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metadata: reading %s metadata: internal error: %v", f.format, r)
		}
	}()
	src, err := f.c.sources()
	return readSources(src, err)
}

// EXIF returns the EXIF block Metadata reads, the TIFF structure without an
// "Exif\0\0" prefix, or nil. It is a slice of the parsed bytes (or, in a
// PNG text chunk, decoded from them).
func (f *File) EXIF() []byte {
	src, _ := f.c.sources()
	return src.exif
}

// XMP returns the XMP packet Metadata reads, or nil. It is a slice of the
// parsed bytes, or decompressed from them.
func (f *File) XMP() []byte {
	src, _ := f.c.sources()
	return src.xmp
}

// ICC returns the ICC colour profile embedded in the file (JPEG APP2
// ICC_PROFILE segments reassembled in order, PNG iCCP decompressed within a
// 4 MiB bound, WebP ICCP chunk, GIF ICCRGBG1012 extension, HEIF colr
// property of the primary image), or nil when there is none.
func (f *File) ICC() (icc []byte, err error) {
	defer recoverErr(&err, "ICC")
	return f.c.icc()
}

// StripGPS returns the file with its GPS position removed, without
// re-encoding pixels, ending where the image ends: what it removes is
// listed in the package documentation. A file with no GPS is returned as
// Trim returns it: unchanged (the very slice that was parsed) when
// nothing follows the image. A JPEG segment that may hold a position and
// cannot be parsed is dropped; in PNG and WebP an EXIF structure that
// cannot be walked safely is an error, so that the caller can fall back
// to StripAll.
func (f *File) StripGPS() (out []byte, err error) {
	defer recoverErr(&err, opStripGPS)
	f.logWarnings(opStripGPS)
	return f.c.stripGPS()
}

// StripAll returns the file without EXIF, XMP, IPTC and comments, without
// re-encoding pixels, ending where the image ends; what each format keeps
// is listed in the package documentation. ICC profiles and what decoding needs (JFIF, Adobe APP14)
// are kept. If orientation is 2–8 a minimal EXIF carrying only that
// orientation is written in place of the old one, so the image still
// displays the same way; HEIF and AVIF ignore orientation, as their
// decoders apply the irot and imir properties, which are kept.
func (f *File) StripAll(orientation int) (out []byte, err error) {
	defer recoverErr(&err, opStripAll)
	f.logWarnings(opStripAll)
	return f.c.stripAll(orientation)
}
