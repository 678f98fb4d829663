package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"
)

// decVariant is a file layout for the test writer.
type decVariant struct {
	name string
	o    twOptions
	// std is whether image/jpeg decodes the layout as ITU T.81 says (see
	// the package documentation for where it does not, or refuses it).
	std bool
	rgb bool // three components are R, G, B
}

func decYCbCrComps(y, c byte) []twComp {
	return []twComp{{1, int(y >> 4), int(y & 15), 0}, {2, int(c >> 4), int(c & 15), 1}, {3, int(c >> 4), int(c & 15), 1}}
}

func decVariants() []decVariant {
	var vs []decVariant
	ratios := []struct {
		name string
		y    byte
	}{{"444", 0x11}, {"422", 0x21}, {"420", 0x22}, {"440", 0x12}, {"411", 0x41}, {"410", 0x42}}
	for _, r := range ratios {
		comps := decYCbCrComps(r.y, 0x11)
		vs = append(vs,
			decVariant{name: r.name + "/baseline", o: twOptions{comps: comps, sof: decSOF0, jfif: true, adobe: -1}, std: true},
			decVariant{name: r.name + "/progressive", o: twOptions{comps: comps, sof: decSOF2, jfif: true, adobe: -1}, std: true},
			decVariant{name: r.name + "/baseline-restart", o: twOptions{comps: comps, sof: decSOF0, restart: 2, adobe: -1}, std: true},
			decVariant{name: r.name + "/non-interleaved", o: twOptions{comps: comps, sof: decSOF1, adobe: -1,
				scans: []twScan{{comps: []int{0}, se: 63}, {comps: []int{2}, se: 63}, {comps: []int{1}, se: 63}}}, std: true},
			// image/jpeg counts a restart interval of a non-interleaved scan
			// in MCUs of the interleaved layout, not in blocks.
			decVariant{name: r.name + "/progressive-restart", o: twOptions{comps: comps, sof: decSOF2, restart: 3, adobe: -1}, std: r.y == 0x11},
		)
	}
	one := []twComp{{1, 1, 1, 0}}
	vs = append(vs,
		decVariant{name: "gray/baseline", o: twOptions{comps: one, sof: decSOF0, adobe: -1}, std: true},
		decVariant{name: "gray/progressive", o: twOptions{comps: one, sof: decSOF2, adobe: -1}, std: true},
		decVariant{name: "gray/progressive-restart", o: twOptions{comps: one, sof: decSOF2, restart: 7, adobe: -1}, std: true},
		decVariant{name: "gray/sampling-2x2", o: twOptions{comps: []twComp{{1, 2, 2, 0}}, sof: decSOF0, adobe: -1}, std: true},
		decVariant{name: "gray/quant16", o: twOptions{comps: one, sof: decSOF1, quant16: true, adobe: -1}, std: true},
		decVariant{name: "420/quant16-fill", o: twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF1, quant16: true, fillBytes: true, adobe: -1}, std: true},
		decVariant{name: "420/requantised-scans", o: twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF1, requantEach: true, adobe: -1,
			scans: []twScan{{comps: []int{0}, se: 63}, {comps: []int{1}, se: 63}, {comps: []int{2}, se: 63}}}, std: true},
		decVariant{name: "420/non-interleaved-restart", o: twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF1, restart: 5, adobe: -1,
			scans: []twScan{{comps: []int{0}, se: 63}, {comps: []int{1, 2}, se: 63}}}},
		decVariant{name: "420/spectral-only", o: twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF2, adobe: -1,
			scans: []twScan{{comps: []int{0, 1, 2}}, {comps: []int{0}, ss: 1, se: 9}, {comps: []int{1}, ss: 1, se: 63},
				{comps: []int{2}, ss: 1, se: 63}, {comps: []int{0}, ss: 10, se: 63}}}, std: true},
		decVariant{name: "420/deep-approximation", o: twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF2, adobe: -1,
			scans: []twScan{{comps: []int{0}, al: 3}, {comps: []int{1, 2}, al: 0}, {comps: []int{0}, ah: 3, al: 2},
				{comps: []int{0}, ss: 1, se: 63, al: 4}, {comps: []int{0}, ah: 2, al: 1}, {comps: []int{0}, ah: 1, al: 0},
				{comps: []int{0}, ss: 1, se: 63, ah: 4, al: 3}, {comps: []int{0}, ss: 1, se: 63, ah: 3, al: 2},
				{comps: []int{0}, ss: 1, se: 63, ah: 2, al: 1}, {comps: []int{0}, ss: 1, se: 63, ah: 1, al: 0},
				{comps: []int{1}, ss: 1, se: 63}, {comps: []int{2}, ss: 1, se: 63, al: 1}, {comps: []int{2}, ss: 1, se: 63, ah: 1}}}, std: true},
		decVariant{name: "rgb/adobe", o: twOptions{comps: []twComp{{1, 1, 1, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}}, sof: decSOF0, adobe: 0}, std: true, rgb: true},
		decVariant{name: "rgb/ids", o: twOptions{comps: []twComp{{'R', 1, 1, 0}, {'G', 1, 1, 0}, {'B', 1, 1, 0}}, sof: decSOF2, adobe: -1}, std: true, rgb: true},
		decVariant{name: "rgb/subsampled", o: twOptions{comps: []twComp{{'R', 2, 2, 0}, {'G', 1, 1, 0}, {'B', 1, 1, 0}}, sof: decSOF0, adobe: -1}, std: true, rgb: true},
		decVariant{name: "cmyk/adobe", o: twOptions{comps: []twComp{{1, 1, 1, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}, {4, 1, 1, 0}}, sof: decSOF0, adobe: 0}, std: true},
		decVariant{name: "cmyk/adobe-2211", o: twOptions{comps: []twComp{{1, 2, 2, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}, {4, 2, 2, 0}}, sof: decSOF1, adobe: 0}, std: true},
		decVariant{name: "cmyk/progressive", o: twOptions{comps: []twComp{{1, 1, 1, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}, {4, 1, 1, 0}}, sof: decSOF2, adobe: 0}, std: true},
		decVariant{name: "ycck/adobe", o: twOptions{comps: []twComp{{1, 2, 2, 0}, {2, 1, 1, 1}, {3, 1, 1, 1}, {4, 2, 2, 0}}, sof: decSOF0, adobe: 2}, std: true},
		// Layouts image/jpeg refuses or reads differently.
		decVariant{name: "odd/3x1", o: twOptions{comps: decYCbCrComps(0x31, 0x11), sof: decSOF1, adobe: -1}},
		decVariant{name: "odd/chroma-differ", o: twOptions{comps: []twComp{{1, 2, 2, 0}, {2, 1, 2, 1}, {3, 2, 1, 1}}, sof: decSOF2, adobe: -1}},
		decVariant{name: "odd/chroma-larger", o: twOptions{comps: []twComp{{1, 1, 1, 0}, {2, 2, 2, 1}, {3, 2, 2, 1}}, sof: decSOF0, adobe: -1}},
		decVariant{name: "odd/4x2-2x1", o: twOptions{comps: decYCbCrComps(0x42, 0x21), sof: decSOF2, adobe: -1}},
		decVariant{name: "odd/4x4", o: twOptions{comps: decYCbCrComps(0x44, 0x11), sof: decSOF1, adobe: -1,
			scans: []twScan{{comps: []int{0}, se: 63}, {comps: []int{1, 2}, se: 63}}}},
		decVariant{name: "odd/cmyk-3311", o: twOptions{comps: []twComp{{1, 3, 3, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}, {4, 3, 1, 0}}, sof: decSOF1, adobe: 0,
			scans: []twScan{{comps: []int{0}, se: 63}, {comps: []int{1, 2, 3}, se: 63}}}},
	)
	return vs
}

// decBaselineOf returns the options of a sequential file with the same
// coefficients as o: one interleaved scan if allowed, otherwise one scan
// per component.
func decBaselineOf(o twOptions) twOptions {
	b := o
	b.sof, b.restart, b.scans, b.fillBytes = decSOF1, 0, nil, false
	hv := 0
	for _, c := range o.comps {
		hv += c.h * c.v
	}
	if len(o.comps) > 1 && hv > 10 {
		for i := range o.comps {
			b.scans = append(b.scans, twScan{comps: []int{i}, se: 63})
		}
	}
	return b
}

// decSourceDiff returns the mean absolute difference per channel between a
// decoded image and the RGBA source (CMYK is converted to RGB).
func decSourceDiff(src *image.RGBA, m image.Image) float64 {
	b := src.Rect
	sum := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := src.RGBAAt(x, y)
			q := color.RGBAModel.Convert(m.At(x, y)).(color.RGBA)
			for _, d := range []int{int(p.R) - int(q.R), int(p.G) - int(q.G), int(p.B) - int(q.B)} {
				sum += max(d, -d)
			}
		}
	}
	return float64(sum) / float64(3*b.Dx()*b.Dy())
}

func TestDecodeVariants(t *testing.T) {
	for _, size := range [][2]int{{75, 53}, {8, 8}, {1, 1}, {33, 17}} {
		src := decTestPhoto(size[0], size[1], 5, 2)
		for _, v := range decVariants() {
			name := fmt.Sprintf("%s/%dx%d", v.name, size[0], size[1])
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			data := twEncode(planes, size[0], size[1], v.o)
			ycbcrOut := len(v.o.comps) == 1 || len(v.o.comps) == 3 && !v.rgb && !strings.HasPrefix(v.name, "odd/")
			if v.std {
				tol := 1
				if v.o.adobe > 0 && len(v.o.comps) == 4 {
					tol = 3 // YCCK is converted to CMYK
				}
				decCheckStdTol(t, name, data, tol)
				if ycbcrOut {
					decCheckScaled(t, name, data)
				}
			}
			if !ycbcrOut {
				decCheckScaledPlanes(t, name, data)
			}
			full, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			ref := src
			if len(v.o.comps) == 1 {
				ref = image.NewRGBA(src.Rect)
				for y := 0; y < size[1]; y++ {
					for x := 0; x < size[0]; x++ {
						ref.Set(x, y, color.GrayModel.Convert(src.At(x, y)))
					}
				}
			}
			// Point-sampled chroma makes the source's colour edges jagged.
			if d := decSourceDiff(ref, full); d > 16 {
				t.Errorf("%s: mean difference from the source %.2f, want ≤ 16", name, d)
			}
			if v.o.requantEach {
				continue
			}
			// The same coefficients in one sequential scan decode to the
			// same pixels, at every scale.
			base := twEncode(planes, size[0], size[1], decBaselineOf(v.o))
			for _, denom := range []int{1, 2, 4, 8} {
				want, err1 := DecodeScaled(bytes.NewReader(base), denom)
				got, err2 := DecodeScaled(bytes.NewReader(data), denom)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s/%d: %v, %v", name, denom, err1, err2)
				}
				if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
					t.Errorf("%s/%d: differs from the sequential file by %d %v", name, denom, maxd, err)
				}
			}
		}
	}
}
