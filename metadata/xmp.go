package metadata

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// checkXMP reports why the XMP packet p cannot be read, or nil: it must be
// UTF-8 XML (after the padding of NULs and white space writers leave
// after it) with at least one element, every element closed by its own
// end tag. A packet in UTF-16 or UTF-32, which the XMP specification
// allows elsewhere than in JPEG, is refused: StripGPS searches packets for
// "gps" as UTF-8 text, which would miss it there. Packets larger than
// maxXMPRead, which Read does not read, are only checked to be UTF-8
// without NULs, to bound the time spent.
func checkXMP(p []byte) error {
	p = bytes.TrimRight(p, "\x00 \t\r\n")
	if len(p) == 0 {
		return errors.New("empty packet")
	}
	if bytes.IndexByte(p, 0) >= 0 || !utf8.Valid(p) {
		return errors.New("not UTF-8 text")
	}
	if len(p) > maxXMPRead {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(p))
	d.Strict = true
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if elements == 0 {
		return errors.New("no XML element")
	}
	return nil
}
