package variants

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// bench12MP is a 4000×3000 4:2:0 picture, what a 12 MP JPEG decodes to:
// photo-like shapes with a little grain.
var bench12MP = sync.OnceValue(func() *image.YCbCr {
	rng := rand.New(rand.NewPCG(15, 2))
	base := lzPattern("photo", 4000, 3000, rng)
	for i := 0; i < len(base.Pix); i += 4 {
		v := rng.Uint32()
		for j := range 3 {
			base.Pix[i+j] = uint8(int(base.Pix[i+j])*7/8 + int(uint8(v>>(8*j)))/8)
		}
	}
	return testimage.YCbCr(base, image.YCbCrSubsampleRatio420)
})

// benchFills are the fills the smart-crop benchmarks make of bench12MP:
// square thumbnails (Render box-reduces the source by 3 and 2 for them), a
// social card (from the full source) and a portrait cut of the landscape
// picture (from the source halved).
//
// Center's window starts on an odd source column for 400×400 and 300×600,
// which sends the resampler off its planar YCbCr path (about twice the
// time); Smart's window always starts on a chroma sample. For the cost of
// the choice itself, compare BenchmarkSmartWindow with BenchmarkFillCenter
// at 600×600 and 1200×630, where both windows are aligned.
var benchFills = []Fill{{Width: 400, Height: 400}, {Width: 600, Height: 600}, {Width: 1200, Height: 630}, {Width: 300, Height: 600}}

// benchFill renders each of benchFills with anchor a from bench12MP, as a
// write does: Render from the decoded picture, one spec at a time.
func benchFill(b *testing.B, a Anchor) {
	src := bench12MP()
	full := src.Bounds().Size()
	for _, f := range benchFills {
		f.Anchor = a
		specs := []Spec{{Name: "v", Processors: []Processor{f}}}
		b.Run(fmt.Sprintf("size=%dx%d", f.Width, f.Height), func(b *testing.B) {
			defer lzReportCPU(b)()
			for b.Loop() {
				err := Render(context.Background(), src, full, specs, 1, func(int, image.Image) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFillCenter is a fill's own render time at 12 MP, the reference
// for BenchmarkFillSmart.
func BenchmarkFillCenter(b *testing.B) { benchFill(b, Center) }

// BenchmarkFillSmart is BenchmarkFillCenter with the Smart anchor: the
// difference is the cost of choosing the window (goal: ≤ 10 %).
func BenchmarkFillSmart(b *testing.B) { benchFill(b, Smart) }

// BenchmarkSmartWindow is the choice of the window alone, from the image
// each fill of BenchmarkFillSmart receives.
func BenchmarkSmartWindow(b *testing.B) {
	src := bench12MP()
	full := src.Bounds().Size()
	for _, f := range benchFills {
		cw, ch := f.ResampleSize(full.X, full.Y)
		var in image.Image = src
		if k := reduceFactor(full, image.Pt(cw, ch)); k > 1 {
			in = boxReduce(src, k)
		}
		s := in.Bounds().Size()
		b.Run(fmt.Sprintf("size=%dx%d/from=%dx%d", f.Width, f.Height, s.X, s.Y), func(b *testing.B) {
			defer lzReportCPU(b)()
			for b.Loop() {
				smartWindow(in, cw, ch, f.Width, f.Height)
			}
		})
	}
}
