package variants

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"github.com/disintegration/imaging"
)

// Anchor is where Fill, Crop and Pad keep or place the picture.
type Anchor string

// Anchors, as written in config files.
const (
	Center      Anchor = "center"
	Top         Anchor = "top"
	Bottom      Anchor = "bottom"
	Left        Anchor = "left"
	Right       Anchor = "right"
	TopLeft     Anchor = "top-left"
	TopRight    Anchor = "top-right"
	BottomLeft  Anchor = "bottom-left"
	BottomRight Anchor = "bottom-right"
	// Smart, for Fill only, places the window where the picture's detail
	// is (edges, saturated colour, skin tones) rather than at a fixed
	// point. It is chosen on a small copy of the displayed picture; a
	// picture with nothing that stands out is cut as Center cuts it.
	Smart Anchor = "smart"
)

// Fit scales the picture down to fit inside Width×Height, keeping its aspect
// ratio. It never enlarges: a picture already inside the box is returned as
// is. It is a Resampler.
type Fit struct{ Width, Height int }

// Fill scales the picture to cover Width×Height, keeping its aspect ratio,
// and crops the overflow around Anchor (default Center). The result is
// exactly Width×Height, enlarging if the picture is smaller. It is a
// Resampler.
type Fill struct {
	Width, Height int
	Anchor        Anchor
}

// Resize scales the picture to exactly Width×Height. If one of them is 0 it
// is computed from the other keeping the aspect ratio. It is a Resampler.
type Resize struct{ Width, Height int }

// Crop cuts a Width×Height region placed at Anchor (default Center), without
// scaling. A picture smaller than the region in a dimension keeps that
// dimension.
type Crop struct {
	Width, Height int
	Anchor        Anchor
}

// Pad fits the picture inside Width×Height (as Fit, but enlarging too) and
// pads it to exactly Width×Height with Background, placing the picture at
// Anchor (default Center). A zero Background is transparent. It is a
// Resampler.
type Pad struct {
	Width, Height int
	Anchor        Anchor
	Background    color.NRGBA
}

// Rotate turns the picture Angle degrees counter-clockwise. Multiples of 90
// are exact; other angles enlarge the canvas and fill corners with
// Background (zero: transparent).
type Rotate struct {
	Angle      float64
	Background color.NRGBA
}

// Grayscale removes colour.
type Grayscale struct{}

// Adjust changes tone: Brightness, Contrast and Saturation are percentages
// in −100…100 (0 leaves the image alone); Sharpen is an unsharp-mask sigma
// (0: none), e.g. 0.5–2.
type Adjust struct {
	Brightness, Contrast, Saturation, Sharpen float64
}

// MaxSide is the largest width or height a processor accepts.
const MaxSide = 16384

// Maximum of Adjust.Sharpen.
const maxSharpen = 10

// Func returns a Processor calling fn. name describes fn and its parameters
// for the spec fingerprint: change it when fn's output changes.
func Func(name string, fn func(image.Image) (image.Image, error)) Processor {
	return funcProcessor{name: name, fn: fn}
}

type funcProcessor struct {
	name string
	fn   func(image.Image) (image.Image, error)
}

// Process calls the function.
func (p funcProcessor) Process(img image.Image) (image.Image, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p.fn(img)
}

// Fingerprint is "func(name)", name quoted.
func (p funcProcessor) Fingerprint() string { return "func(" + strconv.Quote(p.name) + ")" }

func (p funcProcessor) validate() error {
	switch {
	case p.name == "":
		return fieldErr("", "Func needs a name")
	case p.fn == nil:
		return fieldErr("", "Func needs a function")
	}
	return nil
}

// Orient returns img turned the way EXIF orientation o (1–8) says it is
// displayed. Orientation 1, 0 and out-of-range values return img unchanged.
//
// The orientation tag says where the stored rows and columns belong: 2 is
// mirrored left to right, 3 turned half a turn, 4 mirrored top to bottom,
// 5 transposed (stored rows are displayed columns), 6 needs a quarter turn
// clockwise, 7 is transversed, 8 needs a quarter turn counter-clockwise.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	if out, ok := orientDirect(img, o); ok {
		return out
	}
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // 270° counter-clockwise = 90° clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// validAnchor reports whether a is empty (Center) or one of the anchors.
func validAnchor(a Anchor) bool {
	switch a {
	case "", Center, Top, Bottom, Left, Right, TopLeft, TopRight, BottomLeft, BottomRight:
		return true
	}
	return false
}

// anchorName is a's canonical name: the empty anchor is Center.
func anchorName(a Anchor) string {
	if a == "" {
		return string(Center)
	}
	return string(a)
}

// checkAnchor validates an anchor field; smart says whether Smart is
// allowed (for Fill, not for Crop or Pad).
func checkAnchor(a Anchor, smart bool) error {
	switch {
	case a == Smart && smart:
		return nil
	case a == Smart:
		return fieldErr("anchor", `"smart" only applies to op fill`)
	case !validAnchor(a):
		list := "center, top, bottom, left, right, top-left, top-right, bottom-left, bottom-right"
		if smart {
			list += ", smart"
		}
		return fieldErr("anchor", fmt.Sprintf("%q is not one of %s", string(a), list))
	}
	return nil
}

// checkSide validates a width or height that must be positive.
func checkSide(field string, v int) error {
	switch {
	case v <= 0:
		return fieldErr(field, "must be positive")
	case v > MaxSide:
		return fieldErr(field, fmt.Sprintf("must be at most %d", MaxSide))
	}
	return nil
}

// checkBound validates a width or height that may be 0 (computed or no
// bound) as long as the other one is not.
func checkBound(op string, w, h int) error {
	for _, f := range []struct {
		name string
		v    int
	}{{"width", w}, {"height", h}} {
		switch {
		case f.v < 0:
			return fieldErr(f.name, "must not be negative")
		case f.v > MaxSide:
			return fieldErr(f.name, fmt.Sprintf("must be at most %d", MaxSide))
		}
	}
	if w == 0 && h == 0 {
		return fieldErr("width", op+" needs a width or a height")
	}
	return nil
}

// colorHex writes c as "#rrggbbaa".
func colorHex(c color.NRGBA) string {
	return fmt.Sprintf("#%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}

// ParseColor reads a colour written "#rrggbb" (opaque) or "#rrggbbaa", in
// hexadecimal digits of either case, as in config files.
func ParseColor(s string) (color.NRGBA, error) {
	if (len(s) != 7 && len(s) != 9) || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("%q is not a colour #rrggbb or #rrggbbaa", s)
	}
	var v [4]uint8
	v[3] = 0xff
	for i := 0; i < (len(s)-1)/2; i++ {
		n, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return color.NRGBA{}, fmt.Errorf("%q is not a colour #rrggbb or #rrggbbaa", s)
		}
		v[i] = uint8(n)
	}
	return color.NRGBA{v[0], v[1], v[2], v[3]}, nil
}

// FormatColor writes c as ParseColor reads it: "#rrggbb" when c is opaque,
// "#rrggbbaa" otherwise.
func FormatColor(c color.NRGBA) string {
	if c.A == 0xff {
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	return colorHex(c)
}

// formatFloat writes v in the shortest form that reads back the same,
// without a negative zero.
func formatFloat(v float64) string {
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// --- Fit ---

// Process fits img into the box.
func (f Fit) Process(img image.Image) (image.Image, error) {
	s := img.Bounds().Size()
	return f.ProcessScaled(img, s.X, s.Y)
}

// ResampleSize is the fitted size, or w×h when the picture already fits.
func (f Fit) ResampleSize(w, h int) (int, int) { return fitBox(w, h, f.Width, f.Height) }

// ProcessScaled resamples src to the size Process gives for a w×h source.
func (f Fit) ProcessScaled(src image.Image, w, h int) (image.Image, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if err := checkSource(src, w, h); err != nil {
		return nil, err
	}
	rw, rh := f.ResampleSize(w, h)
	return resample(src, rw, rh), nil
}

// Fingerprint is "fit(WxH)".
func (f Fit) Fingerprint() string { return fmt.Sprintf("fit(%dx%d)", f.Width, f.Height) }

// Fit's Width or Height may be 0, meaning no bound in that direction (as
// in Original.Spec), but not both.
func (f Fit) validate() error { return checkBound("fit", f.Width, f.Height) }

// --- Fill ---

// Process fills the box with img.
func (f Fill) Process(img image.Image) (image.Image, error) {
	s := img.Bounds().Size()
	return f.ProcessScaled(img, s.X, s.Y)
}

// ResampleSize is the size of the picture scaled to cover the box, before
// the overflow is cropped.
func (f Fill) ResampleSize(w, h int) (int, int) { return coverBox(w, h, f.Width, f.Height) }

// ProcessScaled returns exactly Width×Height: the window at Anchor of the
// picture scaled to ResampleSize(w, h), taken from src.
func (f Fill) ProcessScaled(src image.Image, w, h int) (image.Image, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if err := checkSource(src, w, h); err != nil {
		return nil, err
	}
	cw, ch := f.ResampleSize(w, h)
	var x0, y0 int
	if f.Anchor == Smart {
		x0, y0 = smartWindow(src, cw, ch, f.Width, f.Height)
	} else {
		x0, y0 = anchorOffset(cw, ch, f.Width, f.Height, f.Anchor)
	}
	// Crop first, then scale: the same picture as scaling to cw×ch and
	// cropping, without making the whole cw×ch image (which can be huge
	// when a long, narrow picture is enlarged).
	r := fillWindow(src.Bounds(), cw, ch, x0, y0, f.Width, f.Height)
	return lanczosResample(subImage(src, r), f.Width, f.Height), nil
}

// Fingerprint is "fill(WxH,anchor)".
func (f Fill) Fingerprint() string {
	return fmt.Sprintf("fill(%dx%d,%s)", f.Width, f.Height, anchorName(f.Anchor))
}

func (f Fill) validate() error {
	if err := checkSide("width", f.Width); err != nil {
		return err
	}
	if err := checkSide("height", f.Height); err != nil {
		return err
	}
	return checkAnchor(f.Anchor, true)
}

// --- Resize ---

// Process resizes img.
func (r Resize) Process(img image.Image) (image.Image, error) {
	s := img.Bounds().Size()
	return r.ProcessScaled(img, s.X, s.Y)
}

// ResampleSize is Width×Height, a zero side computed from w×h.
func (r Resize) ResampleSize(w, h int) (int, int) { return resizeBox(w, h, r.Width, r.Height) }

// ProcessScaled resamples src to ResampleSize(w, h).
func (r Resize) ProcessScaled(src image.Image, w, h int) (image.Image, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	if err := checkSource(src, w, h); err != nil {
		return nil, err
	}
	rw, rh := r.ResampleSize(w, h)
	return resample(src, rw, rh), nil
}

// Fingerprint is "resize(WxH)".
func (r Resize) Fingerprint() string { return fmt.Sprintf("resize(%dx%d)", r.Width, r.Height) }

func (r Resize) validate() error { return checkBound("resize", r.Width, r.Height) }

// --- Crop ---

// Process cuts the region out of img.
func (c Crop) Process(img image.Image) (image.Image, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := min(c.Width, b.Dx()), min(c.Height, b.Dy())
	x, y := anchorOffset(b.Dx(), b.Dy(), w, h, c.Anchor)
	if w == b.Dx() && h == b.Dy() {
		return img, nil
	}
	return imaging.Crop(img, image.Rect(x, y, x+w, y+h).Add(b.Min)), nil
}

// Fingerprint is "crop(WxH,anchor)".
func (c Crop) Fingerprint() string {
	return fmt.Sprintf("crop(%dx%d,%s)", c.Width, c.Height, anchorName(c.Anchor))
}

func (c Crop) validate() error {
	if err := checkSide("width", c.Width); err != nil {
		return err
	}
	if err := checkSide("height", c.Height); err != nil {
		return err
	}
	return checkAnchor(c.Anchor, false)
}

// --- Pad ---

// Process fits img into the box and pads it.
func (p Pad) Process(img image.Image) (image.Image, error) {
	s := img.Bounds().Size()
	return p.ProcessScaled(img, s.X, s.Y)
}

// ResampleSize is the size of the picture inside the padding: the largest
// that fits the box.
func (p Pad) ResampleSize(w, h int) (int, int) { return containBox(w, h, p.Width, p.Height) }

// ProcessScaled resamples src to ResampleSize(w, h) and pads it to
// Width×Height. The picture replaces the background where it lies (it is
// not composited over it), as a paste would.
func (p Pad) ProcessScaled(src image.Image, w, h int) (image.Image, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if err := checkSource(src, w, h); err != nil {
		return nil, err
	}
	rw, rh := p.ResampleSize(w, h)
	pic := resample(src, rw, rh)
	dst := image.NewNRGBA(image.Rect(0, 0, p.Width, p.Height))
	if p.Background != (color.NRGBA{}) {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(p.Background), image.Point{}, draw.Src)
	}
	x, y := anchorOffset(p.Width, p.Height, rw, rh, p.Anchor)
	draw.Draw(dst, image.Rect(x, y, x+rw, y+rh), pic, pic.Bounds().Min, draw.Src)
	return dst, nil
}

// Fingerprint is "pad(WxH,anchor,#rrggbbaa)".
func (p Pad) Fingerprint() string {
	return fmt.Sprintf("pad(%dx%d,%s,%s)", p.Width, p.Height, anchorName(p.Anchor), colorHex(p.Background))
}

func (p Pad) validate() error {
	if err := checkSide("width", p.Width); err != nil {
		return err
	}
	if err := checkSide("height", p.Height); err != nil {
		return err
	}
	return checkAnchor(p.Anchor, false)
}

// --- Rotate ---

// Process rotates img.
func (r Rotate) Process(img image.Image) (image.Image, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	switch a := r.angle(); a {
	case 0:
		return img, nil
	case 90:
		return imaging.Rotate90(img), nil
	case 180:
		return imaging.Rotate180(img), nil
	case 270:
		return imaging.Rotate270(img), nil
	default:
		return imaging.Rotate(img, a, r.Background), nil
	}
}

// angle is Angle reduced to [0, 360).
func (r Rotate) angle() float64 {
	a := math.Mod(r.Angle, 360)
	if a < 0 {
		a += 360
	}
	if a == 0 || a == 360 { // −0, or a tiny negative angle rounding to 360
		a = 0
	}
	return a
}

// Fingerprint is "rotate(angle)" for multiples of 90 and
// "rotate(angle,#rrggbbaa)" otherwise, the angle reduced to [0, 360).
func (r Rotate) Fingerprint() string {
	a := r.angle()
	if a == 0 || a == 90 || a == 180 || a == 270 {
		return "rotate(" + formatFloat(a) + ")"
	}
	return "rotate(" + formatFloat(a) + "," + colorHex(r.Background) + ")"
}

func (r Rotate) validate() error {
	if math.IsNaN(r.Angle) || math.IsInf(r.Angle, 0) {
		return fieldErr("rotate", "must be a finite number of degrees")
	}
	return nil
}

// --- Grayscale ---

// Process removes colour from img.
func (Grayscale) Process(img image.Image) (image.Image, error) {
	return imaging.Grayscale(img), nil
}

// Fingerprint is "grayscale".
func (Grayscale) Fingerprint() string { return "grayscale" }

// --- Adjust ---

// Process applies brightness, contrast, saturation and sharpening, in that
// order, skipping those that are 0.
func (a Adjust) Process(img image.Image) (image.Image, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	if a.Brightness != 0 {
		img = imaging.AdjustBrightness(img, a.Brightness)
	}
	if a.Contrast != 0 {
		img = imaging.AdjustContrast(img, a.Contrast)
	}
	if a.Saturation != 0 {
		img = imaging.AdjustSaturation(img, a.Saturation)
	}
	if a.Sharpen != 0 {
		img = imaging.Sharpen(img, a.Sharpen)
	}
	return img, nil
}

// Fingerprint is "adjust(brightness=B,contrast=C,saturation=S,sharpen=σ)".
func (a Adjust) Fingerprint() string {
	return "adjust(brightness=" + formatFloat(a.Brightness) +
		",contrast=" + formatFloat(a.Contrast) +
		",saturation=" + formatFloat(a.Saturation) +
		",sharpen=" + formatFloat(a.Sharpen) + ")"
}

func (a Adjust) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"brightness", a.Brightness}, {"contrast", a.Contrast}, {"saturation", a.Saturation}} {
		if !(f.v >= -100 && f.v <= 100) { // also refuses NaN
			return fieldErr(f.name, "must be between -100 and 100")
		}
	}
	if !(a.Sharpen >= 0 && a.Sharpen <= maxSharpen) {
		return fieldErr("sharpen", fmt.Sprintf("must be between 0 and %d", maxSharpen))
	}
	return nil
}

// checkSource checks the arguments of ProcessScaled: a non-empty src and
// a non-empty full size.
func checkSource(src image.Image, w, h int) error {
	s := src.Bounds().Size()
	switch {
	case s.X <= 0 || s.Y <= 0:
		return errors.New("variants: empty image")
	case w <= 0 || h <= 0:
		return fmt.Errorf("variants: full size %d×%d is empty", w, h)
	}
	return nil
}
