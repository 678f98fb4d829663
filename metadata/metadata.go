// Package metadata reads the photographic metadata of an encoded image (EXIF,
// with XMP as a fallback) and rewrites an encoded image's metadata losslessly:
// GPS or all metadata removed, ICC colour profiles read and carried over,
// without touching the compressed pixels.
//
// Reading goes through github.com/bep/imagemeta, which is fuzzed and bounds
// tag counts and sizes; crafted EXIF (wrapping counts, IFD loops, zero
// denominators) yields a partial result and an error, never a crash or a
// hang. Rewriting is done here, segment by segment (JPEG), chunk by chunk
// (PNG, WebP), with every length checked against the input; HEIF and AVIF
// files are rebuilt item by item by codecs/heif, around the same coded
// image data.
//
// # Parsing once
//
// Parse walks an image's container once and returns a File that answers
// everything asked of the upload: Metadata, EXIF, XMP, ICC, Trim, StripGPS
// and StripAll. Read, ICCProfile, Trim, StripGPS and StripAll are
// conveniences for one-off use that each parse the file again. Each format is one file of
// this package that registers its container; EmbedICC, which works on
// freshly encoded output, goes through the same registry.
//
// # Reading
//
// The EXIF block and the XMP packet are located here (JPEG APP1 segments,
// PNG eXIf and XMP text chunks, WebP EXIF and "XMP " chunks, the HEIF Exif
// item and XMP mime item of the primary image, else the first) and each is
// handed to imagemeta separately, so a broken EXIF block does not hide the
// XMP. EXIF wins; XMP fills the fields EXIF lacks. At most 64 KiB of EXIF
// (what a JPEG segment holds) and 256 KiB of XMP are read; a panic in the
// decoder becomes an error. GIF metadata is not read.
//
// # Where the image ends
//
// Trim, StripGPS and StripAll all return a file that ends where the image
// ends: bytes appended after it (a zip, an HTML polyglot, padding) are
// not kept. The end is
//
//   - JPEG: the EOI marker after the last scan. The marker segments are
//     walked by their lengths (so an EXIF thumbnail inside APP1, with its
//     own SOI and EOI, is skipped), then each scan's entropy-coded data,
//     where FF 00 is a stuffed byte and FF D0–D7 a restart. What follows
//     EOI goes, and with it the extras of multi-picture files: the depth
//     maps, stereo pairs and previews phones append (with the MPF segment
//     that lists them) and a motion photo's video (whose XMP description
//     stays, unless StripAll drops it): the primary image is what is
//     served. A JPEG without EOI (truncated, as some cameras write) is
//     kept whole: where its scan data ends cannot be told without
//     decoding it, and trimming never cuts image data;
//   - PNG: the IEND chunk, its CRC included;
//   - GIF: the trailer (0x3B) after the last block, image descriptors and
//     extensions walked with their sub-blocks; a byte where a block should
//     start but none does also ends the image, as decoders stop there. A
//     GIF cut short inside a block is kept whole;
//   - WebP: the RIFF container, as long as its header says (padded to
//     even), whatever its chunks hold;
//   - HEIF and AVIF: the file as codecs/heif rebuilds it (see StripGPS
//     below), which leaves out every byte no box or item refers to: free
//     and skip boxes, other top-level boxes, mdat bytes no item uses,
//     unused properties, trailing bytes. A file that holds none of those
//     is returned unchanged, without a rebuild.
//
// Where nothing else changes, Trim returns the parsed slice itself, or a
// prefix of it. A JPEG that decoders refuse before its first scan (cut
// short there, or a segment running past its end), a PNG damaged before
// IEND and a WebP whose RIFF header declares more bytes than there are
// cannot be trimmed (an error, as for StripGPS and StripAll).
//
// # Damaged JPEGs
//
// The JPEG rewrites accept every file libjpeg decodes: the segments are
// walked as decoders walk them (lengths trusted; bytes that are not a
// marker, FF 00 pairs and stray RSTn or TEM markers skipped up to the
// next marker; fill bytes allowed), so they find the segments decoders
// find. The bytes decoders skip are left out by StripGPS and StripAll
// (after a length too short they are the rest of the segment); Trim keeps
// them. Where such damage touches an APPn segment (it is followed by
// bytes to skip, its length is below 2 or runs past the end of the file),
// StripGPS drops it unless it is JFIF, ICC or Adobe, which hold no
// position, and so it does with metadata it cannot parse (see below);
// other segments, the coded image and COM segments are copied byte for
// byte. File.WithLogger logs what was tolerated and dropped. Metadata
// reads a damaged EXIF or XMP segment as far as it goes, with an error.
//
// # What StripGPS removes
//
//   - every GPS IFD pointer of the EXIF (in IFD0, IFD1, the Exif IFD and any
//     other linked IFD): the entry is removed from its directory and the GPS
//     directory and the values it points to are zeroed; XMP (tag 0x02BC)
//     and Photoshop resources (0x8649) embedded in the EXIF that mention GPS
//     are removed and zeroed the same way; every other EXIF byte, and every
//     other segment or chunk up to the end of the image, is kept as it
//     was;
//   - XMP packets that mention GPS (any "gps", in any case, which also
//     catches vendor properties such as drone-dji:GpsLatitude): the whole
//     packet (JPEG APP1, all extended-XMP segments, PNG text chunk, WebP
//     "XMP " chunk, GIF "XMP DataXMP" extension), and any other non-EXIF
//     JPEG APP1 segment mentioning GPS;
//   - JPEG APP13 (Photoshop) segments whose XMP or EXIF resources hold GPS,
//     and other APP13 segments mentioning GPS;
//   - PNG "Raw profile type exif/APP1/xmp/8bim" text chunks holding GPS (or
//     that cannot be decoded);
//   - in HEIF and AVIF, the GPS IFD of every Exif item, unlinked in place
//     as above (the item keeps its length), and every mime item (XMP) that
//     mentions GPS or whose content encoding cannot be read. The file is
//     then rebuilt as its ftyp box, a meta box and one mdat box holding
//     the items' data: the coded image data is copied byte for byte, and
//     what no item refers to (free boxes, an image sequence's tracks,
//     trailing bytes) is left out. A file with no GPS in its items is
//     trimmed as Trim trims it.
//
// Maker notes are opaque and not inspected; a vendor position hidden there
// survives StripGPS (StripAll removes it).
//
// In a JPEG, a segment that may hold a position and cannot be parsed
// safely is dropped: an EXIF structure that cannot be walked (replaced by
// an orientation-only EXIF segment when Metadata reads an orientation of
// 2–8 from it, so that the image displays as before), an XMP packet that
// is not XML, extended XMP whose pieces do not make up whole packets,
// Photoshop resources that cannot be walked. In PNG and WebP an EXIF
// structure that cannot be walked is an error, so that the caller can
// fall back to StripAll.
//
// # What StripAll keeps
//
//   - JPEG: all non-APP segments, JFIF APP0, ICC_PROFILE APP2 and Adobe
//     APP14; EXIF, XMP, IPTC (APP13), comments, other APP segments (MPF,
//     maker data) and data after EOI are dropped;
//   - PNG: critical chunks and the ones that affect display (tRNS, gAMA,
//     cHRM, sRGB, iCCP, cICP, mDCV, cLLI, sBIT, bKGD, pHYs, hIST, sPLT, sTER)
//     or animation (acTL, fcTL, fdAT); tEXt, zTXt, iTXt, eXIf, tIME, private
//     chunks and data after IEND are dropped;
//   - WebP: VP8X, ICCP, ANIM, ANMF, ALPH, VP8 and VP8L; EXIF, XMP, unknown
//     chunks and data after the RIFF container are dropped;
//   - GIF: comments, application extensions other than NETSCAPE2.0,
//     ANIMEXTS1.0 and ICCRGBG1012, and data after the image are dropped;
//   - HEIF and AVIF: every item but the Exif and mime (XMP) items, with
//     their properties (the colr profile, irot, imir, clap included) and
//     references; the file is rebuilt as StripGPS rebuilds it.
//
// An orientation of 2–8 is written back as a minimal EXIF block holding only
// that tag (JPEG APP1 after SOI and JFIF, PNG eXIf before IDAT, WebP EXIF
// chunk with a VP8X header and its EXIF flag). HEIF and AVIF get none: their
// orientation is the irot and imir properties, which decoders apply and
// StripAll keeps; the EXIF orientation there only describes the file.
package metadata

import (
	"fmt"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// Metadata is what blobimage reports about how a photo was taken. Absent
// fields are zero and omitted from JSON.
type Metadata struct {
	// Taken is when the photo was taken (EXIF DateTimeOriginal, else
	// DateTime, else XMP). With an EXIF offset (OffsetTimeOriginal) it
	// carries that zone; without one the wall-clock time is reported as UTC.
	Taken time.Time `json:"taken,omitzero"`
	// Make, Model and Lens name the camera and lens, trimmed of spaces and
	// NULs.
	Make  string `json:"make,omitempty"`
	Model string `json:"model,omitempty"`
	Lens  string `json:"lens,omitempty"`
	// Orientation is the EXIF orientation, 1–8; 0 when absent or invalid.
	Orientation int `json:"orientation,omitempty"`
	// ExposureTime is the shutter time in seconds, e.g. 0.004 for 1/250 s.
	ExposureTime float64 `json:"exposure_time,omitempty"`
	// FNumber is the aperture, e.g. 2.8.
	FNumber float64 `json:"f_number,omitempty"`
	// ISO is the ISO speed rating.
	ISO int `json:"iso,omitempty"`
	// FocalLength is the lens focal length in millimetres.
	FocalLength float64 `json:"focal_length,omitempty"`
	// GPS is where the photo was taken, when recorded.
	GPS *GPS `json:"gps,omitempty"`
}

// GPS is a position in decimal degrees (south and west negative) and an
// optional altitude in metres above sea level.
type GPS struct {
	Lat float64  `json:"lat"`
	Lon float64  `json:"lon"`
	Alt *float64 `json:"alt,omitempty"`
}

// Read extracts the metadata of data, an encoded image in format f: Parse
// and then File.Metadata, a convenience for one-off use (to ask more of the
// same bytes, Parse once and use the File). Formats without metadata
// support (GIF) return a zero Metadata and no error. Malformed metadata is
// not fatal: Read returns whatever was read before the problem together
// with an error describing it; callers that only want the metadata may
// ignore the error. Values out of range (orientation outside 1–8, latitude
// beyond ±90, NaN, infinities, dates before 1800 or after 2200) are
// dropped.
func Read(f codecs.Format, data []byte) (Metadata, error) {
	file, err := Parse(f, data)
	if err != nil {
		return Metadata{}, err
	}
	return file.Metadata()
}

// StripGPS returns data with its GPS position removed, without re-encoding
// pixels: Parse and then File.StripGPS, a convenience for one-off use. For
// JPEG the EXIF GPS IFD is unlinked from IFD0 and its bytes zeroed, and XMP
// packets holding GPS properties are dropped; PNG eXIf chunks and WebP EXIF
// chunks are treated the same way (with CRCs and chunk sizes fixed). Data
// with no GPS is returned as Trim returns it: unchanged (the same slice)
// when nothing follows the image. GIF, which has no GPS, is only trimmed.
func StripGPS(f codecs.Format, data []byte) ([]byte, error) {
	file, err := Parse(f, data)
	if err != nil {
		return nil, err
	}
	return file.StripGPS()
}

// StripAll returns data without EXIF, XMP, IPTC and comments, without
// re-encoding pixels: Parse and then File.StripAll, a convenience for
// one-off use. ICC profiles and what decoding needs (JFIF, Adobe APP14) are
// kept. If orientation is 2–8 a minimal EXIF carrying only that orientation
// is written in place of the old one, so the image still displays the same
// way.
func StripAll(f codecs.Format, data []byte, orientation int) ([]byte, error) {
	file, err := Parse(f, data)
	if err != nil {
		return nil, err
	}
	return file.StripAll(orientation)
}

// ICCProfile returns the ICC colour profile embedded in data (JPEG APP2
// ICC_PROFILE segments reassembled in order, PNG iCCP decompressed within a
// 4 MiB bound, WebP ICCP chunk, HEIF colr property), or nil when there is
// none: Parse and then File.ICC, a convenience for one-off use.
func ICCProfile(f codecs.Format, data []byte) ([]byte, error) {
	file, err := Parse(f, data)
	if err != nil {
		return nil, err
	}
	return file.ICC()
}

// EmbedICC returns encoded, an image in format f as produced by
// codecs.Encode (so carrying no profile of its own), with the ICC profile
// icc embedded (JPEG APP2 segments after SOI/APP0, PNG iCCP before IDAT,
// WebP ICCP chunk after VP8X; GIF is returned unchanged, as viewers ignore
// its profiles; HEIC and AVIF a colr property of type prof associated
// with the primary image, by heif.EmbedICC). A nil or empty icc returns
// encoded unchanged.
func EmbedICC(f codecs.Format, encoded, icc []byte) (out []byte, err error) {
	if len(icc) == 0 {
		return encoded, nil
	}
	h, ok := handlers[f]
	if !ok {
		return nil, unsupported(f)
	}
	defer recoverErr(&err, "EmbedICC")
	return h.embedICC(encoded, icc)
}

// IsSRGB reports whether icc is an sRGB profile (by its description tag),
// which viewers assume anyway for untagged images.
func IsSRGB(icc []byte) bool {
	return isSRGB(icc)
}

// recoverErr turns a panic (a bug: every length is checked) into an error,
// so that a crafted upload fails alone instead of taking the process down.
func recoverErr(err *error, op string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("metadata: %s: internal error: %v", op, r)
	}
}

func unsupported(f codecs.Format) error {
	return fmt.Errorf("metadata: unsupported format %q", f)
}
