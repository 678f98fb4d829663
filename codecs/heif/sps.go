package heif

import (
	"fmt"

	"github.com/blobimage/blobimage/codecs"
)

// SPS is what this package reads of an HEVC sequence parameter set: the
// coded picture size and the colour description of its VUI.
type SPS struct {
	// Width and Height are the picture size after the conformance window.
	Width, Height int
	// CodedWidth and CodedHeight are pic_width/height_in_luma_samples.
	CodedWidth, CodedHeight int
	ChromaFormat            int
	BitDepthLuma            int
	BitDepthChroma          int
	// VUI colour description, with libde265's defaults where the SPS has
	// none: limited range, code points 2 (unspecified).
	FullRange               bool
	ColourPrimaries         int
	TransferCharacteristics int
	MatrixCoefficients      int
}

// maxSPSSide bounds pic_width/height_in_luma_samples: HEVC level 6.2
// allows 8444 pixels a side; 65535 leaves room for any encoder.
const maxSPSSide = 65535

// ParseSPS parses an HEVC SPS NAL unit (with its two-byte NAL header and
// emulation prevention bytes) up to its VUI's colour description.
func ParseSPS(nal []byte) (*SPS, error) {
	s, err := parseSPS(nal)
	if err != nil {
		return nil, fmt.Errorf("%w: heif: HEVC SPS: %v", codecs.ErrCorrupt, err)
	}
	return s, nil
}

func parseSPS(nal []byte) (*SPS, error) {
	if len(nal) < 3 || nal[0]>>1&0x3f != 33 {
		return nil, fmt.Errorf("not an SPS NAL unit")
	}
	r := &bits{b: unescape(nal[2:])}
	r.u(4) // sps_video_parameter_set_id
	maxSub := int(r.u(3))
	r.u(1)
	profileTierLevel(r, maxSub)
	r.ue() // sps_seq_parameter_set_id
	s := &SPS{ColourPrimaries: 2, TransferCharacteristics: 2, MatrixCoefficients: 2}
	s.ChromaFormat = int(r.ue())
	if s.ChromaFormat > 3 {
		return nil, fmt.Errorf("chroma_format_idc %d", s.ChromaFormat)
	}
	if s.ChromaFormat == 3 {
		r.u(1) // separate_colour_plane_flag
	}
	cw, ch := r.ue(), r.ue()
	if r.err != nil {
		return nil, r.err
	}
	if cw == 0 || ch == 0 || cw > maxSPSSide || ch > maxSPSSide {
		return nil, fmt.Errorf("picture size %d×%d", cw, ch)
	}
	s.CodedWidth, s.CodedHeight = int(cw), int(ch)
	var left, right, top, bottom uint64
	if r.flag() {
		left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
	}
	subW, subH := uint64(1), uint64(1)
	switch s.ChromaFormat {
	case 1:
		subW, subH = 2, 2
	case 2:
		subW = 2
	}
	if (left+right)*subW >= cw || (top+bottom)*subH >= ch {
		return nil, fmt.Errorf("conformance window larger than the picture")
	}
	s.Width = int(cw - (left+right)*subW)
	s.Height = int(ch - (top+bottom)*subH)
	s.BitDepthLuma = int(r.ue()) + 8
	s.BitDepthChroma = int(r.ue()) + 8
	if s.BitDepthLuma > 16 || s.BitDepthChroma > 16 {
		return nil, fmt.Errorf("bit depth %d/%d", s.BitDepthLuma, s.BitDepthChroma)
	}
	log2PocLsb := int(r.ue()) + 4
	if log2PocLsb > 16 {
		return nil, fmt.Errorf("log2_max_pic_order_cnt_lsb %d", log2PocLsb)
	}
	first := maxSub
	if r.flag() {
		first = 0
	}
	for i := first; i <= maxSub; i++ {
		r.ue()
		r.ue()
		r.ue()
	}
	for range 6 { // coding and transform block sizes, hierarchy depths
		r.ue()
	}
	if r.flag() { // scaling_list_enabled_flag
		if r.flag() { // sps_scaling_list_data_present_flag
			scalingListData(r)
		}
	}
	r.u(2)        // amp, sample_adaptive_offset
	if r.flag() { // pcm_enabled_flag
		r.u(8)
		r.ue()
		r.ue()
		r.u(1)
	}
	nSets := int(r.ue())
	if nSets > 64 {
		return nil, fmt.Errorf("%d short-term reference picture sets", nSets)
	}
	deltas := make([]int, nSets)
	for i := range nSets {
		n, err := shortTermRefPicSet(r, i, deltas)
		if err != nil {
			return nil, err
		}
		deltas[i] = n
	}
	if r.flag() { // long_term_ref_pics_present_flag
		n := int(r.ue())
		if n > 32 {
			return nil, fmt.Errorf("%d long-term reference pictures", n)
		}
		for range n {
			r.u(log2PocLsb)
			r.u(1)
		}
	}
	r.u(2) // temporal MVP, strong intra smoothing
	if r.err != nil {
		return nil, r.err
	}
	if r.flag() { // vui_parameters_present_flag
		if r.flag() { // aspect_ratio_info_present_flag
			if r.u(8) == 255 {
				r.u(32)
			}
		}
		if r.flag() { // overscan_info_present_flag
			r.u(1)
		}
		if r.flag() { // video_signal_type_present_flag
			r.u(3)
			s.FullRange = r.flag()
			if r.flag() {
				s.ColourPrimaries = int(r.u(8))
				s.TransferCharacteristics = int(r.u(8))
				s.MatrixCoefficients = int(r.u(8))
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

func profileTierLevel(r *bits, maxSub int) {
	r.skip(96) // general profile, tier, compatibility, constraints, level
	profile := make([]bool, maxSub)
	level := make([]bool, maxSub)
	for i := range maxSub {
		profile[i], level[i] = r.flag(), r.flag()
	}
	if maxSub > 0 {
		r.skip(2 * (8 - maxSub))
	}
	for i := range maxSub {
		if profile[i] {
			r.skip(88)
		}
		if level[i] {
			r.skip(8)
		}
	}
}

func scalingListData(r *bits) {
	for size := 0; size < 4; size++ {
		step := 1
		if size == 3 {
			step = 3
		}
		for matrix := 0; matrix < 6; matrix += step {
			if !r.flag() {
				r.ue()
				continue
			}
			n := min(64, 1<<(4+size<<1))
			if size > 1 {
				r.se()
			}
			for range n {
				r.se()
				if r.err != nil {
					return
				}
			}
		}
	}
}

// shortTermRefPicSet skips st_ref_pic_set(idx) and returns its number of
// delta POCs, which a later set predicted from it needs.
func shortTermRefPicSet(r *bits, idx int, deltas []int) (int, error) {
	if idx != 0 && r.flag() { // inter_ref_pic_set_prediction_flag
		r.u(1)
		r.ue()
		ref := deltas[idx-1]
		n := 0
		for j := 0; j <= ref; j++ {
			used := r.flag()
			if used || r.flag() {
				n++
			}
		}
		return n, r.err
	}
	neg, pos := r.ue(), r.ue()
	if neg > 16 || pos > 16 {
		return 0, fmt.Errorf("reference picture set of %d+%d pictures", neg, pos)
	}
	for range neg + pos {
		r.ue()
		r.u(1)
	}
	return int(neg + pos), r.err
}
