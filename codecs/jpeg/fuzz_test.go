package jpeg

import (
	"bytes"
	"errors"
	"image"
	stdjpeg "image/jpeg"
	"testing"
)

// decFuzzMaxPixels bounds the frames the fuzz target decodes: both
// decoders allocate what the header declares.
const decFuzzMaxPixels = 1 << 20

// decFuzzCoefBound is the largest dequantised coefficient of real 8-bit
// images (about 2048 for AC, 1024 for DC). Beyond it the two inverse DCTs'
// rounding, image/jpeg's int32 overflow and this decoder's int16 storage of
// progressive coefficients make the outputs of garbage differ by more
// than one level.
const decFuzzCoefBound = 2048

// decIntentionalError reports whether err is one this decoder returns on
// purpose where image/jpeg decodes something (see the package
// documentation).
func decIntentionalError(err error) bool {
	var fe FormatError
	if errors.As(err, &fe) {
		switch fe {
		case "over-subscribed Huffman table", "too many scans":
			return true
		}
	}
	return false
}

// decFuzzSeeds returns small files of many layouts.
func decFuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	src := decTestPhoto(19, 13, 9, 8)
	seeds = append(seeds, decStdEncode(t, src, 75), decStdEncode(t, decGray(src), 50))
	// A Motion-JPEG frame: the typical Huffman tables, no DHT segment.
	seeds = append(seeds, decWithoutDHT(decStdEncode(t, src, 75), nil))
	// Heights in DNL segments, after a sequential and a progressive first
	// scan.
	seeds = append(seeds, decWithDNL(t, decStdEncode(t, src, 75), 0, 13))
	for _, v := range decVariants() {
		if v.name == "420/progressive" {
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			seeds = append(seeds, decWithDNL(t, twEncode(planes, 19, 13, v.o), 0, 13))
		}
	}
	// Arithmetic coding, sequential and progressive, with restart
	// intervals, as jpegtran writes it.
	if decHaveTool(t, "jpegtran") {
		for _, args := range decArithModes[1:4] {
			seeds = append(seeds, decArithmetic(t, decStdEncode(t, src, 75), 3, args))
		}
	}
	for _, v := range decVariants() {
		switch v.name {
		case "420/baseline", "444/baseline", "420/progressive", "420/progressive-restart", "444/progressive-restart",
			"422/non-interleaved", "gray/progressive", "gray/quant16", "420/deep-approximation",
			"rgb/adobe", "cmyk/adobe-2211", "ycck/adobe", "odd/3x1", "420/spectral-only":
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			seeds = append(seeds, twEncode(planes, 19, 13, v.o))
		}
	}
	return seeds
}

func FuzzDecode(f *testing.F) {
	for _, s := range decFuzzSeeds(f) {
		f.Add(s)
	}
	decTrackCoefs = true
	f.Cleanup(func() { decTrackCoefs = false })
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil {
			// Decode fails before it allocates anything; make sure it
			// does not panic.
			for _, denom := range []int{1, 8} {
				DecodeScaled(bytes.NewReader(data), denom)
			}
			return
		}
		if cfg.Width*cfg.Height > decFuzzMaxPixels {
			return
		}
		for _, denom := range []int{2, 4, 8} {
			w, h := ScaledSize(cfg.Width, cfg.Height, denom)
			if m, err := DecodeScaled(bytes.NewReader(data), denom); err == nil {
				if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
					t.Fatalf("DecodeScaled(%d): bounds %v for %dx%d", denom, b, cfg.Width, cfg.Height)
				}
			}
			if m, err := DecodeResize(bytes.NewReader(data), denom); err == nil {
				if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
					t.Fatalf("DecodeResize(%d): bounds %v for %dx%d", denom, b, cfg.Width, cfg.Height)
				}
			}
		}
		d, err := decodePlanes(bytes.NewReader(data), 1)
		var got image.Image
		if err == nil {
			got, err = d.output()
		}
		want, stdErr := stdjpeg.Decode(bytes.NewReader(data))
		if stdErr != nil {
			return
		}
		if err != nil {
			if decIntentionalError(err) {
				return
			}
			t.Fatalf("Decode: %v; image/jpeg succeeds", err)
		}
		if d.stdQuirk || d.maxCoef > decFuzzCoefBound {
			return
		}
		if want.Bounds().Empty() && got.Bounds().Empty() {
			// Width or height 0: image/jpeg's image is a SubImage,
			// whose bounds are then the zero Rectangle; this decoder's
			// keep the other side, as DecodeScaled documents.
			return
		}
		tol := 1
		if d.ncomp == 4 && d.adobeTransform != 0 {
			tol = 3 // YCCK: ±1 in Y, Cb, Cr is up to ±3 in C, M, Y
		}
		maxd, _, err := decDiff(want, got)
		if err != nil || maxd > tol {
			t.Fatalf("differs from image/jpeg by %d (%v)", maxd, err)
		}
	})
}
