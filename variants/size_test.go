package variants_test

import (
	"image"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// TestOutputSize: the size a spec predicts is the size Apply makes, for
// every built-in processor and combinations; an arbitrary rotation and a
// custom processor cannot tell.
func TestOutputSize(t *testing.T) {
	src := testimage.Pattern(640, 480)
	for _, ps := range [][]variants.Processor{
		{variants.Fit{Width: 400, Height: 400}},
		{variants.Fit{Width: 1000, Height: 1000}},
		{variants.Fit{Width: 0, Height: 100}},
		{variants.Fill{Width: 50, Height: 80}},
		{variants.Resize{Width: 333}},
		{variants.Resize{Width: 100, Height: 20}},
		{variants.Crop{Width: 100, Height: 900}},
		{variants.Pad{Width: 300, Height: 300}},
		{variants.Fit{Width: 200, Height: 200}, variants.Rotate{Angle: 90}, variants.Grayscale{}, variants.Adjust{Contrast: 10}},
		{variants.Rotate{Angle: -90}, variants.Crop{Width: 100, Height: 600}},
		{variants.Rotate{Angle: 180}},
		{},
	} {
		s := variants.Spec{Name: "v", Processors: ps}
		want, ok := s.OutputSize(640, 480)
		if !ok {
			t.Errorf("%v: no predicted size", ps)
			continue
		}
		out, err := s.Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Bounds().Size(); got != want {
			t.Errorf("%v: predicted %v, made %v", ps, want, got)
		}
	}
	for _, ps := range [][]variants.Processor{
		{variants.Rotate{Angle: 30}},
		{variants.Fit{Width: 100, Height: 100}, variants.Func("same", func(img image.Image) (image.Image, error) { return img, nil })},
	} {
		if size, ok := (variants.Spec{Name: "v", Processors: ps}).OutputSize(640, 480); ok {
			t.Errorf("%v: predicted %v without processing", ps, size)
		}
	}
}

func TestSameAspect(t *testing.T) {
	for _, tc := range []struct {
		w, h, W, H int
		want       bool
	}{
		{1000, 667, 3000, 2000, true},
		{1000, 666, 3000, 2000, true},
		{1000, 700, 3000, 2000, false},
		{50, 50, 400, 300, false},
		{3, 2, 3000, 2000, true},
		{0, 2, 3000, 2000, false},
	} {
		if got := variants.SameAspect(tc.w, tc.h, tc.W, tc.H); got != tc.want {
			t.Errorf("SameAspect(%d×%d, %d×%d) = %v", tc.w, tc.h, tc.W, tc.H, got)
		}
	}
}
