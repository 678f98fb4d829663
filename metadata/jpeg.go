package metadata

import (
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
	mRST0  = 0xD0
	mRST7  = 0xD7
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
	jfxxHeader   = []byte("JFXX\x00")
	adobeHeader  = []byte("Adobe")
	mpfHeader    = []byte("MPF\x00")
)

// maxICCChunk is the most profile bytes one APP2 segment carries: 65535
// minus the length field, the signature and the sequence bytes.
const maxICCChunk = 0xFFFF - 2 - 12 - 2

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

// jpegKeep reports whether StripAll keeps a part: everything but APPn
// segments other than JFIF APP0, ICC APP2 and Adobe APP14, comments, the
// bytes decoders skip between segments (which may be the rest of a
// segment whose length is too short), and data after EOI.
func jpegKeep(data []byte, p jpegPart) bool {
	switch {
	case p.kind == partTrailing, p.kind == partJunk:
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

// icc reassembles the ICC profile from the APP2 segments before SOS. When
// one of them is followed by bytes decoders skip (or its length is below
// 2), the profile is returned only when it is as long as its header says.
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
	damaged := -1 // the offset of the first segment whose length disagrees with the file
	for _, p := range parts {
		if p.isSOS() {
			break
		}
		if !p.is(data, mAPP2, iccHeader) {
			continue
		}
		if p.damaged && damaged < 0 {
			damaged = p.start
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
	// Bytes to skip after a segment may be the rest of it: the profile
	// then holds all it should only when it is as long as its header says.
	if damaged >= 0 && (len(icc) < 4 || int64(binary.BigEndian.Uint32(icc)) != int64(len(icc))) {
		return nil, fmt.Errorf("metadata: jpeg ICC segment at offset %d: its length disagrees with the file, and the profile with its header", damaged)
	}
	return icc, nil
}

// jpegEmbedICC implements EmbedICC for JPEG: any ICC segments are replaced
// by the profile, split into APP2 segments after SOI and a JFIF APP0.
func jpegEmbedICC(data, icc []byte) ([]byte, error) {
	parts, _, err := parseJPEG(data)
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
// the segments before SOS, with the damage met after (or before) them. A
// segment whose length disagrees with the file is read as far as it goes
// (a length too short cuts the block, one too long adds bytes after it),
// as viewers read it: its orientation is usually in the first bytes. That
// damage is reported with the error.
func (j *jpegFile) sources() (src sources, err error) {
	data := j.data
	var errs []error
	for _, p := range j.firstSegments() {
		switch {
		case src.exif == nil && p.isEXIF(data):
			src.exif = p.payload(data)[len(exifHeader):]
		case src.xmp == nil && p.is(data, mAPP1, xmpHeader):
			src.xmp = p.payload(data)[len(xmpHeader):]
		default:
			continue
		}
		if p.damaged {
			errs = append(errs, fmt.Errorf("metadata: jpeg: APP1 segment at offset %d: its length disagrees with the file; read as far as it goes", p.start))
		}
	}
	return src, errors.Join(append(errs, j.err)...)
}

// firstSegments returns the parts before the first SOS.
func (j *jpegFile) firstSegments() []jpegPart {
	for i, p := range j.parts {
		if p.isSOS() {
			return j.parts[:i]
		}
	}
	return j.parts
}
