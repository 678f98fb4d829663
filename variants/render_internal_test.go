package variants

import (
	"image"
	"slices"
	"testing"
)

func TestPlanRender(t *testing.T) {
	fit := func(name string, w, h int) Spec {
		return Spec{Name: name, Processors: []Processor{Fit{Width: w, Height: h}}}
	}
	specs := []Spec{
		fit("small", 400, 400),    // 0: 400×300, from medium (1000×750)
		fit("medium", 1000, 1000), // 1: 1000×750, from src
		{Name: "thumb", Processors: []Processor{Fill{Width: 50, Height: 50}}}, // 2: cover 67×50, from xs
		{Name: "crop", Processors: []Processor{Crop{Width: 10, Height: 10}}},  // 3: whole picture, first
		{Name: "grey", Processors: []Processor{Fit{Width: 300}, Grayscale{}}}, // 4: 300×225, from medium
		fit("xs", 150, 150), // 5: 150×113, from small (2×113 > 225)
		{Name: "big", Processors: []Processor{Pad{Width: 2000, Height: 2000}}},  // 6: 2000×1500, from src
		{Name: "wide", Processors: []Processor{Resize{Width: 600, Height: 50}}}, // 7: 600×50; nothing is 1200 wide but src
	}
	p := planRender(image.Pt(4000, 3000), image.Pt(4000, 3000), specs)
	if want := []int{3, 6, 1, 0, 4, 7, 5, 2}; !slices.Equal(p.order, want) {
		t.Errorf("order %v, want %v", p.order, want)
	}
	if want := []int{1, -1, 5, -1, 1, 0, -1, -1}; !slices.Equal(p.from, want) {
		t.Errorf("from %v, want %v", p.from, want)
	}
	if want := []bool{true, true, false, false, false, true, false, false}; !slices.Equal(p.keep, want) {
		t.Errorf("keep %v, want %v", p.keep, want)
	}

	// From a reduced source, images larger than it are not sources.
	p = planRender(image.Pt(800, 600), image.Pt(4000, 3000), []Spec{fit("medium", 1000, 1000), fit("small", 200, 200)})
	if want := []int{-1, -1}; !slices.Equal(p.from, want) {
		t.Errorf("reduced source: from %v, want %v", p.from, want)
	}
}
