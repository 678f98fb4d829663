package variants_test

import (
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

var (
	red    = testimage.TopLeft
	green  = testimage.TopRight
	blue   = testimage.BottomLeft
	yellow = testimage.BottomRight
	white  = color.NRGBA{255, 255, 255, 255}
	clear  = color.NRGBA{}
)

// colourTol is how far a resampled quadrant centre may drift from its
// colour: far from the edges Lanczos reproduces flat colour almost exactly.
const colourTol = 8

// process runs p on img, failing the test on an error.
func process(t *testing.T, p variants.Processor, img image.Image) image.Image {
	t.Helper()
	out, err := p.Process(img)
	if err != nil {
		t.Fatalf("%#v.Process: %v", p, err)
	}
	if out == nil {
		t.Fatalf("%#v.Process returned nil", p)
	}
	return out
}

// checkSize checks img's size.
func checkSize(t *testing.T, img image.Image, w, h int) {
	t.Helper()
	if s := img.Bounds().Size(); s.X != w || s.Y != h {
		t.Fatalf("size %dx%d, want %dx%d", s.X, s.Y, w, h)
	}
}

// checkQuadrants checks the colours at img's quadrant centres (TL, TR, BL,
// BR).
func checkQuadrants(t *testing.T, img image.Image, want [4]color.NRGBA) {
	t.Helper()
	got := testimage.Quadrants(img)
	for i := range got {
		if !testimage.Near(got[i], want[i], colourTol) {
			t.Errorf("quadrants %v, want %v", got, want)
			return
		}
	}
}

// checkAt checks the colour of one pixel.
func checkAt(t *testing.T, img image.Image, x, y int, want color.NRGBA) {
	t.Helper()
	b := img.Bounds()
	got := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
	if !testimage.Near(got, want, colourTol) {
		t.Errorf("pixel (%d,%d) is %v, want %v", x, y, got, want)
	}
}

var asIs = [4]color.NRGBA{red, green, blue, yellow}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name         string
		w, h         int
		fit          variants.Fit
		wantW, wantH int
	}{
		{"wide into square", 400, 200, variants.Fit{Width: 100, Height: 100}, 100, 50},
		{"tall into square", 200, 400, variants.Fit{Width: 100, Height: 100}, 50, 100},
		{"width bound only", 400, 200, variants.Fit{Width: 100}, 100, 50},
		{"height bound only", 400, 200, variants.Fit{Height: 50}, 100, 50},
		{"height binds", 400, 200, variants.Fit{Width: 300, Height: 50}, 100, 50},
		{"rounds", 1000, 333, variants.Fit{Width: 100, Height: 100}, 100, 33},
		{"already inside: not enlarged", 80, 40, variants.Fit{Width: 100, Height: 100}, 80, 40},
		{"exactly the box", 100, 50, variants.Fit{Width: 100, Height: 50}, 100, 50},
		{"unbounded width, inside", 4000, 40, variants.Fit{Height: 100}, 4000, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testimage.Pattern(tc.w, tc.h)
			out := process(t, tc.fit, src)
			checkSize(t, out, tc.wantW, tc.wantH)
			checkQuadrants(t, out, asIs)
			if rw, rh := tc.fit.ResampleSize(tc.w, tc.h); rw != tc.wantW || rh != tc.wantH {
				t.Errorf("ResampleSize = %dx%d, want %dx%d", rw, rh, tc.wantW, tc.wantH)
			}
		})
	}
}

func TestFitNeverUpscalesReturnsSource(t *testing.T) {
	src := testimage.Pattern(30, 20)
	out := process(t, variants.Fit{Width: 300, Height: 300}, src)
	if out != image.Image(src) {
		t.Errorf("a picture inside the box was copied, want it returned as is")
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct {
		name   string
		w, h   int
		anchor variants.Anchor
		want   [4]color.NRGBA
	}{
		// A 400×200 picture covers 100×100 at 200×100: the window keeps
		// half of the width.
		{"wide center", 400, 200, variants.Center, asIs},
		{"wide default anchor is center", 400, 200, "", asIs},
		{"wide top-left keeps the left half", 400, 200, variants.TopLeft, [4]color.NRGBA{red, red, blue, blue}},
		{"wide left", 400, 200, variants.Left, [4]color.NRGBA{red, red, blue, blue}},
		{"wide bottom-right keeps the right half", 400, 200, variants.BottomRight, [4]color.NRGBA{green, green, yellow, yellow}},
		{"wide right", 400, 200, variants.Right, [4]color.NRGBA{green, green, yellow, yellow}},
		{"wide top is centred horizontally", 400, 200, variants.Top, asIs},
		// A 200×400 picture covers 100×100 at 100×200.
		{"tall top-left keeps the top half", 200, 400, variants.TopLeft, [4]color.NRGBA{red, green, red, green}},
		{"tall top", 200, 400, variants.Top, [4]color.NRGBA{red, green, red, green}},
		{"tall bottom-right keeps the bottom half", 200, 400, variants.BottomRight, [4]color.NRGBA{blue, yellow, blue, yellow}},
		{"tall bottom", 200, 400, variants.Bottom, [4]color.NRGBA{blue, yellow, blue, yellow}},
		{"tall center", 200, 400, variants.Center, asIs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := process(t, variants.Fill{Width: 100, Height: 100, Anchor: tc.anchor}, testimage.Pattern(tc.w, tc.h))
			checkSize(t, out, 100, 100)
			checkQuadrants(t, out, tc.want)
		})
	}
}

func TestFillEnlargesAndCovers(t *testing.T) {
	out := process(t, variants.Fill{Width: 120, Height: 60}, testimage.Pattern(20, 20))
	checkSize(t, out, 120, 60)
	// Scaled to 120×120, the middle 60 rows: the quadrant centres of the
	// result lie in the picture's quadrants.
	checkQuadrants(t, out, asIs)
	if rw, rh := (variants.Fill{Width: 120, Height: 60}).ResampleSize(20, 20); rw != 120 || rh != 120 {
		t.Errorf("ResampleSize = %dx%d, want 120x120", rw, rh)
	}
}

func TestResize(t *testing.T) {
	for _, tc := range []struct {
		name         string
		r            variants.Resize
		wantW, wantH int
	}{
		{"exact box changes the aspect", variants.Resize{Width: 100, Height: 100}, 100, 100},
		{"width only keeps the aspect", variants.Resize{Width: 100}, 100, 50},
		{"height only keeps the aspect", variants.Resize{Height: 100}, 200, 100},
		{"enlarges", variants.Resize{Width: 800, Height: 300}, 800, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := process(t, tc.r, testimage.Pattern(400, 200))
			checkSize(t, out, tc.wantW, tc.wantH)
			checkQuadrants(t, out, asIs)
		})
	}
}

func TestCrop(t *testing.T) {
	src := testimage.Pattern(400, 200) // quadrant boundary at x=200, y=100
	all := func(c color.NRGBA) [4]color.NRGBA { return [4]color.NRGBA{c, c, c, c} }
	for _, tc := range []struct {
		anchor       variants.Anchor
		x0, y0       int // where the window sits in src
		wantQuadrant [4]color.NRGBA
	}{
		{variants.TopLeft, 0, 0, all(red)},
		{variants.TopRight, 300, 0, all(green)},
		{variants.BottomLeft, 0, 100, all(blue)},
		{variants.BottomRight, 300, 100, all(yellow)},
		{variants.Center, 150, 50, asIs},
		{"", 150, 50, asIs},
		{variants.Top, 150, 0, [4]color.NRGBA{red, green, red, green}},
		{variants.Bottom, 150, 100, [4]color.NRGBA{blue, yellow, blue, yellow}},
		{variants.Left, 0, 50, [4]color.NRGBA{red, red, blue, blue}},
		{variants.Right, 300, 50, [4]color.NRGBA{green, green, yellow, yellow}},
	} {
		t.Run(string(tc.anchor), func(t *testing.T) {
			out := process(t, variants.Crop{Width: 100, Height: 100, Anchor: tc.anchor}, src)
			checkSize(t, out, 100, 100)
			checkQuadrants(t, out, tc.wantQuadrant)
			// No scaling: every pixel is the source's.
			b := out.Bounds()
			for y := 0; y < 100; y += 7 {
				for x := 0; x < 100; x += 7 {
					if got, want := out.At(b.Min.X+x, b.Min.Y+y), src.At(tc.x0+x, tc.y0+y); got != want {
						t.Fatalf("pixel (%d,%d) = %v, want source pixel (%d,%d) = %v", x, y, got, tc.x0+x, tc.y0+y, want)
					}
				}
			}
		})
	}
}

func TestCropLargerThanPicture(t *testing.T) {
	src := testimage.Pattern(400, 200)
	out := process(t, variants.Crop{Width: 500, Height: 100, Anchor: variants.Bottom}, src)
	checkSize(t, out, 400, 100)
	checkQuadrants(t, out, [4]color.NRGBA{blue, yellow, blue, yellow})
	whole := process(t, variants.Crop{Width: 1000, Height: 1000}, src)
	checkSize(t, whole, 400, 200)
	checkQuadrants(t, whole, asIs)
}

func TestCropOfSubImage(t *testing.T) {
	// A source whose bounds do not start at the origin.
	src := testimage.Pattern(400, 200).SubImage(image.Rect(200, 100, 400, 200)) // all yellow
	out := process(t, variants.Crop{Width: 50, Height: 50, Anchor: variants.TopLeft}, src)
	checkSize(t, out, 50, 50)
	checkQuadrants(t, out, [4]color.NRGBA{yellow, yellow, yellow, yellow})
}

func TestPad(t *testing.T) {
	src := testimage.Pattern(400, 200)
	t.Run("center letterbox", func(t *testing.T) {
		out := process(t, variants.Pad{Width: 100, Height: 100, Background: white}, src)
		checkSize(t, out, 100, 100)
		// The picture is 100×50 at y 25–75.
		checkAt(t, out, 50, 5, white)
		checkAt(t, out, 50, 95, white)
		checkAt(t, out, 25, 37, red)
		checkAt(t, out, 75, 37, green)
		checkAt(t, out, 25, 62, blue)
		checkAt(t, out, 75, 62, yellow)
	})
	t.Run("top", func(t *testing.T) {
		out := process(t, variants.Pad{Width: 100, Height: 100, Anchor: variants.Top, Background: white}, src)
		checkAt(t, out, 25, 12, red)
		checkAt(t, out, 75, 37, yellow)
		checkAt(t, out, 50, 75, white)
	})
	t.Run("bottom-right pillarbox", func(t *testing.T) {
		tall := testimage.Pattern(200, 400)
		out := process(t, variants.Pad{Width: 100, Height: 100, Anchor: variants.BottomRight, Background: white}, tall)
		checkSize(t, out, 100, 100)
		// The picture is 50×100 at x 50–100.
		checkAt(t, out, 25, 50, white)
		checkAt(t, out, 62, 25, red)
		checkAt(t, out, 87, 75, yellow)
	})
	t.Run("zero background is transparent", func(t *testing.T) {
		out := process(t, variants.Pad{Width: 100, Height: 100}, src)
		checkAt(t, out, 50, 5, clear)
		checkAt(t, out, 25, 37, red)
	})
	t.Run("enlarges", func(t *testing.T) {
		out := process(t, variants.Pad{Width: 100, Height: 100, Background: white}, testimage.Pattern(20, 10))
		checkSize(t, out, 100, 100)
		checkAt(t, out, 25, 37, red)
		checkAt(t, out, 75, 62, yellow)
		if rw, rh := (variants.Pad{Width: 100, Height: 100}).ResampleSize(20, 10); rw != 100 || rh != 50 {
			t.Errorf("ResampleSize = %dx%d, want 100x50", rw, rh)
		}
	})
}

func TestRotate(t *testing.T) {
	src := testimage.Pattern(200, 100)
	for _, tc := range []struct {
		angle float64
		w, h  int
		want  [4]color.NRGBA
	}{
		{0, 200, 100, asIs},
		{360, 200, 100, asIs},
		// Counter-clockwise: the top edge goes to the left.
		{90, 100, 200, [4]color.NRGBA{green, yellow, red, blue}},
		{-270, 100, 200, [4]color.NRGBA{green, yellow, red, blue}},
		{180, 200, 100, [4]color.NRGBA{yellow, blue, green, red}},
		{270, 100, 200, [4]color.NRGBA{blue, red, yellow, green}},
		{-90, 100, 200, [4]color.NRGBA{blue, red, yellow, green}},
		{450, 100, 200, [4]color.NRGBA{green, yellow, red, blue}},
	} {
		out := process(t, variants.Rotate{Angle: tc.angle}, src)
		if s := out.Bounds().Size(); s.X != tc.w || s.Y != tc.h {
			t.Errorf("Rotate %v: size %v, want %dx%d", tc.angle, s, tc.w, tc.h)
			continue
		}
		got := testimage.Quadrants(out)
		if got != tc.want {
			t.Errorf("Rotate %v: quadrants %v, want %v (right angles are exact)", tc.angle, got, tc.want)
		}
	}
}

func TestRotateOddAngle(t *testing.T) {
	src := testimage.Pattern(100, 100)
	out := process(t, variants.Rotate{Angle: 45, Background: white}, src)
	s := out.Bounds().Size()
	if s.X < 140 || s.X > 143 || s.Y < 140 || s.Y > 143 {
		t.Fatalf("size %v, want about 141x141", s)
	}
	checkAt(t, out, 0, 0, white)
	checkAt(t, out, s.X-1, s.Y-1, white)
	// Turned 45° counter-clockwise, the top-left quadrant is now at the
	// left, the top-right one at the top.
	checkAt(t, out, s.X/4, s.Y/2, red)
	checkAt(t, out, s.X/2, s.Y/4, green)
	checkAt(t, out, s.X/2, 3*s.Y/4, blue)
	checkAt(t, out, 3*s.X/4, s.Y/2, yellow)

	transparent := process(t, variants.Rotate{Angle: 30}, src)
	checkAt(t, transparent, 0, 0, clear)
}

func TestGrayscale(t *testing.T) {
	out := process(t, variants.Grayscale{}, testimage.Pattern(40, 40))
	checkSize(t, out, 40, 40)
	q := testimage.Quadrants(out)
	for i, c := range q {
		if c.R != c.G || c.G != c.B || c.A != 255 {
			t.Errorf("quadrant %d is %v, want grey", i, c)
		}
	}
	// Red, green and blue have different luminances.
	if q[0] == q[1] || q[1] == q[2] || q[0] == q[2] {
		t.Errorf("red, green and blue became %v, %v, %v; want three greys", q[0], q[1], q[2])
	}
}

// uniform returns a w×h image of colour c.
func uniform(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestAdjust(t *testing.T) {
	grey := color.NRGBA{100, 100, 100, 255}
	at := func(img image.Image, x, y int) color.NRGBA {
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
	t.Run("brightness", func(t *testing.T) {
		out := process(t, variants.Adjust{Brightness: 20}, uniform(10, 10, grey))
		if c := at(out, 5, 5); c.R <= 100 || c.R != c.G || c.G != c.B {
			t.Errorf("brighter grey is %v", c)
		}
		out = process(t, variants.Adjust{Brightness: -100}, uniform(10, 10, grey))
		checkAt(t, out, 5, 5, color.NRGBA{0, 0, 0, 255})
	})
	t.Run("contrast", func(t *testing.T) {
		img := uniform(10, 10, grey)
		for y := range 10 {
			for x := 5; x < 10; x++ {
				img.SetNRGBA(x, y, color.NRGBA{160, 160, 160, 255})
			}
		}
		out := process(t, variants.Adjust{Contrast: 50}, img)
		dark, light := at(out, 2, 5), at(out, 7, 5)
		if int(light.R)-int(dark.R) <= 60 {
			t.Errorf("more contrast gives %v and %v, want them further apart than 100 and 160", dark, light)
		}
	})
	t.Run("saturation", func(t *testing.T) {
		out := process(t, variants.Adjust{Saturation: -100}, testimage.Pattern(20, 20))
		for i, c := range testimage.Quadrants(out) {
			if c.R != c.G || c.G != c.B {
				t.Errorf("desaturated quadrant %d is %v, want grey", i, c)
			}
		}
	})
	t.Run("sharpen", func(t *testing.T) {
		src := testimage.Pattern(40, 40)
		out := process(t, variants.Adjust{Sharpen: 1}, src)
		checkSize(t, out, 40, 40)
		checkQuadrants(t, out, asIs) // flat areas stay
	})
	t.Run("zero is the identity", func(t *testing.T) {
		src := testimage.Pattern(10, 10)
		if out := process(t, variants.Adjust{}, src); out != image.Image(src) {
			t.Errorf("Adjust{} made a new image")
		}
	})
}

func TestFunc(t *testing.T) {
	calls := 0
	p := variants.Func("invert", func(img image.Image) (image.Image, error) {
		calls++
		return img, nil
	})
	src := testimage.Pattern(4, 4)
	if out := process(t, p, src); out != image.Image(src) || calls != 1 {
		t.Errorf("Func: out %p, calls %d", out, calls)
	}
	if fp, ok := p.(variants.Fingerprinter); !ok || fp.Fingerprint() != `func("invert")` {
		t.Errorf("Func fingerprint: %v", p)
	}
	boom := errors.New("boom")
	failing := variants.Func("fail", func(image.Image) (image.Image, error) { return nil, boom })
	if _, err := failing.Process(src); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
	if _, err := variants.Func("", func(img image.Image) (image.Image, error) { return img, nil }).Process(src); err == nil {
		t.Errorf("Func without a name ran")
	}
	if _, err := variants.Func("nil", nil).Process(src); err == nil {
		t.Errorf("Func without a function ran")
	}
}

func TestOrientAllEight(t *testing.T) {
	displayed := testimage.Pattern(6, 4)
	for o := 1; o <= 8; o++ {
		stored := testimage.Stored(displayed, o)
		got := variants.Orient(stored, o)
		if got.Bounds().Size() != displayed.Bounds().Size() {
			t.Errorf("orientation %d: size %v, want %v", o, got.Bounds().Size(), displayed.Bounds().Size())
			continue
		}
		b := got.Bounds()
	pixels:
		for y := range 4 {
			for x := range 6 {
				g := color.NRGBAModel.Convert(got.At(b.Min.X+x, b.Min.Y+y))
				if g != displayed.At(x, y) {
					t.Errorf("orientation %d: pixel (%d,%d) = %v, want %v", o, x, y, g, displayed.At(x, y))
					break pixels
				}
			}
		}
	}
}

func TestOrientOutOfRangeIsIdentity(t *testing.T) {
	src := testimage.Pattern(6, 4)
	for _, o := range []int{-1, 0, 1, 9} {
		if got := variants.Orient(src, o); got != image.Image(src) {
			t.Errorf("Orient(%d) changed the image", o)
		}
	}
}

func TestResamplersProcessScaled(t *testing.T) {
	// ProcessScaled from a half-size copy gives the size Process gives from
	// the full picture, and nearly the same pixels.
	full := testimage.Pattern(800, 600)
	half := testimage.Pattern(400, 300)
	for _, r := range []variants.Resampler{
		variants.Fit{Width: 100, Height: 100},
		variants.Fill{Width: 90, Height: 40, Anchor: variants.TopRight},
		variants.Resize{Width: 70},
		variants.Pad{Width: 120, Height: 120, Background: white},
	} {
		want := process(t, r, full)
		got, err := r.ProcessScaled(half, 800, 600)
		if err != nil {
			t.Fatalf("%#v.ProcessScaled: %v", r, err)
		}
		if got.Bounds().Size() != want.Bounds().Size() {
			t.Errorf("%#v: ProcessScaled size %v, Process size %v", r, got.Bounds().Size(), want.Bounds().Size())
			continue
		}
		if g, w := testimage.Quadrants(got), testimage.Quadrants(want); g != w {
			for i := range g {
				if !testimage.Near(g[i], w[i], colourTol) {
					t.Errorf("%#v: quadrants %v, want %v", r, g, w)
					break
				}
			}
		}
	}
}

func TestProcessorsRefuseBadParameters(t *testing.T) {
	src := testimage.Pattern(10, 10)
	for _, p := range []variants.Processor{
		variants.Fit{},
		variants.Fit{Width: -1, Height: 5},
		variants.Fill{Width: 0, Height: 5},
		variants.Fill{Width: 5, Height: 5, Anchor: "middle"},
		variants.Resize{},
		variants.Crop{Width: 5, Height: -5},
		variants.Pad{Width: variants.MaxSide + 1, Height: 5},
		variants.Rotate{Angle: math.NaN()},
		variants.Rotate{Angle: math.Inf(1)},
		variants.Adjust{Brightness: 101},
		variants.Adjust{Sharpen: -1},
	} {
		if _, err := p.Process(src); err == nil {
			t.Errorf("%#v.Process: no error", p)
		}
	}
}

func TestColours(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want color.NRGBA
		out  string
	}{
		{"#ffffff", white, "#ffffff"},
		{"#FF8000", color.NRGBA{255, 128, 0, 255}, "#ff8000"},
		{"#10203040", color.NRGBA{16, 32, 48, 64}, "#10203040"},
		{"#000000ff", color.NRGBA{0, 0, 0, 255}, "#000000"},
		{"#00000000", clear, "#00000000"},
	} {
		got, err := variants.ParseColor(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseColor(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if s := variants.FormatColor(got); s != tc.out {
			t.Errorf("FormatColor(%v) = %q, want %q", got, s, tc.out)
		}
	}
	for _, bad := range []string{"", "#", "fff", "#fff", "ffffff", "#gggggg", "#ffffff0", "#ffffffffff", "#+1ffff"} {
		if _, err := variants.ParseColor(bad); err == nil || !strings.Contains(err.Error(), "colour") {
			t.Errorf("ParseColor(%q): err %v", bad, err)
		}
	}
}
