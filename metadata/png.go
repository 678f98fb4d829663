package metadata

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/blobimage/blobimage/codecs"
)

func init() {
	register(codecs.PNG, handler{parse: parsePNGFile, embedICC: pngEmbedICC})
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// PNG text keywords carrying metadata.
const (
	xmpKeyword = "XML:com.adobe.xmp"
	// ImageMagick and exiv2 store EXIF and XMP as hex in text chunks.
	rawProfilePrefix = "Raw profile type "
)

// pngChunk is one chunk, data[start:end] from its length field to its CRC.
type pngChunk struct {
	typ        string
	start, end int
}

func (c pngChunk) data(b []byte) []byte { return b[c.start+8 : c.end-4] }

var errNotPNG = errors.New("metadata: not a PNG (bad signature)")

// parsePNG splits data into chunks up to IEND and returns the offset after
// IEND. A chunk running past the end, a malformed chunk type or a missing
// IEND is an error, returned with the chunks read before it.
func parsePNG(b []byte) (chunks []pngChunk, end int, err error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return nil, 0, errNotPNG
	}
	pos := len(pngSignature)
	for {
		if pos+12 > len(b) {
			return chunks, pos, fmt.Errorf("metadata: png: truncated before IEND (offset %d)", pos)
		}
		n := binary.BigEndian.Uint32(b[pos:])
		typ := b[pos+4 : pos+8]
		for _, c := range typ {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return chunks, pos, fmt.Errorf("metadata: png: invalid chunk type %q at offset %d", typ, pos)
			}
		}
		if n > 1<<31-1 || uint64(pos)+12+uint64(n) > uint64(len(b)) {
			return chunks, pos, fmt.Errorf("metadata: png: %s chunk at offset %d: length %d runs past the end (%d bytes)", typ, pos, n, len(b))
		}
		c := pngChunk{typ: string(typ), start: pos, end: pos + 12 + int(n)}
		chunks = append(chunks, c)
		pos = c.end
		if c.typ == "IEND" {
			return chunks, pos, nil
		}
	}
}

// pngChunkBytes returns a chunk with its length and CRC.
func pngChunkBytes(typ string, data ...[]byte) []byte {
	n := 0
	for _, d := range data {
		n += len(d)
	}
	out := make([]byte, 8, 12+n)
	binary.BigEndian.PutUint32(out, uint32(n))
	copy(out[4:], typ)
	for _, d := range data {
		out = append(out, d...)
	}
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// inflate decompresses a zlib stream, failing beyond max bytes.
func inflate(b []byte, max int) ([]byte, error) {
	z, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer z.Close()
	out, err := io.ReadAll(io.LimitReader(z, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > max {
		return nil, fmt.Errorf("decompresses to more than %d bytes", max)
	}
	return out, nil
}

// pngText returns the keyword and the (decompressed) text of a tEXt, zTXt
// or iTXt chunk.
func pngText(typ string, d []byte) (keyword string, text []byte, err error) {
	i := bytes.IndexByte(d, 0)
	if i < 0 {
		return "", nil, fmt.Errorf("%s chunk without a keyword terminator", typ)
	}
	keyword, d = string(d[:i]), d[i+1:]
	switch typ {
	case "tEXt":
		return keyword, d, nil
	case "zTXt":
		if len(d) < 1 || d[0] != 0 {
			return keyword, nil, fmt.Errorf("zTXt %q: unknown compression", keyword)
		}
		text, err = inflate(d[1:], maxMeta)
		return keyword, text, err
	case "iTXt":
		if len(d) < 2 {
			return keyword, nil, fmt.Errorf("iTXt %q truncated", keyword)
		}
		compressed, method := d[0], d[1]
		d = d[2:]
		for range 2 { // language tag, translated keyword
			j := bytes.IndexByte(d, 0)
			if j < 0 {
				return keyword, nil, fmt.Errorf("iTXt %q truncated", keyword)
			}
			d = d[j+1:]
		}
		switch {
		case compressed == 0:
			return keyword, d, nil
		case compressed == 1 && method == 0:
			text, err = inflate(d, maxMeta)
			return keyword, text, err
		}
		return keyword, nil, fmt.Errorf("iTXt %q: unknown compression", keyword)
	}
	return "", nil, fmt.Errorf("%s is not a text chunk", typ)
}

func isTextChunk(typ string) bool { return typ == "tEXt" || typ == "zTXt" || typ == "iTXt" }

// rawProfileKind returns the lower-case NAME of a "Raw profile type NAME"
// keyword, or "".
func rawProfileKind(keyword string) string {
	n := len(rawProfilePrefix)
	if len(keyword) <= n || !strings.EqualFold(keyword[:n], rawProfilePrefix) {
		return ""
	}
	return strings.ToLower(keyword[n:])
}

// rawProfile decodes ImageMagick's "Raw profile type NAME" text: a
// newline, the name, the decimal length and the bytes in hex.
func rawProfile(text []byte) ([]byte, error) {
	fields := bytes.Fields(text)
	if len(fields) < 2 {
		return nil, errors.New("raw profile truncated")
	}
	n, err := strconv.Atoi(string(fields[1]))
	if err != nil || n < 0 || n > maxMeta {
		return nil, fmt.Errorf("raw profile length %q", fields[1])
	}
	h := bytes.Join(fields[2:], nil)
	if len(h) < 2*n {
		return nil, errors.New("raw profile shorter than its length")
	}
	out := make([]byte, n)
	if _, err := hex.Decode(out, h[:2*n]); err != nil {
		return nil, err
	}
	return out, nil
}

// rawProfileHasGPS reports whether a raw profile text chunk of the given
// kind (exif, app1, xmp or 8bim, lower case) holds GPS; undecodable ones count as
// holding it.
func rawProfileHasGPS(kind string, text []byte) bool {
	p, err := rawProfile(text)
	if err != nil {
		return true
	}
	switch kind {
	case "xmp":
		return hasGPSText(p)
	case "8bim":
		return resourcesHaveGPS(p)
	}
	_, tiff := splitEXIF(p)
	has, err := tiffHasGPS(tiff)
	return has || err != nil
}

// pngFile is a PNG split into chunks once.
type pngFile struct {
	b      []byte
	chunks []pngChunk
	end    int   // offset after IEND
	err    error // what stopped the walk before IEND
	// The text chunks are decoded (inflated) once, when Metadata or
	// StripGPS first needs them; what is kept of them is small (the XMP
	// packet, the raw EXIF), not every decoded text.
	textOnce sync.Once
	text     pngTexts
}

// pngTexts is what the text chunks of a PNG hold for metadata.
type pngTexts struct {
	xmp     []byte       // the first XMP packet that decodes
	xmpErrs []error      // XMP packets before it that do not decode
	rawEXIF []byte       // the first "Raw profile type exif/APP1", TIFF
	gps     map[int]bool // indexes of text chunks StripGPS drops
}

// parsePNGFile walks b once; only b without the PNG signature is refused.
func parsePNGFile(b []byte) (container, error) {
	chunks, end, err := parsePNG(b)
	if err == errNotPNG {
		return nil, err
	}
	return &pngFile{b: b, chunks: chunks, end: end, err: err}, nil
}

// texts decodes the text chunks, once: the XMP packet (keyword
// XML:com.adobe.xmp), raw EXIF profiles, and which chunks mention GPS (XMP
// and raw exif, APP1, xmp and 8bim profiles holding GPS or that cannot be
// decoded).
func (p *pngFile) texts() *pngTexts {
	p.textOnce.Do(func() {
		t := &p.text
		for i, c := range p.chunks {
			if !isTextChunk(c.typ) {
				continue
			}
			kw, text, err := pngText(c.typ, c.data(p.b))
			if kw == xmpKeyword {
				switch {
				case t.xmp != nil:
				case err != nil:
					t.xmpErrs = append(t.xmpErrs, fmt.Errorf("metadata: png XMP: %w", err))
				default:
					t.xmp = text
				}
				if err != nil || hasGPSText(text) {
					t.drop(i)
				}
				continue
			}
			kind := rawProfileKind(kw)
			if kind != "exif" && kind != "app1" && kind != "xmp" && kind != "8bim" {
				continue
			}
			if err != nil || rawProfileHasGPS(kind, text) {
				t.drop(i)
			}
			if t.rawEXIF == nil && err == nil && (kind == "exif" || kind == "app1") {
				if raw, err := rawProfile(text); err == nil {
					_, t.rawEXIF = splitEXIF(raw)
				}
			}
		}
	})
	return &p.text
}

func (t *pngTexts) drop(i int) {
	if t.gps == nil {
		t.gps = map[int]bool{}
	}
	t.gps[i] = true
}

// trim returns the file through the IEND chunk (its CRC included).
func (p *pngFile) trim() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	return prefix(p.b, p.end), nil
}

// stripGPS rewrites the eXIf chunks holding a GPS IFD and drops the text
// chunks that mention GPS; like trim, it ends the file at IEND.
func (p *pngFile) stripGPS() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	b := p.b
	texts := p.texts()
	repl := map[int][]byte{}
	for i, c := range p.chunks {
		switch {
		case c.typ == "eXIf":
			d := c.data(b)
			prefix, _ := splitEXIF(d)
			nd, found, err := stripPayloadGPS(d, prefix)
			if err != nil {
				return nil, fmt.Errorf("metadata: png eXIf: %w", err)
			}
			if found {
				repl[i] = pngChunkBytes("eXIf", nd)
			}
		case texts.gps[i]:
			repl[i] = nil
		}
	}
	if len(repl) == 0 {
		return prefix(b, p.end), nil
	}
	out := make([]byte, 0, p.end)
	out = append(out, pngSignature...)
	for i, c := range p.chunks {
		if r, ok := repl[i]; ok {
			out = append(out, r...)
		} else {
			out = append(out, b[c.start:c.end]...)
		}
	}
	return out, nil
}

// pngKeep lists the chunks StripAll keeps besides critical ones: what
// affects how the pixels display, and APNG animation.
var pngKeep = map[string]bool{
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "cICP": true,
	"mDCV": true, "mDCv": true, "cLLI": true, "cLLi": true, "sBIT": true, "bKGD": true,
	"pHYs": true, "hIST": true, "sPLT": true, "sTER": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// stripAll keeps critical chunks and pngKeep; other ancillary chunks
// (text, eXIf, tIME, private chunks) and bytes after IEND go, and an eXIf
// with the orientation goes before the first IDAT.
func (p *pngFile) stripAll(orientation int) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	b, chunks := p.b, p.chunks
	out := make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	wrote := !(orientation >= 2 && orientation <= 8)
	for _, c := range chunks {
		if !wrote && (c.typ == "IDAT" || c.typ == "IEND") {
			out = append(out, pngChunkBytes("eXIf", orientationTIFF(orientation))...)
			wrote = true
		}
		critical := c.typ[0] >= 'A' && c.typ[0] <= 'Z'
		if critical || pngKeep[c.typ] {
			out = append(out, b[c.start:c.end]...)
		}
	}
	return out, nil
}

// icc returns the profile of the first iCCP chunk before IDAT,
// decompressed within maxICC.
func (p *pngFile) icc() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	b := p.b
	for _, c := range p.chunks {
		if c.typ == "IDAT" {
			break
		}
		if c.typ != "iCCP" {
			continue
		}
		d := c.data(b)
		i := bytes.IndexByte(d, 0)
		if i < 0 || i+2 > len(d) || d[i+1] != 0 {
			return nil, errors.New("metadata: png iCCP chunk is malformed")
		}
		icc, err := inflate(d[i+2:], maxICC)
		if err != nil {
			return nil, fmt.Errorf("metadata: png iCCP: %w", err)
		}
		return icc, nil
	}
	return nil, nil
}

// pngEmbedICC implements EmbedICC for PNG: an iCCP chunk right after IHDR,
// replacing any iCCP or sRGB chunk.
func pngEmbedICC(b, icc []byte) ([]byte, error) {
	chunks, end, err := parsePNG(b)
	if err != nil {
		return nil, err
	}
	if len(chunks) == 0 || chunks[0].typ != "IHDR" {
		return nil, errors.New("metadata: png does not start with IHDR")
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(icc)
	zw.Close()
	out := make([]byte, 0, len(b)+z.Len()+32)
	out = append(out, pngSignature...)
	out = append(out, b[chunks[0].start:chunks[0].end]...)
	out = append(out, pngChunkBytes("iCCP", []byte("ICC profile\x00\x00"), z.Bytes())...)
	for _, c := range chunks[1:] {
		if c.typ != "iCCP" && c.typ != "sRGB" {
			out = append(out, b[c.start:c.end]...)
		}
	}
	return append(out, b[end:]...), nil
}

// sources returns the EXIF (the first eXIf, else the first raw exif or
// APP1 profile) and the XMP of the PNG, with the damage met: a broken
// structure, XMP packets that do not decode.
func (p *pngFile) sources() (src sources, err error) {
	for _, c := range p.chunks {
		if c.typ == "eXIf" {
			_, src.exif = splitEXIF(c.data(p.b))
			break
		}
	}
	t := p.texts()
	if src.exif == nil {
		src.exif = t.rawEXIF
	}
	src.xmp = t.xmp
	var errs []error
	if p.err != nil {
		errs = append(errs, p.err)
	}
	return src, errors.Join(append(errs, t.xmpErrs...)...)
}
