package variants_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// The Smart anchor, through the public API: scenes are a plain background
// (one flat colour, or a smooth ramp along the side the window slides on)
// with one region that stands out, placed where a centred window would
// cut it.

// A patch kind: how to paint it, and how to recognise its pixels in a
// rendering.
type smartPatch struct {
	name  string
	bg    color.NRGBA // the background's colour (its mean, for a ramp)
	paint func(x, y int) color.NRGBA
	is    func(c color.NRGBA) bool
}

var (
	skinTone  = color.NRGBA{224, 172, 145, 255} // luma 184
	saturated = color.NRGBA{120, 110, 255, 255} // luma 130, chroma far from grey
)

var smartPatches = []smartPatch{
	{
		// Black and white squares of 6 pixels: edges everywhere.
		name: "checker", bg: color.NRGBA{150, 150, 150, 255},
		paint: func(x, y int) color.NRGBA {
			if (x/6+y/6)%2 == 0 {
				return color.NRGBA{0, 0, 0, 255}
			}
			return color.NRGBA{255, 255, 255, 255}
		},
		is: func(c color.NRGBA) bool {
			dark := c.R < 48 && c.G < 48 && c.B < 48
			light := c.R > 207 && c.G > 207 && c.B > 207
			return dark || light
		},
	},
	{
		// A saturated violet as bright as its grey background: only its
		// colour tells it apart (its outline has no luma edge, and its
		// blend with the grey is no skin tone, as a red's would be).
		name: "saturated", bg: color.NRGBA{130, 130, 130, 255},
		paint: func(int, int) color.NRGBA { return saturated },
		is:    func(c color.NRGBA) bool { return testimage.Near(c, saturated, 12) },
	},
	{
		// A skin tone as bright as its grey background.
		name: "skin", bg: color.NRGBA{184, 184, 184, 255},
		paint: func(int, int) color.NRGBA { return skinTone },
		is:    func(c color.NRGBA) bool { return testimage.Near(c, skinTone, 12) },
	},
}

// smartScene paints a w×h background, flat or a ramp of ±24 levels along
// the longer side, with patch p in r.
func smartScene(w, h int, p smartPatch, ramp bool, r image.Rectangle) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	long := max(w, h)
	for y := range h {
		for x := range w {
			c := p.bg
			if ramp {
				t := x
				if h > w {
					t = y
				}
				d := 48*t/(long-1) - 24
				c = color.NRGBA{uint8(int(c.R) + d), uint8(int(c.G) + d), uint8(int(c.B) + d), 255}
			}
			if image.Pt(x, y).In(r) {
				c = p.paint(x-r.Min.X, y-r.Min.Y)
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// renderOne renders one spec of src (the whole picture) with Render.
func renderOne(t *testing.T, src image.Image, p variants.Processor) image.Image {
	t.Helper()
	var out image.Image
	full := src.Bounds().Size()
	err := variants.Render(context.Background(), src, full, []variants.Spec{spec("s", p)}, 1, func(_ int, img image.Image) error {
		out = img
		return nil
	})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out
}

// countPixels counts img's pixels for which is holds.
func countPixels(img image.Image, is func(color.NRGBA) bool) int {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if is(color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)) {
				n++
			}
		}
	}
	return n
}

// smartPlacements are the four places of the patch: a 960×640 (or 640×960)
// scene filled into 320×320 keeps a 640-pixel window of the 960 side; the
// patch covers 4–24 % of that side, where the centred window (17–83 %)
// keeps little of it. fixed is the anchor whose window holds it all.
var smartPlacements = []struct {
	name  string
	w, h  int
	patch image.Rectangle
	fixed variants.Anchor
}{
	{"left", 960, 640, image.Rect(40, 220, 232, 420), variants.Left},
	{"right", 960, 640, image.Rect(960-232, 220, 960-40, 420), variants.Right},
	{"top", 640, 960, image.Rect(220, 40, 420, 232), variants.Top},
	{"bottom", 640, 960, image.Rect(220, 960-232, 420, 960-40), variants.Bottom},
}

func TestFillSmartFindsTheDetailedRegion(t *testing.T) {
	for _, p := range smartPatches {
		for _, ramp := range []bool{false, true} {
			bg := "flat"
			if ramp {
				bg = "ramp"
			}
			for _, pl := range smartPlacements {
				t.Run(fmt.Sprintf("%s/%s/%s", p.name, bg, pl.name), func(t *testing.T) {
					src := smartScene(pl.w, pl.h, p, ramp, pl.patch)
					smart := renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart})
					checkSize(t, smart, 320, 320)
					all := countPixels(renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: pl.fixed}), p.is)
					centre := countPixels(renderOne(t, src, variants.Fill{Width: 320, Height: 320}), p.is)
					got := countPixels(smart, p.is)
					// The scene is only a test if the centred window
					// loses most of the patch.
					if all < 2000 || centre > all/2 {
						t.Fatalf("scene: %d patch pixels in the %s window, %d in the centred one", all, pl.fixed, centre)
					}
					if got < all*97/100 {
						t.Errorf("smart window keeps %d of the patch's %d pixels (centred: %d)", got, all, centre)
					}
				})
			}
		}
	}
}

// Skin wins over another colour as bright and as far from grey: the
// window goes to the skin-toned patch whichever side it is on.
func TestFillSmartPrefersSkin(t *testing.T) {
	y, cb, cr := color.RGBToYCbCr(skinTone.R, skinTone.G, skinTone.B)
	r, g, b := color.YCbCrToRGB(y, 255-cb, 255-cr) // the opposite hue
	other := color.NRGBA{r, g, b, 255}
	p := smartPatches[2]
	for _, skinLeft := range []bool{true, false} {
		left, right := image.Rect(40, 220, 232, 420), image.Rect(728, 220, 920, 420)
		if !skinLeft {
			left, right = right, left
		}
		src := smartScene(960, 640, p, false, left)
		for py := right.Min.Y; py < right.Max.Y; py++ {
			for px := right.Min.X; px < right.Max.X; px++ {
				src.SetNRGBA(px, py, other)
			}
		}
		out := renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart})
		if got, want := countPixels(out, p.is), 96*100*97/100; got < want {
			t.Errorf("skin on the left %v: %d skin pixels in the window, want at least %d", skinLeft, got, want)
		}
	}
}

// The window centres a small subject rather than pushing it to an edge.
func TestFillSmartCentresASmallSubject(t *testing.T) {
	p := smartPatches[0]
	// A 2400×600 strip into 600×600: the window is a quarter of the strip.
	// Every window from x = 360 to 840 holds the whole 120-pixel checker at
	// x = 840–960; the one centring it starts at 600.
	src := smartScene(2400, 600, p, false, image.Rect(840, 240, 960, 360))
	out := renderOne(t, src, variants.Fill{Width: 600, Height: 600, Anchor: variants.Smart})
	b := image.Rectangle{Min: image.Pt(600, 600)}
	for y := range 600 {
		for x := range 600 {
			if p.is(color.NRGBAModel.Convert(out.At(x, y)).(color.NRGBA)) {
				b = b.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if mid := (b.Min.X + b.Max.X) / 2; b.Dx() < 110 || mid < 280 || mid > 320 {
		t.Errorf("subject at columns %d–%d of the window, want it whole and near the middle (300)", b.Min.X, b.Max.X)
	}
}

// Smart and Center cut a picture the same way when there is nothing to
// choose: the aspect already matches (the identity crop, even with a
// detailed region off-centre), or nothing stands out.
func TestFillSmartFallsBackToCenter(t *testing.T) {
	checker := smartPatches[0]
	for _, tc := range []struct {
		name string
		src  image.Image
		w, h int
	}{
		{"aspect matches", smartScene(960, 640, checker, false, image.Rect(40, 220, 232, 420)), 480, 320},
		{"aspect matches, enlarged", smartScene(96, 64, checker, false, image.Rect(4, 22, 23, 42)), 300, 200},
		{"flat", smartScene(960, 640, checker, false, image.Rectangle{}), 320, 320},
		{"ramp", smartScene(960, 640, checker, true, image.Rectangle{}), 320, 320},
		{"tall ramp", smartScene(640, 960, checker, true, image.Rectangle{}), 320, 320},
		{"uniform detail", smartScene(960, 640, checker, false, image.Rect(0, 0, 960, 640)), 320, 320},
	} {
		t.Run(tc.name, func(t *testing.T) {
			smart := renderOne(t, tc.src, variants.Fill{Width: tc.w, Height: tc.h, Anchor: variants.Smart})
			centre := renderOne(t, tc.src, variants.Fill{Width: tc.w, Height: tc.h, Anchor: variants.Center})
			checkSize(t, smart, tc.w, tc.h)
			if !bytes.Equal(pixels(smart), pixels(centre)) {
				t.Errorf("smart differs from center")
			}
			if tc.w*tc.src.Bounds().Dy() == tc.h*tc.src.Bounds().Dx() {
				whole := renderOne(t, tc.src, variants.Resize{Width: tc.w, Height: tc.h})
				if !bytes.Equal(pixels(smart), pixels(whole)) {
					t.Errorf("smart on a picture of the box's aspect is not the whole picture resized")
				}
			}
		})
	}
}

func TestFillSmartIsDeterministic(t *testing.T) {
	rgba := smartScene(960, 640, smartPatches[1], true, image.Rect(700, 100, 900, 300))
	srcs := map[string]image.Image{
		"nrgba":    rgba,
		"ycbcr420": testimage.YCbCr(rgba, image.YCbCrSubsampleRatio420),
	}
	for name, src := range srcs {
		specs := []variants.Spec{
			spec("a", variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart}),
			spec("b", variants.Fill{Width: 100, Height: 100, Anchor: variants.Smart}),
			spec("c", variants.Fill{Width: 90, Height: 200, Anchor: variants.Smart}),
			spec("d", variants.Fit{Width: 480, Height: 480}),
		}
		var first [][]byte
		for run, conc := range []int{1, 2, 4, 1} {
			out := collect(t, src, image.Pt(960, 640), specs, conc)
			for i, img := range out {
				if run == 0 {
					first = append(first, pixels(img))
				} else if !bytes.Equal(first[i], pixels(img)) {
					t.Errorf("%s: run %d: spec %s differs from the first run", name, run, specs[i].Name)
				}
			}
		}
		right := renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: variants.Right})
		if all := countPixels(right, smartPatches[1].is); countPixels(renderOne(t, src, specs[0].Processors[0]), smartPatches[1].is) < all*97/100 {
			t.Errorf("%s: the saturated patch is not in the window", name)
		}
	}
}

// Through RenderStored, the window is chosen on the displayed picture:
// every orientation of the same scene gives the same variant.
func TestFillSmartAllOrientations(t *testing.T) {
	checker := smartPatches[0]
	displayed := smartScene(960, 640, checker, true, image.Rect(720, 200, 912, 440))
	specs := []variants.Spec{
		spec("big", variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart}),
		// 120×120 covers at 180×120: Render box-reduces the source by 2
		// first, so the window is chosen on an image already reduced.
		spec("small", variants.Fill{Width: 120, Height: 120, Anchor: variants.Smart}),
		spec("tall", variants.Fill{Width: 100, Height: 300, Anchor: variants.Smart}),
	}
	want := collect(t, displayed, image.Pt(960, 640), specs, 1)
	right := renderOne(t, displayed, variants.Fill{Width: 320, Height: 320, Anchor: variants.Right})
	if all := countPixels(right, checker.is); countPixels(want[0], checker.is) < all*97/100 {
		t.Fatalf("upright: the checker is not in the window")
	}
	for o := 1; o <= 8; o++ {
		stored := testimage.Stored(displayed, o)
		for _, src := range []struct {
			name string
			img  image.Image
		}{{"nrgba", stored}, {"ycbcr444", testimage.YCbCr(stored, image.YCbCrSubsampleRatio444)}} {
			got := make([]image.Image, len(specs))
			err := variants.RenderStored(context.Background(), src.img, o, image.Pt(960, 640), specs, 2, func(i int, img image.Image) error {
				got[i] = img
				return nil
			})
			if err != nil {
				t.Fatalf("orientation %d, %s: %v", o, src.name, err)
			}
			for i := range specs {
				if src.name == "nrgba" {
					if !bytes.Equal(pixels(got[i]), pixels(want[i])) {
						t.Errorf("orientation %d, %s: %s differs from the upright picture's", o, src.name, specs[i].Name)
					}
					continue
				}
				// YCbCr rounds colours; the window must be the same.
				if d := maxChannelDiff(got[i], want[i]); d > 4 {
					t.Errorf("orientation %d, %s: %s differs from the upright picture's by %d", o, src.name, specs[i].Name, d)
				}
			}
		}
	}
}

func TestFillSmartConfig(t *testing.T) {
	const in = `{"name":"thumb","op":"fill","width":50,"height":50,"anchor":"smart"}`
	var s variants.Spec
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	want := variants.Fill{Width: 50, Height: 50, Anchor: variants.Smart}
	if len(s.Processors) != 1 || s.Processors[0] != variants.Processor(want) {
		t.Fatalf("Unmarshal %s = %#v, want %#v", in, s.Processors, want)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	out, err := json.Marshal(s)
	if err != nil || string(out) != in {
		t.Errorf("Marshal = %s, %v; want %s", out, err, in)
	}
	centre := variants.Spec{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50}}}
	if s.Fingerprint() == centre.Fingerprint() {
		t.Errorf("smart and center have the same fingerprint %q", s.Fingerprint())
	}
	if fp := want.Fingerprint(); fp != "fill(50x50,smart)" {
		t.Errorf("Fingerprint = %q", fp)
	}

	cfg, err := variants.ParseConfig([]byte(`{"rules": [{"match": "*", "variants": [` + in + `]}]}`))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if got := cfg.Rules[0].Variants[0].Processors[0]; got != variants.Processor(want) {
		t.Errorf("ParseConfig: %#v, want %#v", got, want)
	}
	yaml, err := variants.ParseConfig([]byte("rules:\n  - match: '*'\n    variants:\n      - {name: thumb, op: fill, width: 50, height: 50, anchor: smart}\n"))
	if err != nil {
		t.Fatalf("ParseConfig YAML: %v", err)
	}
	if got := yaml.Rules[0].Variants[0].Processors[0]; got != variants.Processor(want) {
		t.Errorf("ParseConfig YAML: %#v, want %#v", got, want)
	}
}

func TestSmartOnlyForFill(t *testing.T) {
	for _, tc := range []struct {
		json, msg string
	}{
		{`{"name": "a", "op": "crop", "width": 5, "height": 5, "anchor": "smart"}`, `"smart" only applies to op fill`},
		{`{"name": "a", "op": "pad", "width": 5, "height": 5, "anchor": "smart"}`, `"smart" only applies to op fill`},
		{`{"name": "a", "op": "fit", "width": 5, "anchor": "smart"}`, "only applies to op fill, crop or pad"},
		{`{"name": "a", "op": "fill", "width": 5, "height": 5, "anchor": "clever"}`, `"clever" is not one of center, top, bottom, left, right, top-left, top-right, bottom-left, bottom-right, smart`},
	} {
		_, err := variants.ParseConfig([]byte(`{"rules": [{"match": "*", "variants": [` + tc.json + `]}]}`))
		var fe *variants.FieldError
		if !errors.As(err, &fe) || fe.Path != "rules[0].variants[0].anchor" || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one at anchor containing %q", tc.json, err, tc.msg)
		}
	}
	for _, p := range []variants.Processor{
		variants.Crop{Width: 5, Height: 5, Anchor: variants.Smart},
		variants.Pad{Width: 5, Height: 5, Anchor: variants.Smart},
	} {
		if _, err := p.Process(testimage.Pattern(20, 10)); err == nil {
			t.Errorf("%#v: Process gave no error", p)
		}
	}
}

// Fill with Smart works from whatever image it is given, including a
// sub-image and image types without a fast path, and on tiny pictures.
func TestFillSmartSources(t *testing.T) {
	p := smartPatches[0]
	scene := smartScene(960, 640, p, false, image.Rect(40, 220, 232, 420))
	big := image.NewNRGBA(image.Rect(-50, -30, 1010, 700))
	for y := range 640 {
		copy(big.Pix[big.PixOffset(-50+50, y):], scene.Pix[y*scene.Stride:(y+1)*scene.Stride])
	}
	sub := big.SubImage(image.Rect(0, 0, 960, 640))
	paletted := image.NewPaletted(scene.Bounds(), []color.Color{color.Black, color.White, p.bg})
	for y := range 640 {
		for x := range 960 {
			paletted.Set(x, y, scene.At(x, y))
		}
	}
	gray := image.NewGray(scene.Bounds())
	for y := range 640 {
		for x := range 960 {
			gray.Set(x, y, scene.At(x, y))
		}
	}
	ycc := testimage.YCbCr(scene, image.YCbCrSubsampleRatio420)
	ycc = ycc.SubImage(image.Rect(0, 0, 960, 640)).(*image.YCbCr)
	for name, src := range map[string]image.Image{"sub-image": sub, "paletted": paletted, "gray": gray, "ycbcr": ycc} {
		out := process(t, variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart}, src)
		checkSize(t, out, 320, 320)
		all := countPixels(process(t, variants.Fill{Width: 320, Height: 320, Anchor: variants.Left}, src), p.is)
		if n := countPixels(out, p.is); n < all*97/100 {
			t.Errorf("%s: %d checker pixels in the window, want the whole checker's %d", name, n, all)
		}
	}
	for _, sz := range []image.Point{{1, 1}, {1, 7}, {7, 1}, {3, 2}} {
		out := process(t, variants.Fill{Width: 5, Height: 9, Anchor: variants.Smart}, testimage.Pattern(sz.X, sz.Y))
		checkSize(t, out, 5, 9)
	}
}

// A texture finer than the analysis copy's sampling step still counts as
// detail: a checkerboard of 2-pixel squares, whose period is the step at
// which a 2048-pixel picture is sampled, must not alias into a flat
// colour.
func TestFillSmartSeesFineTexture(t *testing.T) {
	bg := color.NRGBA{60, 90, 160, 255}
	p := smartPatch{
		name: "fine", bg: bg,
		paint: func(x, y int) color.NRGBA {
			if (x/2+y/2)%2 == 0 {
				return color.NRGBA{0, 0, 0, 255}
			}
			return color.NRGBA{255, 255, 255, 255}
		},
		// At half size the squares blend into greys; the background is
		// blue.
		is: func(c color.NRGBA) bool {
			d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
			return d(c.R, c.G) <= 12 && d(c.G, c.B) <= 12
		},
	}
	for _, r := range []image.Rectangle{image.Rect(80, 300, 480, 700), image.Rect(2048-480, 300, 2048-80, 700)} {
		src := smartScene(2048, 1024, p, false, r)
		fixed := variants.Left
		if r.Min.X > 1024 {
			fixed = variants.Right
		}
		all := countPixels(renderOne(t, src, variants.Fill{Width: 512, Height: 512, Anchor: fixed}), p.is)
		got := countPixels(renderOne(t, src, variants.Fill{Width: 512, Height: 512, Anchor: variants.Smart}), p.is)
		if all < 30000 || got < all*97/100 {
			t.Errorf("checker at %v: %d of its %d pixels in the window", r, got, all)
		}
	}
}

// Colour hidden under full transparency is no detail: the window goes to
// what is visible.
func TestFillSmartIgnoresTransparentPixels(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 960, 640))
	visible := image.Rect(728, 220, 920, 420)
	for y := range 640 {
		for x := range 960 {
			c := color.NRGBA{0, 0, 0, 0}
			switch {
			case image.Pt(x, y).In(visible):
				c = color.NRGBA{200, 60, 200, 255}
			case (x/6+y/6)%2 == 0: // an invisible checker on the left
				c = color.NRGBA{255, 255, 255, 0}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	is := func(c color.NRGBA) bool { return c.A > 240 && testimage.Near(c, color.NRGBA{200, 60, 200, 255}, 12) }
	all := countPixels(renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: variants.Right}), is)
	got := countPixels(renderOne(t, src, variants.Fill{Width: 320, Height: 320, Anchor: variants.Smart}), is)
	if all < 5000 || got < all*97/100 {
		t.Errorf("%d of the visible patch's %d pixels in the window", got, all)
	}
}
