package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
)

// HEIF (HEIC, AVIF) keeps metadata in items of the meta box: an Exif item
// (a 4-byte offset, then the TIFF structure) and mime items, XMP among
// them (content type application/rdf+xml). The colour profile is a colr
// property of the primary image. The orientation is not EXIF's but the
// irot and imir properties, which the decoder applies: StripAll writes no
// orientation.
func init() {
	h := handler{parse: parseHEIFFile, embedICC: heif.EmbedICC}
	for _, f := range []codecs.Format{codecs.HEIC, codecs.HEIF, codecs.AVIF} {
		register(f, h)
	}
}

// heifFile is a HEIF container parsed once by codecs/heif.
type heifFile struct {
	data  []byte
	f     *heif.File
	items []heif.MetadataItem // Exif and mime items whose data is in the file

	srcOnce sync.Once
	src     sources
	srcErr  error
}

// parseHEIFFile parses the container. Unlike the other formats, a HEIF
// container damaged anywhere is refused as a whole: its items cannot be
// located without the whole meta box. So is one whose items' data add up
// to more than the file (checkItemBytes), before any of it is copied.
func parseHEIFFile(data []byte) (container, error) {
	f, err := heif.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if err := checkItemBytes(data, f); err != nil {
		return nil, err
	}
	return &heifFile{data: data, f: f, items: f.MetadataItems()}, nil
}

// sources returns the TIFF structure of the primary image's Exif item and
// its XMP packet (decompressed when stored deflated), once.
func (h *heifFile) sources() (sources, error) {
	h.srcOnce.Do(func() {
		var errs []error
		exif, err := h.f.Exif()
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata: %w", err))
		}
		xmp, err := h.f.XMP()
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata: %w", err))
		}
		h.src, h.srcErr = sources{exif: exif, xmp: xmp}, errors.Join(errs...)
	})
	return h.src, h.srcErr
}

// icc returns a copy of the primary image's ICC profile (colr of type prof
// or rICC).
func (h *heifFile) icc() ([]byte, error) {
	p := h.f.ICC()
	if len(p) > maxICC {
		return nil, fmt.Errorf("metadata: heif ICC profile larger than %d bytes", maxICC)
	}
	return bytes.Clone(p), nil
}

// stripGPS unlinks the GPS IFD of every Exif item in place (the item keeps
// its length) and drops the mime items (XMP) that mention GPS or cannot be
// decoded; the file is then rebuilt around the same coded image data.
// Without GPS it is trimmed as Trim does.
func (h *heifFile) stripGPS() ([]byte, error) {
	replace := map[uint32][]byte{}
	drop := map[uint32]bool{}
	budget := maxMeta // bytes all deflated mime items may inflate to
	for _, m := range h.items {
		switch m.Type {
		case "Exif":
			if m.TIFFOffset < 0 {
				return nil, fmt.Errorf("metadata: heif Exif item %d: no TIFF header", m.ID)
			}
			out, found, err := stripPayloadGPS(m.Data, m.TIFFOffset)
			if err != nil {
				return nil, fmt.Errorf("metadata: heif Exif item %d: %w", m.ID, err)
			}
			if found {
				replace[m.ID] = out
			}
		case "mime":
			if h.mimeHasGPS(m, &budget) {
				drop[m.ID] = true
			}
		}
	}
	if len(replace) == 0 && len(drop) == 0 {
		return h.trim()
	}
	return h.rewrite(replace, drop)
}

// mimeHasGPS reports whether a mime item (XMP, usually) mentions GPS, or
// is encoded in a way that cannot be read, which counts as mentioning it.
// Deflated items inflate within *budget, shared by all the items of the
// file, so that thousands of small bombs cost no more than one: an item
// beyond it counts as unreadable, and after one that fails to inflate
// (which may have used the whole budget) so do the rest.
func (h *heifFile) mimeHasGPS(m heif.MetadataItem, budget *int) bool {
	it, _ := h.f.Item(m.ID)
	switch it.ContentEncoding {
	case "":
		return hasGPSText(m.Data)
	case "deflate":
		text, err := inflate(m.Data, *budget)
		if err != nil {
			*budget = 0
			return true
		}
		*budget -= len(text)
		return hasGPSText(text)
	}
	return true
}

// stripAll drops every Exif and mime item; the file is rebuilt around the
// same coded image data. The orientation is not written: HEIF's is in
// irot and imir, which are kept.
func (h *heifFile) stripAll(int) ([]byte, error) {
	drop := map[uint32]bool{}
	for _, it := range h.f.Items() {
		if it.Type == "Exif" || it.Type == "mime" {
			drop[it.ID] = true
		}
	}
	return h.rewrite(nil, drop)
}
