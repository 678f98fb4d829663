package variants

import (
	"image"
	"math"
)

// Sizer is implemented by processors whose output size follows from their
// input size alone, so the size of a variant is known before it is made
// (a pending variant can be laid out on a page). Every built-in processor
// is one, but Rotate by an angle that is not a multiple of 90.
type Sizer interface {
	// OutputSize returns the size Process gives for an input of size in,
	// and false when only processing can tell.
	OutputSize(in image.Point) (image.Point, bool)
}

// OutputSize returns the size s makes from an upright w×h source, and false
// when a processor cannot tell it without processing (a custom processor
// that is not a Sizer, a rotation by an arbitrary angle).
func (s Spec) OutputSize(w, h int) (image.Point, bool) {
	size := image.Pt(w, h)
	for _, p := range s.Processors {
		sz, ok := p.(Sizer)
		if !ok {
			return image.Point{}, false
		}
		if size, ok = sz.OutputSize(size); !ok || size.X <= 0 || size.Y <= 0 {
			return image.Point{}, false
		}
	}
	return size, true
}

// OutputSize is the fitted size.
func (f Fit) OutputSize(in image.Point) (image.Point, bool) {
	return pt(f.ResampleSize(in.X, in.Y)), true
}

// OutputSize is the box.
func (f Fill) OutputSize(image.Point) (image.Point, bool) { return image.Pt(f.Width, f.Height), true }

// OutputSize is the box, a zero side computed from the other.
func (r Resize) OutputSize(in image.Point) (image.Point, bool) {
	return pt(r.ResampleSize(in.X, in.Y)), true
}

// OutputSize is the box, clipped to the input.
func (c Crop) OutputSize(in image.Point) (image.Point, bool) {
	return image.Pt(min(c.Width, in.X), min(c.Height, in.Y)), true
}

// OutputSize is the box.
func (p Pad) OutputSize(image.Point) (image.Point, bool) { return image.Pt(p.Width, p.Height), true }

// OutputSize is the input, turned for a quarter or three-quarter turn;
// other angles are known only once rotated.
func (r Rotate) OutputSize(in image.Point) (image.Point, bool) {
	switch r.angle() {
	case 0, 180:
		return in, true
	case 90, 270:
		return image.Pt(in.Y, in.X), true
	}
	return image.Point{}, false
}

// OutputSize is the input.
func (Grayscale) OutputSize(in image.Point) (image.Point, bool) { return in, true }

// OutputSize is the input.
func (Adjust) OutputSize(in image.Point) (image.Point, bool) { return in, true }

func pt(x, y int) image.Point { return image.Pt(x, y) }

// SameAspect reports whether a w×h picture is the W×H one scaled, its
// sides rounded to whole pixels (a 1000×667 fit of 3000×2000): h is
// within a pixel of w·H/W, or w of h·W/H. A variant that passes shows the
// whole picture, as a srcset candidate or a rendition's source must.
func SameAspect(w, h, W, H int) bool {
	if w <= 0 || h <= 0 || W <= 0 || H <= 0 {
		return false
	}
	return math.Abs(float64(w)*float64(H)/float64(W)-float64(h)) <= 1 ||
		math.Abs(float64(h)*float64(W)/float64(H)-float64(w)) <= 1
}
