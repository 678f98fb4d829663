package metadata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/blobimage/blobimage/codecs"
)

func init() {
	register(codecs.JPEG, handler{parse: parseJPEGFile, embedICC: jpegEmbedICC})
}

// JPEG markers used here.
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mAPP0  = 0xE0
	mAPP1  = 0xE1
	mAPP2  = 0xE2
	mAPP13 = 0xED
	mAPP14 = 0xEE
	mAPP15 = 0xEF
	mCOM   = 0xFE
	mTEM   = 0x01
)

// APP segment signatures.
var (
	xmpHeader    = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExtHeader = []byte("http://ns.adobe.com/xmp/extension/\x00")
	iccHeader    = []byte("ICC_PROFILE\x00")
	jfifHeader   = []byte("JFIF\x00")
	adobeHeader  = []byte("Adobe")
	mpfHeader    = []byte("MPF\x00")
)

// maxICCChunk is the most profile bytes one APP2 segment carries: 65535
// minus the length field, the signature and the sequence bytes.
const maxICCChunk = 0xFFFF - 2 - 12 - 2

type partKind uint8

const (
	partSegment    partKind = iota // marker, length and payload
	partStandalone                 // a marker without a length (RSTn, TEM, EOI)
	partData                       // entropy-coded data, or bytes that could not be walked
	partTrailing                   // bytes after EOI
)

// jpegPart is one piece of a JPEG file, data[start:end]. The SOI marker is
// not a part.
type jpegPart struct {
	kind       partKind
	marker     byte
	start, end int
}

func (p jpegPart) payload(data []byte) []byte {
	if p.kind != partSegment {
		return nil
	}
	return data[p.start+4 : p.end]
}

func (p jpegPart) is(data []byte, marker byte, sig []byte) bool {
	return p.kind == partSegment && p.marker == marker && bytes.HasPrefix(p.payload(data), sig)
}

func (p jpegPart) isEXIF(data []byte) bool {
	return p.kind == partSegment && p.marker == mAPP1 && isEXIF(p.payload(data))
}

var errNotJPEG = errors.New("metadata: not a JPEG (no SOI marker)")

// parseJPEG splits data into parts. The marker segments before the first
// SOS must be well formed: a segment whose length runs past the end of
// data, or a missing marker, is an error, returned with the parts read
// before it. After SOS the entropy-coded data is scanned for markers; the
// segments between scans are walked the same way, and anything that cannot
// be walked there (a truncated file) is kept as one data part.
func parseJPEG(data []byte) ([]jpegPart, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != mSOI {
		return nil, errNotJPEG
	}
	var parts []jpegPart
	pos := 2
	for {
		if pos >= len(data) {
			return parts, fmt.Errorf("metadata: jpeg: no image data (SOS) before the end")
		}
		if data[pos] != 0xFF {
			return parts, fmt.Errorf("metadata: jpeg: expected a marker at offset %d, found 0x%02X", pos, data[pos])
		}
		for pos+1 < len(data) && data[pos+1] == 0xFF {
			pos++ // fill bytes
		}
		if pos+1 >= len(data) {
			return parts, fmt.Errorf("metadata: jpeg: truncated marker at offset %d", pos)
		}
		m := data[pos+1]
		switch {
		case m == mEOI:
			parts = append(parts, jpegPart{kind: partStandalone, marker: m, start: pos, end: pos + 2})
			if pos+2 < len(data) {
				parts = append(parts, jpegPart{kind: partTrailing, start: pos + 2, end: len(data)})
			}
			return parts, nil
		case m == mTEM || m >= 0xD0 && m <= 0xD7:
			parts = append(parts, jpegPart{kind: partStandalone, marker: m, start: pos, end: pos + 2})
			pos += 2
			continue
		case m == 0x00 || m == mSOI:
			return parts, fmt.Errorf("metadata: jpeg: unexpected marker 0xFF%02X at offset %d", m, pos)
		}
		if pos+4 > len(data) {
			return parts, fmt.Errorf("metadata: jpeg: segment 0xFF%02X at offset %d: truncated length", m, pos)
		}
		n := int(binary.BigEndian.Uint16(data[pos+2:]))
		if n < 2 {
			return parts, fmt.Errorf("metadata: jpeg: segment 0xFF%02X at offset %d: invalid length %d", m, pos, n)
		}
		if pos+2+n > len(data) {
			return parts, fmt.Errorf("metadata: jpeg: segment 0xFF%02X at offset %d: length %d runs past the end (%d bytes)", m, pos, n, len(data))
		}
		parts = append(parts, jpegPart{kind: partSegment, marker: m, start: pos, end: pos + 2 + n})
		pos += 2 + n
		if m == mSOS {
			return scanJPEG(data, pos, parts), nil
		}
	}
}

// scanJPEG walks data from pos, just after the first SOS segment.
func scanJPEG(data []byte, pos int, parts []jpegPart) []jpegPart {
	rest := func(from int) []jpegPart {
		if from < len(data) {
			parts = append(parts, jpegPart{kind: partData, start: from, end: len(data)})
		}
		return parts
	}
	for {
		// Entropy-coded data runs to the next 0xFF not followed by a
		// stuffed zero, a restart marker or another fill byte.
		i := pos
		for {
			j := bytes.IndexByte(data[i:], 0xFF)
			if j < 0 {
				return rest(pos)
			}
			i += j
			k := i + 1
			for k < len(data) && data[k] == 0xFF {
				k++
			}
			if k >= len(data) {
				return rest(pos)
			}
			if m := data[k]; m == 0x00 || m >= 0xD0 && m <= 0xD7 {
				i = k + 1
				continue
			}
			i = k - 1
			break
		}
		if i > pos {
			parts = append(parts, jpegPart{kind: partData, start: pos, end: i})
		}
		pos = i
		m := data[pos+1]
		switch {
		case m == mEOI:
			parts = append(parts, jpegPart{kind: partStandalone, marker: m, start: pos, end: pos + 2})
			if pos+2 < len(data) {
				parts = append(parts, jpegPart{kind: partTrailing, start: pos + 2, end: len(data)})
			}
			return parts
		case m == mTEM:
			parts = append(parts, jpegPart{kind: partStandalone, marker: m, start: pos, end: pos + 2})
			pos += 2
			continue
		}
		if pos+4 > len(data) {
			return rest(pos)
		}
		n := int(binary.BigEndian.Uint16(data[pos+2:]))
		if n < 2 || pos+2+n > len(data) {
			return rest(pos)
		}
		parts = append(parts, jpegPart{kind: partSegment, marker: m, start: pos, end: pos + 2 + n})
		pos += 2 + n
	}
}

// jpegFile is a JPEG split into parts once.
type jpegFile struct {
	data  []byte
	parts []jpegPart
	// err is the damage that stopped the walk before the image data
	// (SOS): parts then holds the segments before it.
	err error
}

// parseJPEGFile walks data once; only data that does not start with SOI
// is refused.
func parseJPEGFile(data []byte) (container, error) {
	parts, err := parseJPEG(data)
	if err == errNotJPEG {
		return nil, err
	}
	return &jpegFile{data: data, parts: parts, err: err}, nil
}

// segment returns a marker segment with the given payload.
func segment(marker byte, payload ...[]byte) []byte {
	n := 2
	for _, p := range payload {
		n += len(p)
	}
	out := make([]byte, 4, 2+n)
	out[0], out[1] = 0xFF, marker
	binary.BigEndian.PutUint16(out[2:], uint16(n))
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

// stripGPS rewrites the EXIF segments holding a GPS IFD and drops the
// XMP, extended XMP and Photoshop segments that mention GPS; like trim, it
// ends the file at EOI.
func (j *jpegFile) stripGPS() ([]byte, error) {
	if j.err != nil {
		return nil, j.err
	}
	data, parts := j.data, j.parts
	repl := map[int][]byte{} // part index → replacement; nil drops it
	var ext []int            // extended XMP segments
	for i, p := range parts {
		pl := p.payload(data)
		switch {
		case p.isEXIF(data):
			nt, found, err := stripPayloadGPS(pl, len(exifHeader))
			if err != nil {
				return nil, fmt.Errorf("metadata: jpeg EXIF at offset %d: %w", p.start, err)
			}
			if found {
				repl[i] = segment(mAPP1, nt)
			}
		case p.is(data, mAPP1, xmpExtHeader):
			ext = append(ext, i)
		case p.kind == partSegment && p.marker == mAPP1:
			// XMP, or anything else but EXIF: dropped if it mentions GPS.
			if hasGPSText(pl) {
				repl[i] = nil
			}
		case p.kind == partSegment && p.marker == mAPP13:
			if irbHasGPS(pl) {
				repl[i] = nil
			}
		}
	}
	if extendedXMPHasGPS(data, parts, ext) {
		for _, i := range ext {
			repl[i] = nil
		}
	}
	return j.rebuild(repl), nil
}

// trim returns the file up to the EOI that ends the image, without the
// MPF segment when that drops the images it lists. A file without EOI (a
// truncated one) is returned whole: where its scan data ends cannot be
// told without decoding it.
func (j *jpegFile) trim() ([]byte, error) {
	if j.err != nil {
		return nil, j.err
	}
	return j.rebuild(nil), nil
}

// rebuild returns the file with the parts in repl replaced (nil drops
// them), ending at EOI: bytes after it go, and with them the MPF segment
// that lists the images among them. Without a change to make it returns
// the parsed bytes or, when only bytes after EOI go, a prefix of them.
func (j *jpegFile) rebuild(repl map[int][]byte) []byte {
	data, parts := j.data, j.parts
	end := len(data)
	if n := len(parts); n > 0 && parts[n-1].kind == partTrailing {
		end = parts[n-1].start
	}
	mpf := false // an MPF segment to drop with the bytes after EOI
	if end < len(data) {
		for _, p := range parts {
			mpf = mpf || p.is(data, mAPP2, mpfHeader)
		}
	}
	if len(repl) == 0 && !mpf {
		return prefix(data, end)
	}
	out := make([]byte, 0, end)
	out = append(out, 0xFF, mSOI)
	for i, p := range parts {
		if r, ok := repl[i]; ok {
			out = append(out, r...)
			continue
		}
		if p.kind == partTrailing || mpf && p.is(data, mAPP2, mpfHeader) {
			continue
		}
		out = append(out, data[p.start:p.end]...)
	}
	return out
}

// extendedXMPHasGPS reports whether the extended XMP held by the segments
// parts[ext] mentions GPS. The packet is split across segments (each with
// a GUID, the full length and an offset), so the pieces are put back in
// order before searching: a property name may straddle two segments.
func extendedXMPHasGPS(data []byte, parts []jpegPart, ext []int) bool {
	type piece struct {
		guid string
		off  uint32
		b    []byte
	}
	var ps []piece
	for _, i := range ext {
		pl := parts[i].payload(data)[len(xmpExtHeader):]
		if len(pl) < 40 {
			ps = append(ps, piece{b: pl})
			continue
		}
		ps = append(ps, piece{string(pl[:32]), binary.BigEndian.Uint32(pl[36:]), pl[40:]})
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].guid != ps[j].guid {
			return ps[i].guid < ps[j].guid
		}
		return ps[i].off < ps[j].off
	})
	var all []byte
	for _, p := range ps {
		all = append(all, p.b...)
	}
	return hasGPSText(all)
}

// irbHasGPS reports whether a Photoshop APP13 payload ("Photoshop 3.0\0"
// and 8BIM image resources) holds XMP mentioning GPS (resource 0x0424) or
// EXIF with a GPS IFD (0x0422, 0x0423). Resources that cannot be walked
// are searched as text.
func irbHasGPS(p []byte) bool {
	const sig = "Photoshop 3.0\x00"
	if !bytes.HasPrefix(p, []byte(sig)) {
		return hasGPSText(p)
	}
	return resourcesHaveGPS(p[len(sig):])
}

// resourcesHaveGPS walks 8BIM image resources: signature, ID, a padded
// Pascal name, a size and padded data.
func resourcesHaveGPS(b []byte) bool {
	for pos := 0; pos < len(b); {
		if pos+7 > len(b) || string(b[pos:pos+4]) != "8BIM" {
			return hasGPSText(b[pos:])
		}
		id := binary.BigEndian.Uint16(b[pos+4:])
		nameLen := int(b[pos+6])
		p := pos + 6 + (1+nameLen+1)&^1
		if p+4 > len(b) {
			return hasGPSText(b[pos:])
		}
		n := int(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if n < 0 || n > len(b)-p {
			return hasGPSText(b[pos:])
		}
		d := b[p : p+n]
		switch id {
		case 0x0424:
			if hasGPSText(d) {
				return true
			}
		case 0x0422, 0x0423:
			_, tiff := splitEXIF(d)
			if has, err := tiffHasGPS(tiff); has || err != nil {
				return true
			}
		}
		pos = p + n + n&1
	}
	return false
}

// jpegKeep reports whether StripAll keeps a part: everything but APPn
// segments other than JFIF APP0, ICC APP2 and Adobe APP14, comments, and
// data after EOI.
func jpegKeep(data []byte, p jpegPart) bool {
	switch {
	case p.kind == partTrailing:
		return false
	case p.kind != partSegment:
		return true
	case p.marker == mCOM:
		return false
	case p.marker >= mAPP0 && p.marker <= mAPP15:
		return p.is(data, mAPP0, jfifHeader) || p.is(data, mAPP2, iccHeader) || p.is(data, mAPP14, adobeHeader)
	}
	return true
}

// stripAll keeps what jpegKeep keeps, with an orientation-only EXIF
// segment after SOI and JFIF when orientation is 2–8.
func (j *jpegFile) stripAll(orientation int) ([]byte, error) {
	if j.err != nil {
		return nil, j.err
	}
	data, parts := j.data, j.parts
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, mSOI)
	rest := parts
	if len(parts) > 0 && parts[0].is(data, mAPP0, jfifHeader) {
		out = append(out, data[parts[0].start:parts[0].end]...)
		rest = parts[1:]
	}
	if orientation >= 2 && orientation <= 8 {
		out = append(out, segment(mAPP1, exifHeader, orientationTIFF(orientation))...)
	}
	for _, p := range rest {
		if jpegKeep(data, p) {
			out = append(out, data[p.start:p.end]...)
		}
	}
	return out, nil
}

// icc reassembles the ICC profile from the APP2 segments before SOS.
func (j *jpegFile) icc() ([]byte, error) {
	if j.err != nil {
		return nil, j.err
	}
	data, parts := j.data, j.parts
	type chunk struct {
		seq  int
		data []byte
	}
	var chunks []chunk
	total := -1
	size := 0
	for _, p := range parts {
		if p.kind == partSegment && p.marker == mSOS {
			break
		}
		if !p.is(data, mAPP2, iccHeader) {
			continue
		}
		pl := p.payload(data)[len(iccHeader):]
		if len(pl) < 2 {
			return nil, fmt.Errorf("metadata: jpeg ICC segment at offset %d is truncated", p.start)
		}
		seq, n := int(pl[0]), int(pl[1])
		if n == 0 || seq == 0 || seq > n || total >= 0 && n != total {
			return nil, fmt.Errorf("metadata: jpeg ICC segment at offset %d: invalid sequence %d of %d", p.start, seq, n)
		}
		total = n
		size += len(pl) - 2
		if size > maxICC {
			return nil, fmt.Errorf("metadata: jpeg ICC profile larger than %d bytes", maxICC)
		}
		chunks = append(chunks, chunk{seq, pl[2:]})
	}
	if len(chunks) == 0 {
		return nil, nil
	}
	if len(chunks) != total {
		return nil, fmt.Errorf("metadata: jpeg ICC profile has %d of its %d segments", len(chunks), total)
	}
	sort.SliceStable(chunks, func(i, j int) bool { return chunks[i].seq < chunks[j].seq })
	icc := make([]byte, 0, size)
	for i, c := range chunks {
		if c.seq != i+1 {
			return nil, fmt.Errorf("metadata: jpeg ICC segment %d appears twice", c.seq)
		}
		icc = append(icc, c.data...)
	}
	return icc, nil
}

// jpegEmbedICC implements EmbedICC for JPEG: any ICC segments are replaced
// by the profile, split into APP2 segments after SOI and a JFIF APP0.
func jpegEmbedICC(data, icc []byte) ([]byte, error) {
	parts, err := parseJPEG(data)
	if err != nil {
		return nil, err
	}
	n := (len(icc) + maxICCChunk - 1) / maxICCChunk
	if n > 255 {
		return nil, fmt.Errorf("metadata: ICC profile of %d bytes does not fit in 255 JPEG segments", len(icc))
	}
	out := make([]byte, 0, len(data)+len(icc)+n*18)
	out = append(out, 0xFF, mSOI)
	rest := parts
	if len(parts) > 0 && parts[0].is(data, mAPP0, jfifHeader) {
		out = append(out, data[parts[0].start:parts[0].end]...)
		rest = parts[1:]
	}
	for i := range n {
		chunk := icc[i*maxICCChunk : min(len(icc), (i+1)*maxICCChunk)]
		out = append(out, segment(mAPP2, iccHeader, []byte{byte(i + 1), byte(n)}, chunk)...)
	}
	for _, p := range rest {
		if !p.is(data, mAPP2, iccHeader) {
			out = append(out, data[p.start:p.end]...)
		}
	}
	return out, nil
}

// sources returns the first EXIF TIFF block and the first XMP packet of
// the segments before SOS, with the damage met after (or before) them.
func (j *jpegFile) sources() (src sources, err error) {
	data := j.data
	for _, p := range j.parts {
		if p.kind == partSegment && p.marker == mSOS {
			break
		}
		switch {
		case src.exif == nil && p.isEXIF(data):
			src.exif = p.payload(data)[len(exifHeader):]
		case src.xmp == nil && p.is(data, mAPP1, xmpHeader):
			src.xmp = p.payload(data)[len(xmpHeader):]
		}
	}
	return src, j.err
}
