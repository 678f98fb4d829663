package metadata

import (
	"encoding/binary"
	"fmt"
	"maps"
	"sort"
)

// jpegPlan is what StripGPS does to a JPEG's parts, worked out once.
type jpegPlan struct {
	// repl maps a part's index to its replacement; nil drops the part.
	repl map[int][]byte
	// exif is the index of the EXIF segment Metadata reads (the first
	// before SOS) when it is dropped, so that an orientation-only EXIF
	// segment can take its place; -1 otherwise.
	exif  int
	warns warnings
}

// drop drops part i, with a warning when why is not empty.
func (pl *jpegPlan) drop(i int, p jpegPart, why string, args ...any) {
	pl.repl[i] = nil
	if why != "" {
		pl.warns.addf("metadata: jpeg: segment 0xFF%02X at offset %d: %s; StripGPS drops it", p.marker, p.start, fmt.Sprintf(why, args...))
	}
}

// jpegHarmless reports whether StripGPS keeps a segment even when its
// length is damaged: one that is not APPn (COM, and what the coded image
// is made of), or an APPn segment that decoders read and that holds no
// position (JFIF and JFXX APP0, ICC APP2, Adobe APP14).
func jpegHarmless(data []byte, p jpegPart) bool {
	if !p.isAPP() {
		return true
	}
	return p.is(data, mAPP0, jfifHeader) || p.is(data, mAPP0, jfxxHeader) ||
		p.is(data, mAPP2, iccHeader) || p.is(data, mAPP14, adobeHeader)
}

// gpsPlan works out, once, what StripGPS drops and rewrites:
//
//   - the bytes decoders skip between segments (junk parts: they may be
//     the rest of a segment whose length is too short);
//   - APPn segments whose length disagrees with the file (see
//     jpegPart.damaged), but for JFIF, ICC and Adobe ones: what they hold
//     cannot be told apart from what follows or is missing;
//   - EXIF segments: the GPS IFD unlinked and zeroed; the segment dropped
//     when its structure cannot be walked safely;
//   - XMP segments that mention GPS or are not XML, and all extended XMP
//     segments when the packets they make up mention GPS or cannot be put
//     together;
//   - Photoshop APP13 segments, put together (Photoshop splits large
//     resource blocks), when a resource holds GPS or the resources cannot
//     be walked;
//   - other APP1 and APP13 segments that mention GPS.
//
// Everything else, the coded image and COM segments included, is kept
// byte for byte.
func (j *jpegFile) gpsPlan() *jpegPlan {
	j.planOnce.Do(func() {
		pl := &jpegPlan{repl: map[int][]byte{}, exif: -1}
		data, parts := j.data, j.parts
		var ext, ps []int // extended XMP and Photoshop segments
		firstEXIF := -1   // the EXIF segment Metadata reads
		for i, p := range j.firstSegments() {
			if p.isEXIF(data) {
				firstEXIF = i
				break
			}
		}
		for i, p := range parts {
			if p.kind == partJunk {
				pl.repl[i] = nil
				continue
			}
			if p.kind != partSegment {
				continue
			}
			body := p.payload(data)
			switch {
			case p.damaged && !jpegHarmless(data, p):
				pl.drop(i, p, "its length disagrees with the file")
			case p.isEXIF(data):
				nt, found, err := stripPayloadGPS(body, len(exifHeader))
				switch {
				case err != nil:
					pl.drop(i, p, "EXIF: %v", err)
				case found:
					pl.repl[i] = segment(mAPP1, nt)
				}
			case p.is(data, mAPP1, xmpExtHeader):
				ext = append(ext, i)
			case p.is(data, mAPP1, xmpHeader):
				packet := body[len(xmpHeader):]
				if hasGPSText(packet) {
					pl.drop(i, p, "")
				} else if err := checkXMP(packet); err != nil {
					pl.drop(i, p, "XMP: %v", err)
				}
			case p.is(data, mAPP13, photoshopHeader):
				ps = append(ps, i)
			case p.marker == mAPP1 || p.marker == mAPP13:
				if hasGPSText(body) {
					pl.drop(i, p, "")
				}
			}
		}
		if r, ok := pl.repl[firstEXIF]; ok && r == nil {
			pl.exif = firstEXIF
		}
		pl.dropExtendedXMP(data, parts, ext)
		pl.dropPhotoshop(data, parts, ps)
		j.plan = pl
	})
	return j.plan
}

// dropExtendedXMP drops the extended XMP segments parts[ext] when the
// packets they make up mention GPS or cannot be put together.
func (pl *jpegPlan) dropExtendedXMP(data []byte, parts []jpegPart, ext []int) {
	if len(ext) == 0 {
		return
	}
	has, err := extendedXMPGPS(data, parts, ext)
	for _, i := range ext {
		switch {
		case err != nil:
			pl.drop(i, parts[i], "extended XMP: %v", err)
		case has:
			pl.drop(i, parts[i], "")
		}
	}
}

// dropPhotoshop drops the Photoshop APP13 segments parts[ps] when the
// image resources they hold, put together, hold GPS or cannot be walked.
func (pl *jpegPlan) dropPhotoshop(data []byte, parts []jpegPart, ps []int) {
	if len(ps) == 0 {
		return
	}
	var all []byte
	for _, i := range ps {
		all = append(all, parts[i].payload(data)[len(photoshopHeader):]...)
	}
	has, err := resourcesGPS(all)
	for _, i := range ps {
		switch {
		case err != nil:
			pl.drop(i, parts[i], "Photoshop resources: %v", err)
		case has:
			pl.drop(i, parts[i], "")
		}
	}
}

// stripGPS rewrites the file as gpsPlan says, with an orientation-only EXIF
// segment in place of a dropped EXIF segment that Metadata reads an
// orientation of 2–8 from (so that the image displays as before); like
// trim, it ends the file at EOI.
func (j *jpegFile) stripGPS() ([]byte, error) {
	if j.err != nil {
		return nil, j.err
	}
	pl := j.gpsPlan()
	repl := pl.repl
	if pl.exif >= 0 {
		md, _ := readSources(j.sources())
		if o := md.Orientation; o >= 2 && o <= 8 {
			repl = maps.Clone(repl)
			repl[pl.exif] = segment(mAPP1, exifHeader, orientationTIFF(o))
		}
	}
	return j.rebuild(repl), nil
}

// extendedXMPGPS reports whether the extended XMP held by the segments
// parts[ext] mentions GPS, or why it cannot be read. Each segment holds a
// piece of a packet: a GUID, the packet's full length, the piece's offset
// in it and the bytes. The pieces of each packet are put back in order
// before searching (a property name may straddle two segments); they must
// cover the packet exactly, and the packet must be XML.
func extendedXMPGPS(data []byte, parts []jpegPart, ext []int) (bool, error) {
	type piece struct {
		guid      string
		full, off uint32
		b         []byte
	}
	var ps []piece
	for _, i := range ext {
		p := parts[i].payload(data)[len(xmpExtHeader):]
		if len(p) < 40 {
			return hasGPSText(p), fmt.Errorf("segment at offset %d: %d bytes, too short for the extended XMP header", parts[i].start, len(p))
		}
		ps = append(ps, piece{string(p[:32]), binary.BigEndian.Uint32(p[32:]), binary.BigEndian.Uint32(p[36:]), p[40:]})
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].guid != ps[j].guid {
			return ps[i].guid < ps[j].guid
		}
		return ps[i].off < ps[j].off
	})
	var all, packet []byte
	var err error
	for i, p := range ps {
		all = append(all, p.b...)
		first := i == 0 || ps[i-1].guid != p.guid
		if first {
			packet = packet[:0]
		}
		if err == nil && (!first && p.full != ps[i-1].full ||
			int64(p.off) != int64(len(packet)) || int64(p.off)+int64(len(p.b)) > int64(p.full)) {
			err = fmt.Errorf("piece at offset %d of %d bytes does not continue the %d bytes of packet %q before it", p.off, len(p.b), len(packet), p.guid)
		}
		packet = append(packet, p.b...)
		last := i == len(ps)-1 || ps[i+1].guid != p.guid
		if last && err == nil {
			if len(packet) != int(p.full) {
				err = fmt.Errorf("packet %q has %d of its %d bytes", p.guid, len(packet), p.full)
			} else if xerr := checkXMP(packet); xerr != nil {
				err = fmt.Errorf("packet %q: %w", p.guid, xerr)
			}
		}
	}
	return hasGPSText(all), err
}
