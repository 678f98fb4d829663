package heif

import (
	"context"
	"errors"
	"image"
	"slices"
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

// DecodeSystemPaths decodes data with the system engine's two paths:
// this package's binding of libde265 or libdav1d (nil when it does not
// serve the image) and gen2brain's call of libheif, each image as
// displayed.
func DecodeSystemPaths(data []byte) (native, gen2brain image.Image, err error) {
	f, m, err := open(data)
	if err != nil {
		return nil, nil, err
	}
	if nativeServes(f, m) {
		if native, err = decodeSystemNative(t0, f, m); err != nil {
			return nil, nil, err
		}
	}
	gen2brain, err = decodeGen2brain(t0, f, m)
	return native, gen2brain, err
}

// SystemAbandoned reports how many system decodes whose caller gave up
// are still running.
func SystemAbandoned() int64 { return system.Abandoned() }

// TiledGrid returns data, whose primary image is a 1×1 grid (as heif-enc
// writes odd sizes), with that grid made rows×cols of its one tile and an
// output of w×h (the grid's ispe is left for the caller to match).
func TiledGrid(data []byte, rows, cols int, w, h uint16) ([]byte, error) {
	f, m, err := open(data)
	if err != nil {
		return nil, err
	}
	if !m.Grid || len(m.Tiles) != 1 {
		return nil, errors.New("TiledGrid: not a 1×1 grid")
	}
	for i := range f.refs {
		if r := &f.refs[i]; r.Type == "dimg" && r.From == m.ID {
			r.To = slices.Repeat(r.To[:1], rows*cols)
		}
	}
	desc := []byte{0, 0, byte(rows - 1), byte(cols - 1), byte(w >> 8), byte(w), byte(h >> 8), byte(h)}
	return f.Rewrite(map[uint32][]byte{m.ID: desc}, nil)
}
