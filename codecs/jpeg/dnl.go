package jpeg

import "io"

// A frame header may give the height as 0 and leave it to a DNL segment
// right after the first scan (ITU T.81 B.2.5): scanners and hardware
// encoders that do not know the height in advance write such files.
// libjpeg refuses them ("Empty JPEG image (DNL not supported)"); this
// decoder reads the height ahead. It needs the height before it decodes
// anything, to size the planes, so at the start of the first scan it
// looks for the marker that ends the scan, keeping the scan's
// entropy-coded data in its buffer: the buffer grows to the size of the
// first scan, which is bounded by the input's. DecodeConfig reads the
// same way, discarding the data, and reports the height found, so that
// callers check it against their limits before Decode allocates
// anything.
//
// A DNL segment anywhere else, or when the frame header gives the
// height, is ignored, as libjpeg ignores them all.

// readDNL sets the height of a frame whose header says 0 from the DNL
// segment that ends its first scan, reading ahead from the start of the
// scan's entropy-coded data. With keep, the data stays in the buffer, to
// be decoded; without, it is consumed (DecodeConfig). When the first scan
// is followed by another marker, or by the end of the input, the height
// stays 0 and the image is empty, as image/jpeg makes it.
func (d *decoder) readDNL(keep bool) error {
	br := &d.br
	marker, at, err := br.findMarker(keep)
	if err == io.ErrUnexpectedEOF || err == nil && marker != decDNL {
		return nil
	}
	if err != nil {
		return err
	}
	if err := br.ensure(at + 6); err != nil {
		return err
	}
	p := br.buf[br.pos+at+2 : br.pos+at+6]
	if p[0] != 0 || p[1] != 4 {
		return FormatError("DNL has wrong length")
	}
	d.height = int(p[2])<<8 | int(p[3])
	d.layout()
	return nil
}

// findMarker finds the marker that ends the entropy-coded data starting
// at the read position, passing over stuffed zero bytes, fill bytes and
// restart markers. It returns the marker and the offset of its 0xFF from
// the read position. With keep, the read position stays and the buffer
// grows to hold everything up to the marker; without, the bytes before
// the marker are consumed.
func (br *decBitReader) findMarker(keep bool) (marker byte, at int, err error) {
	i := br.pos
	for {
		for ; i+1 < br.end; i++ {
			if br.buf[i] != 0xff {
				continue
			}
			m := br.buf[i+1]
			if m == 0 || m == 0xff || decRST0 <= m && m <= decRST7 {
				continue
			}
			return m, i - br.pos, nil
		}
		// Need more input; i is the first byte not yet looked at as the
		// start of a marker.
		if !keep {
			br.pos = i
		}
		if br.pos == 0 && br.end == len(br.buf) {
			br.grow()
		}
		old := br.pos
		if !br.fill() {
			return 0, 0, br.err
		}
		i -= old - br.pos // fill moved the unread bytes to the start
	}
}

// ensure makes sure that the buffer holds at least n unread bytes.
func (br *decBitReader) ensure(n int) error {
	for br.end-br.pos < n {
		if br.pos == 0 && br.end == len(br.buf) || n > len(br.buf) {
			br.grow()
		}
		if !br.fill() {
			return br.err
		}
	}
	return nil
}

// grow doubles the buffer, keeping its unread bytes.
func (br *decBitReader) grow() {
	buf := make([]byte, 2*len(br.buf))
	br.end = copy(buf, br.buf[br.pos:br.end])
	br.pos = 0
	br.buf = buf
}
