package heif

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"sync"

	"github.com/gen2brain/heic"
)

// av1Probe is av1ProbePicture coded as an 8-bit 4:2:0 AVIF with an nclx
// box (by this package's tests, with libavif and libaom: go test
// ./codecs/heif/ -run TestAV1Probe -args -update-av1-probe).
//
//go:embed av1probe.avif
var av1Probe []byte

// av1ProbePicture is the 16×16 picture in av1Probe: smooth ramps, which a
// lossy coding keeps within a few levels.
func av1ProbePicture() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			m.SetNRGBA(x, y, color.NRGBA{uint8(60 + 4*x), uint8(180 - 3*y), uint8(80 + 2*x + 2*y), 0xff})
		}
	}
	return m
}

// av1ProbeTolerance is the largest mean difference per RGB sample, in
// levels, between av1ProbePicture and a correct decode of av1Probe.
const av1ProbeTolerance = 3

// av1Works reports why the system's libheif cannot decode AV1 images, or
// nil: it must be loaded and decode av1Probe, through the same calls as
// decodeSystem, to the picture coded in it. libheif reads AV1 through a
// decoder plugin (dav1d, libaom or libgav1), which a build may lack.
var av1Works = sync.OnceValue(func() (err error) {
	if err := system.Works(); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("system libheif: AV1 probe: panic: %v", p)
		}
	}()
	f, m, err := open(av1Probe)
	if err != nil {
		return fmt.Errorf("system libheif: AV1 probe: %w", err)
	}
	img, err := heic.Decode(bytes.NewReader(av1Probe))
	if err != nil {
		return fmt.Errorf("system libheif: no AV1 decoder: %w", err)
	}
	if img.Bounds() != image.Rect(0, 0, m.Width, m.Height) {
		return fmt.Errorf("system libheif: AV1 probe decoded to %T %v", img, img.Bounds())
	}
	if d := meanDiff(av1ProbePicture(), fromSystem(f, m, img)); d > av1ProbeTolerance {
		return fmt.Errorf("system libheif: AV1 probe decoded %.1f levels off", d)
	}
	return nil
})

// meanDiff is the mean absolute difference per RGB sample between want
// and got, of the same bounds.
func meanDiff(want *image.NRGBA, got image.Image) float64 {
	var sum, n int
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			w := want.NRGBAAt(x, y)
			g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
			sum += absDiff(w.R, g.R) + absDiff(w.G, g.G) + absDiff(w.B, g.B)
			n += 3
		}
	}
	return float64(sum) / float64(n)
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
