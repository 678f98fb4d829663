package codecs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// Sniff identifies the format of an encoded image from its first bytes
// (SniffLen are enough). It returns the format when it is registered, an
// error matching ErrUnsupportedFormat naming the format when it is an image
// format that is recognised but not registered (TIFF, BMP, HEIF/HEIC, AVIF,
// JPEG XL, ICO, PSD, SVG, and WebP while codecs/webp is not imported), and
// an error matching ErrNotImage otherwise.
//
// Registered formats are tried first, by their codecs' Match, so
// registering a codec for, say, "tiff" makes TIFF supported. The
// recognised unsupported formats are named in the error as "tiff", "bmp",
// "heic", "heif", "avif", "jxl", "ico", "cur", "psd", "jpeg2000", "qoi",
// "webp" and "svg".
//
// Text is classified by its first element, after any byte order mark,
// white space, XML declaration, processing instructions, comments and
// DOCTYPE: an <svg> root (or an svg DOCTYPE) is the unsupported format
// "svg"; HTML, other XML and any other text are ErrNotImage. SVG is
// reported as unsupported, not as not-an-image, because it is an image
// format a user may reasonably upload; it is refused because rendering it
// would run an XML parser and possibly fetch external resources. Sniff
// looks at up to 1 KiB of text for the root element, so an SVG with a long
// prolog is recognised only when head holds that much; given SniffLen bytes
// and no root element in sight, XML text is reported as ErrNotImage.
//
// Sniff never looks at a file name or declared media type: it gets only
// bytes.
func Sniff(head []byte) (Format, error) {
	if len(head) == 0 {
		return "", fmt.Errorf("codecs: %w: empty", ErrNotImage)
	}
	for _, c := range snapshot() {
		if c.Match(head) {
			return c.Format, nil
		}
	}
	if name := unsupported(head); name != "" {
		return "", fmt.Errorf("codecs: %w: %s", ErrUnsupportedFormat, name)
	}
	if kind := notImage(head); kind != "" {
		return "", fmt.Errorf("codecs: %w: looks like %s", ErrNotImage, kind)
	}
	return "", fmt.Errorf("codecs: %w: no known signature", ErrNotImage)
}

// snapshot returns the registered codecs in Format order.
func snapshot() []Codec {
	registryMu.RLock()
	cs := make([]Codec, 0, len(registry))
	for _, c := range registry {
		cs = append(cs, c)
	}
	registryMu.RUnlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].Format < cs[j].Format })
	return cs
}

// unsupported names the image format head starts with, among those that are
// recognised but not registered, or returns "".
func unsupported(head []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(head, []byte(prefix)) }
	switch {
	case has("II*\x00"), has("MM\x00*"), has("II+\x00"), has("MM\x00+"): // TIFF, BigTIFF
		return "tiff"
	case isBMP(head):
		return "bmp"
	case has("\xFF\x0A"), has("\x00\x00\x00\x0CJXL \r\n\x87\n"):
		return "jxl"
	case has("\x00\x00\x00\x0CjP  \r\n\x87\n"), has("\xFF\x4F\xFF\x51"):
		return "jpeg2000"
	case has("8BPS\x00\x01"), has("8BPS\x00\x02"): // PSD, PSB
		return "psd"
	case has("qoif") && len(head) >= 14:
		return "qoi"
	case isWebP(head):
		return "webp"
	}
	if kind := isICO(head); kind != "" {
		return kind
	}
	if brand := ftypImage(head); brand != "" {
		return brand
	}
	if textRoot(head) == "svg" {
		return "svg"
	}
	return ""
}

// isWebP reports whether head is a RIFF container of form type WEBP whose
// first chunk is one a WebP file starts with (codecs/webp's own test).
func isWebP(head []byte) bool {
	if len(head) < 16 || string(head[0:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
		return false
	}
	switch string(head[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// isBMP reports whether head is "BM" followed by a plausible file header:
// the DIB header size must be one of the sizes the BMP versions define, and
// the pixel data must start after the headers. "BM" alone starts too many
// text files to mean anything.
func isBMP(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	offset := binary.LittleEndian.Uint32(head[10:14])
	dib := binary.LittleEndian.Uint32(head[14:18])
	switch dib {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return offset >= 14+dib
	}
	return false
}

// isICO recognises a Windows icon or cursor directory: reserved 0, type 1
// (icon) or 2 (cursor), a non-zero image count, and a first entry whose
// reserved byte is 0.
func isICO(head []byte) string {
	if len(head) < 22 || head[0] != 0 || head[1] != 0 || head[3] != 0 {
		return ""
	}
	count := binary.LittleEndian.Uint16(head[4:6])
	if count == 0 || head[6+3] != 0 {
		return ""
	}
	switch head[2] {
	case 1:
		return "ico"
	case 2:
		return "cur"
	}
	return ""
}

// ftypImage recognises the ISO base media file format images (HEIF, HEIC,
// AVIF, JPEG XL in a box) by the brands of their leading ftyp box, and
// returns "" for other ISOBMFF files (MP4, QuickTime video) and non-ISOBMFF
// data.
func ftypImage(head []byte) string {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size%4 != 0 {
		return ""
	}
	end := min(size, len(head))
	brands := []string{string(head[8:12])} // major brand
	for i := 16; i+4 <= end; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	// The most specific brand wins: mif1 only says "some HEIF image".
	best := ""
	for _, b := range brands {
		switch b {
		case "avif", "avis":
			return "avif"
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			best = "heic"
		case "jxl ":
			return "jxl"
		case "mif1", "msf1", "mif2", "miaf":
			if best == "" {
				best = "heif"
			}
		}
	}
	return best
}

// notImage names some common formats that are not images, for the error
// message; "" if head is none of them.
func notImage(head []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(head, []byte(prefix)) }
	switch {
	case has("%PDF-"):
		return "pdf"
	case has("PK\x03\x04"), has("PK\x05\x06"):
		return "zip"
	case has("\x1F\x8B"):
		return "gzip"
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return "video (ISO base media)"
	}
	switch textRoot(head) {
	case "":
		return ""
	case "html":
		return "html"
	case "xml":
		return "xml"
	default:
		return "text"
	}
}

// maxTextSniff bounds how much text textRoot looks at.
const maxTextSniff = 1024

// textRoot classifies head as markup by its root element: "svg", "html",
// "xml" (another root element, or an XML declaration whose root is not in
// view), "text" (markup it cannot place) or "" when head does not start
// with markup at all.
func textRoot(head []byte) string {
	b := head[:min(len(head), maxTextSniff)]
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	sawXML := false
	for {
		b = trimSpace(b)
		switch {
		case len(b) == 0:
			if sawXML {
				return "xml"
			}
			return ""
		case b[0] != '<':
			if sawXML {
				return "xml"
			}
			return ""
		case hasFold(b, "<?xml"):
			sawXML = true
			fallthrough
		case hasFold(b, "<?"):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return "xml"
			}
			b = b[i+2:]
		case hasFold(b, "<!--"):
			i := bytes.Index(b[4:], []byte("-->"))
			if i < 0 {
				if sawXML {
					return "xml"
				}
				return "text"
			}
			b = b[4+i+3:]
		case hasFold(b, "<!DOCTYPE"):
			name := elementName(trimSpace(b[len("<!DOCTYPE"):]))
			switch name {
			case "svg":
				return "svg"
			case "html":
				return "html"
			}
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return "xml"
			}
			b = b[i+1:]
		default:
			name := elementName(b[1:])
			switch name {
			case "svg":
				return "svg"
			case "html", "head", "body", "script", "meta", "title", "div", "p", "a", "iframe", "style", "link":
				return "html"
			case "":
				return "text"
			}
			return "xml"
		}
	}
}

// elementName returns the lower-case local name at the start of b (without
// any namespace prefix), or "" if b does not start with a name.
func elementName(b []byte) string {
	i := 0
	for i < len(b) && (isNameByte(b[i]) || b[i] == ':') {
		i++
	}
	name := bytes.ToLower(b[:i])
	if j := bytes.LastIndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return string(name)
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' || b[0] == '\f') {
		b = b[1:]
	}
	return b
}

// hasFold reports whether b starts with prefix, ignoring ASCII case.
func hasFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}
