package heif

import (
	"fmt"

	"github.com/blobimage/blobimage/codecs"
)

// AV1Sequence is what this package reads of an AV1 sequence header OBU:
// the largest frame the sequence may code.
type AV1Sequence struct {
	Profile             int
	MaxWidth, MaxHeight int
}

// maxOBUs bounds the OBUs skipped looking for the sequence header.
const maxOBUs = 64

// ParseAV1Sequence finds the sequence header among the OBUs at the start
// of data (av1C's configuration OBUs, or an item's data) and reads it up
// to the maximum frame size.
func ParseAV1Sequence(data []byte) (*AV1Sequence, error) {
	for n := 0; len(data) > 0 && n < maxOBUs; n++ {
		hdr := data[0]
		typ := int(hdr >> 3 & 15)
		off := 1
		if hdr&4 != 0 { // obu_extension_flag
			off++
		}
		if off > len(data) {
			break
		}
		size := uint64(len(data) - off)
		if hdr&2 != 0 { // obu_has_size_field
			v, k, ok := leb128(data[off:])
			if !ok {
				break
			}
			off += k
			if v > uint64(len(data)-off) {
				break
			}
			size = v
		}
		payload := data[off : off+int(size)]
		if typ == 1 {
			s, err := parseSequenceHeader(payload)
			if err != nil {
				return nil, fmt.Errorf("%w: heif: AV1 sequence header: %v", codecs.ErrCorrupt, err)
			}
			return s, nil
		}
		data = data[off+int(size):]
	}
	return nil, fmt.Errorf("%w: heif: no AV1 sequence header", codecs.ErrCorrupt)
}

func leb128(b []byte) (uint64, int, bool) {
	var v uint64
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}

func parseSequenceHeader(b []byte) (*AV1Sequence, error) {
	r := &bits{b: b}
	s := &AV1Sequence{Profile: int(r.u(3))}
	r.u(1)        // still_picture
	if r.flag() { // reduced_still_picture_header
		r.u(5)
	} else {
		decoderModel := false
		bufferDelayLen := 0
		if r.flag() { // timing_info_present_flag
			r.u(32)
			r.u(32)
			if r.flag() { // equal_picture_interval
				uvlc(r)
			}
			decoderModel = r.flag()
			if decoderModel {
				bufferDelayLen = int(r.u(5)) + 1
				r.u(32)
				r.u(10)
			}
		}
		displayDelay := r.flag()
		ops := int(r.u(5)) + 1
		for range ops {
			r.u(12)
			if r.u(5) > 7 {
				r.u(1)
			}
			if decoderModel && r.flag() {
				r.u(2 * bufferDelayLen)
				r.u(1)
			}
			if displayDelay && r.flag() {
				r.u(4)
			}
		}
	}
	wb, hb := int(r.u(4))+1, int(r.u(4))+1
	s.MaxWidth = int(r.u(wb)) + 1
	s.MaxHeight = int(r.u(hb)) + 1
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

func uvlc(r *bits) {
	zeros := 0
	for r.err == nil && !r.flag() {
		zeros++
		if zeros >= 32 {
			return
		}
	}
	r.u(zeros)
}
