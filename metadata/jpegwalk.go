package metadata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// The walk of a JPEG's segments finds the segments decoders find, so that
// the rewrites accept every file the decoders accept (libjpeg's jdmarker.c:
// next_marker, read_markers and skip_variable; image/jpeg and codecs/jpeg
// walk the same way):
//
//   - a segment's length is trusted: the walk goes on right after it, as
//     decoders skip APPn and COM segments by their length without looking
//     at their content. A length too short leaves the rest of the segment
//     where a marker should be, one too long swallows the start of what
//     follows (even SOF, DHT or DQT segments: a decoder that then misses
//     a table refuses the file, and the rewrites need not do better);
//   - bytes where a marker should be that are not one (anything but FF,
//     FF 00 pairs, and the RSTn and TEM markers, which take no parameters
//     and which libjpeg ignores there) are extraneous: libjpeg skips them
//     to the next marker with the warning "Corrupt JPEG data: N extraneous
//     bytes before marker", and image/jpeg and codecs/jpeg skip them
//     silently. They are junk parts, which every rewrite but Trim leaves
//     out: after a length too short they are the rest of the segment, and
//     may hold anything it held;
//   - fill bytes (FF FF …) before a marker are legal (ITU T.81 B.1.1.2)
//     and belong to no part: a rewrite that rebuilds the file leaves them
//     out;
//   - a length below 2 is skipped as libjpeg skips an APPn or COM segment
//     with one: nothing but the length field is read, and what follows is
//     extraneous (image/jpeg and codecs/jpeg refuse it);
//   - when the length cannot be trusted because it runs past the end of the
//     file, there is nothing to resync on: before the first scan that is a
//     file without an image, which libjpeg refuses ("JPEG datastream
//     contains no image", after the fake EOI its source manager inserts at
//     the end) as codecs/jpeg and image/jpeg do (an unexpected EOF), and
//     the walk fails too; so does a file ending before its first scan, or
//     a second SOI there. After the first scan the same damage is a
//     truncated file, which decoders show as far as it goes: what remains
//     is kept as one part, to the end of the file.
//
// Entropy-coded data runs from the end of an SOS segment to the first
// marker that is neither a stuffed zero (FF 00) nor a restart (RSTn); the
// fill bytes before that marker stay in the data, byte for byte.
//
// Every byte is looked at a bounded number of times (the walk never goes
// back), so the walk is linear in the size of the file whatever it holds;
// the warnings it keeps are bounded by maxWarnings.

type partKind uint8

const (
	partSegment    partKind = iota // marker, length and payload
	partStandalone                 // a marker without a length (EOI)
	partData                       // entropy-coded data, or a segment cut short after the first scan
	partJunk                       // what decoders skip before a marker: extraneous bytes, stray RSTn and TEM
	partTrailing                   // bytes after EOI
)

// jpegPart is one piece of a JPEG file, data[start:end]. The SOI marker is
// not a part, nor are fill bytes before a marker.
type jpegPart struct {
	kind       partKind
	marker     byte
	start, end int
	// damaged marks a segment whose length disagrees with the file: below
	// 2, running past the end of the file (after the first scan), or
	// followed by extraneous bytes that are not zero padding (a length
	// too short leaves the rest of the content there; one too long has
	// swallowed the start of the next segment).
	damaged bool
}

// payload returns the bytes after the length field (none for a length
// below 2).
func (p jpegPart) payload(data []byte) []byte {
	if p.kind != partSegment {
		return nil
	}
	return data[min(p.start+4, p.end):p.end]
}

// is reports whether p is a marker segment whose payload starts with sig.
func (p jpegPart) is(data []byte, marker byte, sig []byte) bool {
	return p.kind == partSegment && p.marker == marker && bytes.HasPrefix(p.payload(data), sig)
}

// isEXIF reports whether p is an APP1 segment holding EXIF.
func (p jpegPart) isEXIF(data []byte) bool {
	return p.kind == partSegment && p.marker == mAPP1 && isEXIF(p.payload(data))
}

// isAPP reports whether p is an APPn segment.
func (p jpegPart) isAPP() bool {
	return p.kind == partSegment && p.marker >= mAPP0 && p.marker <= mAPP15
}

// isSOS reports whether p is a start-of-scan segment.
func (p jpegPart) isSOS() bool {
	return p.kind == partSegment && p.marker == mSOS
}

var errNotJPEG = errors.New("metadata: not a JPEG (no SOI marker)")

// jpegWalk is the state of parseJPEG.
type jpegWalk struct {
	data  []byte
	parts []jpegPart
	warns warnings
	// scans is the number of SOS segments met.
	scans int
}

func (w *jpegWalk) add(p jpegPart) { w.parts = append(w.parts, p) }

// parseJPEG splits data into parts, as described above. The damage it
// tolerates is described by the warnings; a file decoders refuse (cut or
// broken before its first scan) is an error, returned with the parts read
// before it.
func parseJPEG(data []byte) ([]jpegPart, *warnings, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != mSOI {
		return nil, nil, errNotJPEG
	}
	w := &jpegWalk{data: data}
	err := w.walk()
	return w.parts, &w.warns, err
}

// walk adds the parts from just after SOI to the end of the file.
func (w *jpegWalk) walk() error {
	data := w.data
	pos := 2
	for {
		skipped, at, ok := nextMarker(data, pos)
		if skipped > pos {
			w.junk(pos, skipped, at, ok)
		}
		if !ok {
			if w.scans == 0 {
				return errors.New("metadata: jpeg: no image data (SOS) before the end")
			}
			return nil
		}
		m := data[at+1]
		switch {
		case m == mEOI:
			w.add(jpegPart{kind: partStandalone, marker: m, start: at, end: at + 2})
			if at+2 < len(data) {
				w.add(jpegPart{kind: partTrailing, start: at + 2, end: len(data)})
			}
			return nil
		case m == mSOI && w.scans == 0:
			return fmt.Errorf("metadata: jpeg: a second SOI marker at offset %d", at)
		}
		if at+4 > len(data) {
			if w.scans == 0 {
				return fmt.Errorf("metadata: jpeg: segment 0xFF%02X at offset %d: truncated length", m, at)
			}
			w.add(jpegPart{kind: partData, start: at, end: len(data)})
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[at+2:]))
		switch {
		case n < 2:
			w.warns.addf("metadata: jpeg: segment 0xFF%02X at offset %d declares a length of %d, less than the length field itself", m, at, n)
			w.add(jpegPart{kind: partSegment, marker: m, start: at, end: at + 4, damaged: true})
			pos = at + 4
			continue
		case at+2+n > len(data):
			if w.scans == 0 {
				return fmt.Errorf("metadata: jpeg: segment 0xFF%02X at offset %d: length %d runs past the end (%d bytes)", m, at, n, len(data))
			}
			w.warns.addf("metadata: jpeg: segment 0xFF%02X at offset %d: length %d runs past the end of the file (%d bytes)", m, at, n, len(data))
			p := jpegPart{kind: partSegment, marker: m, start: at, end: len(data), damaged: true}
			if !p.isAPP() && m != mCOM {
				p.kind = partData
			}
			w.add(p)
			return nil
		}
		w.add(jpegPart{kind: partSegment, marker: m, start: at, end: at + 2 + n})
		pos = at + 2 + n
		if m == mSOS {
			w.scans++
			end, ok := entropyEnd(data, pos)
			if end > pos {
				w.add(jpegPart{kind: partData, start: pos, end: end})
			}
			if !ok {
				return nil // a file cut in its scan data, kept as it is
			}
			pos = end
		}
	}
}

// junk records data[from:to], bytes decoders skip before the marker at
// offset next (ok false: before the end of the file), and marks the
// segment before them damaged unless they are zero padding or stray
// markers.
func (w *jpegWalk) junk(from, to, next int, ok bool) {
	data := w.data
	discarded, padding := 0, true
	for i := from; i < to; i++ {
		if data[i] != 0xFF {
			discarded++
			padding = padding && data[i] == 0
			continue
		}
		for i+1 < to && data[i+1] == 0xFF {
			i++
		}
		if i+1 < to {
			i++ // FF 00, or a stray RSTn or TEM
			if data[i] == 0 {
				discarded += 2
				padding = false
			}
		}
	}
	if discarded > 0 {
		if ok {
			w.warns.addf("metadata: jpeg: %d extraneous bytes before marker 0xFF%02X at offset %d, skipped as decoders skip them", discarded, data[next+1], next)
		} else {
			w.warns.addf("metadata: jpeg: %d extraneous bytes at offset %d, at the end of the file without EOI", discarded, from)
		}
		if n := len(w.parts); n > 0 && !padding && w.parts[n-1].kind == partSegment {
			w.parts[n-1].damaged = true
		}
	}
	w.add(jpegPart{kind: partJunk, start: from, end: to})
}

// nextMarker finds the marker decoders find from pos outside entropy-coded
// data, as libjpeg's next_marker does, also skipping the RSTn and TEM
// markers read_markers ignores there. It returns where the bytes skipped
// end (fill bytes before the marker are not counted among them), and the
// offset of the marker (of the FF right before its code); ok is false when
// the data ends first, and then all from pos is skipped.
func nextMarker(data []byte, pos int) (skipped, marker int, ok bool) {
	for i := pos; ; {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 {
			return len(data), 0, false
		}
		run := i + j
		k := run + 1
		for k < len(data) && data[k] == 0xFF {
			k++
		}
		if k >= len(data) {
			return len(data), 0, false
		}
		if m := data[k]; m == 0 || m == mTEM || isRST(m) {
			i = k + 1
			continue
		}
		return run, k - 1, true
	}
}

// entropyEnd returns the offset of the marker that ends the entropy-coded
// data starting at pos: the FF right before the first marker code that is
// not a stuffed zero or a restart (the fill bytes before it are part of the
// data). ok is false when the data runs to the end of the file, and then
// the offset is the end of the file.
func entropyEnd(data []byte, pos int) (int, bool) {
	for i := pos; ; {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 {
			return len(data), false
		}
		k := i + j + 1
		for k < len(data) && data[k] == 0xFF {
			k++
		}
		if k >= len(data) {
			return len(data), false
		}
		if m := data[k]; m != 0 && !isRST(m) {
			return k - 1, true
		}
		i = k + 1
	}
}

// isRST reports whether m is a restart marker's code.
func isRST(m byte) bool { return m >= mRST0 && m <= mRST7 }

// jpegFile is a JPEG split into parts once.
type jpegFile struct {
	data  []byte
	parts []jpegPart
	// err is the damage that stopped the walk before the image data
	// (SOS): parts then holds the segments before it.
	err error
	// warns is the damage the walk tolerated.
	warns *warnings

	planOnce sync.Once
	plan     *jpegPlan
}

// parseJPEGFile walks data once; only data that does not start with SOI
// is refused.
func parseJPEGFile(data []byte) (container, error) {
	parts, warns, err := parseJPEG(data)
	if err == errNotJPEG {
		return nil, err
	}
	return &jpegFile{data: data, parts: parts, err: err, warns: warns}, nil
}

// warnings implements warner: the damage the walk tolerated and, for
// StripGPS, the segments it drops because it cannot parse them.
func (j *jpegFile) warnings(op string) []string {
	if op != opStripGPS || j.err != nil {
		return joinWarnings(j.warns)
	}
	return joinWarnings(j.warns, &j.gpsPlan().warns)
}
