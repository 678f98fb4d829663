package heif

import (
	"context"
	"image"
)

// WithProperties returns f rebuilt with the given property boxes added to
// item id, after its own: how the tests give a HEIC made by heif-enc
// (which writes none) transforms and colour boxes.
func WithProperties(f *File, id uint32, boxes ...[]byte) ([]byte, error) {
	g := *f
	g.extraProps = map[uint32][][]byte{id: boxes}
	keep := map[uint32]bool{}
	for _, it := range f.order {
		keep[it] = true
	}
	return g.rebuild(f.primary, keep, nil)
}

// DecodePeak decodes data with the WebAssembly engine under limit and
// returns the peak linear memory the instance used, and the package's
// estimate for the file.
func DecodePeak(data []byte, limit int64) (peak, est int64, err error) {
	f, m, err := open(data)
	if err != nil {
		return 0, 0, err
	}
	if m.Coding == "hvc1" {
		_, peak, err = decodeHEIC(t0, f, m, limit)
	} else {
		_, peak, err = decodeAVIF(t0, f, m, limit)
	}
	return peak, estimate(m, int64(len(data))), err
}

var t0 = context.Background()

// The AV1 probe of the system engine (av1probe.go).
var (
	AV1Probe          = func() []byte { return av1Probe }
	AV1ProbePicture   = av1ProbePicture
	AV1ProbeTolerance = float64(av1ProbeTolerance)
	AV1Works          = av1Works
	MeanDiff          = meanDiff
)

// DecodeSystemPaths decodes data with the system engine's two ways of
// calling libheif: this package's binding (nil when it does not serve the
// image) and gen2brain's, each image as displayed.
func DecodeSystemPaths(data []byte) (native, gen2brain image.Image, err error) {
	f, m, err := open(data)
	if err != nil {
		return nil, nil, err
	}
	if nativeServes(f, m) {
		if native, err = decodeSystemHEVC(t0, f, m); err != nil {
			return nil, nil, err
		}
	}
	gen2brain, err = decodeGen2brain(t0, f, m)
	return native, gen2brain, err
}

// SystemAbandoned reports how many system decodes whose caller gave up
// are still running.
func SystemAbandoned() int64 { return system.Abandoned() }
