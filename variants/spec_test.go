package variants_test

import (
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// smallSpec is the DESIGN.md "small" variant.
func smallSpec() variants.Spec {
	return variants.Spec{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}, Format: codecs.JPEG, Quality: 80}
}

func TestFingerprintGolden(t *testing.T) {
	// The SHA-256 of the documented canonical text
	//
	//	blobimage variant v1
	//	processor "fit(400x400)"
	//	format "jpeg"
	//	quality 80
	//
	// If this changes, every stored variant becomes stale.
	const golden = "7a1e643310edfe69880be6dcde20ddd23be03fec3321533b6697823570870b99"
	if got := smallSpec().Fingerprint(); got != golden {
		t.Fatalf("Fingerprint = %s, want %s", got, golden)
	}
}

func TestFingerprint(t *testing.T) {
	base := smallSpec()
	fp := base.Fingerprint()
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("Fingerprint %q is not 64 hex digits", fp)
	}
	with := func(f func(*variants.Spec)) variants.Spec {
		s := base
		s.Processors = append([]variants.Processor(nil), base.Processors...)
		f(&s)
		return s
	}

	same := map[string]variants.Spec{
		"another name": with(func(s *variants.Spec) { s.Name = "thumbnail" }),
	}
	for name, s := range same {
		if s.Fingerprint() != fp {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	// Quality 0 is the default quality; the empty anchor is center; right
	// angles ignore the background; angles are reduced.
	equal := []struct {
		name string
		a, b variants.Spec
	}{
		{"default quality",
			variants.Spec{Processors: []variants.Processor{variants.Fit{Width: 1}}},
			variants.Spec{Processors: []variants.Processor{variants.Fit{Width: 1}}, Quality: codecs.DefaultQuality}},
		{"default anchor",
			variants.Spec{Processors: []variants.Processor{variants.Fill{Width: 1, Height: 1}}},
			variants.Spec{Processors: []variants.Processor{variants.Fill{Width: 1, Height: 1, Anchor: variants.Center}}}},
		{"rotate 450 is rotate 90",
			variants.Spec{Processors: []variants.Processor{variants.Rotate{Angle: 450, Background: white}}},
			variants.Spec{Processors: []variants.Processor{variants.Rotate{Angle: 90}}}},
	}
	for _, tc := range equal {
		if tc.a.Fingerprint() != tc.b.Fingerprint() {
			t.Errorf("%s: fingerprints differ", tc.name)
		}
	}

	different := map[string]variants.Spec{
		"quality":         with(func(s *variants.Spec) { s.Quality = 81 }),
		"format":          with(func(s *variants.Spec) { s.Format = codecs.PNG }),
		"source format":   with(func(s *variants.Spec) { s.Format = "" }),
		"width":           with(func(s *variants.Spec) { s.Processors[0] = variants.Fit{Width: 401, Height: 400} }),
		"op":              with(func(s *variants.Spec) { s.Processors[0] = variants.Resize{Width: 400, Height: 400} }),
		"more processors": with(func(s *variants.Spec) { s.Processors = append(s.Processors, variants.Grayscale{}) }),
		"no processors":   with(func(s *variants.Spec) { s.Processors = nil }),
		"adjust":          with(func(s *variants.Spec) { s.Processors = append(s.Processors, variants.Adjust{Sharpen: 0.5}) }),
		"pad background": with(func(s *variants.Spec) {
			s.Processors[0] = variants.Pad{Width: 400, Height: 400, Background: white}
		}),
		"func name": with(func(s *variants.Spec) {
			s.Processors = append(s.Processors, variants.Func("a", func(i image.Image) (image.Image, error) { return i, nil }))
		}),
	}
	seen := map[string]string{fp: "base"}
	for name, s := range different {
		f := s.Fingerprint()
		if other, dup := seen[f]; dup {
			t.Errorf("%s has the same fingerprint as %s", name, other)
		}
		seen[f] = name
	}
}

// plain is a custom processor with neither Fingerprint nor Validate.
type plain struct {
	Level  int
	hidden int
}

func (plain) Process(img image.Image) (image.Image, error) { return img, nil }

func TestFingerprintOfPlainCustomProcessor(t *testing.T) {
	a := variants.Spec{Processors: []variants.Processor{plain{Level: 1}}}
	b := variants.Spec{Processors: []variants.Processor{plain{Level: 2}}}
	c := variants.Spec{Processors: []variants.Processor{plain{Level: 1, hidden: 7}}}
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("exported field change kept the fingerprint")
	}
	if a.Fingerprint() != c.Fingerprint() {
		t.Errorf("unexported field changed the fingerprint")
	}
}

func TestOutputFormat(t *testing.T) {
	for _, tc := range []struct {
		spec   codecs.Format
		src    codecs.Format
		opaque bool
		want   codecs.Format
	}{
		{"", codecs.JPEG, true, codecs.JPEG},
		{"", codecs.PNG, true, codecs.PNG},
		{"", codecs.PNG, false, codecs.PNG},
		{"", codecs.GIF, true, codecs.PNG},
		{"", codecs.GIF, false, codecs.PNG},
		{"", codecs.WebP, true, codecs.JPEG},
		{"", codecs.WebP, false, codecs.PNG},
		{"", "avif", true, codecs.JPEG}, // unknown, cannot be encoded
		{"", "avif", false, codecs.PNG},
		{codecs.JPEG, codecs.PNG, false, codecs.JPEG},
		{codecs.PNG, codecs.JPEG, true, codecs.PNG},
	} {
		s := variants.Spec{Format: tc.spec}
		if got := s.OutputFormat(tc.src, tc.opaque); got != tc.want {
			t.Errorf("Spec{Format: %q}.OutputFormat(%q, opaque %v) = %q, want %q", tc.spec, tc.src, tc.opaque, got, tc.want)
		}
	}
}

// validating is a custom processor with a Validate method.
type validating struct{ N int }

func (validating) Process(img image.Image) (image.Image, error) { return img, nil }
func (v validating) Validate() error {
	if v.N < 0 {
		return errors.New("N must not be negative")
	}
	return nil
}

func TestSpecValidate(t *testing.T) {
	fit := func(w, h int) variants.Processor { return variants.Fit{Width: w, Height: h} }
	noop := variants.Func("noop", func(i image.Image) (image.Image, error) { return i, nil })
	for _, tc := range []struct {
		name string
		spec variants.Spec
		want string // "" for valid
	}{
		{"small", smallSpec(), ""},
		{"no processors", variants.Spec{Name: "copy"}, ""},
		{"everything", variants.Spec{Name: "a_b-9", Processors: []variants.Processor{
			variants.Pad{Width: 10, Height: 10, Anchor: variants.BottomLeft, Background: white},
			variants.Rotate{Angle: 30}, variants.Grayscale{}, variants.Adjust{Brightness: -100, Contrast: 100, Saturation: 5, Sharpen: 10},
		}, Format: codecs.PNG, Quality: 100}, ""},
		{"custom chain", variants.Spec{Name: "c", Processors: []variants.Processor{fit(10, 10), noop, validating{1}}}, ""},

		{"empty name", variants.Spec{Processors: []variants.Processor{fit(1, 1)}}, `name: "" is not`},
		{"upper case name", variants.Spec{Name: "Small"}, `name: "Small" is not`},
		{"long name", variants.Spec{Name: strings.Repeat("a", 33)}, `name: `},
		{"leading dash", variants.Spec{Name: "-a"}, `name: `},
		{"reserved name", variants.Spec{Name: "original"}, `name: "original" is reserved`},
		{"fit negative width", variants.Spec{Name: "a", Processors: []variants.Processor{fit(-1, 10)}}, "width: must not be negative"},
		{"fit no box", variants.Spec{Name: "a", Processors: []variants.Processor{fit(0, 0)}}, "width: fit needs a width or a height"},
		{"fit too high", variants.Spec{Name: "a", Processors: []variants.Processor{fit(10, 20000)}}, "height: must be at most 16384"},
		{"fill zero width", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Fill{Height: 5}}}, "width: must be positive"},
		{"fill negative width", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Fill{Width: -5, Height: 5}}}, "width: must be positive"},
		{"crop height", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Crop{Width: 5}}}, "height: must be positive"},
		{"pad anchor", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Pad{Width: 5, Height: 5, Anchor: "middle"}}}, `anchor: "middle" is not one of`},
		{"rotate NaN", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Rotate{Angle: math.NaN()}}}, "rotate: must be a finite number"},
		{"brightness", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Adjust{Brightness: 100.5}}}, "brightness: must be between -100 and 100"},
		{"contrast", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Adjust{Contrast: -101}}}, "contrast: must be between -100 and 100"},
		{"saturation NaN", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Adjust{Saturation: math.NaN()}}}, "saturation: must be between -100 and 100"},
		{"sharpen", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Adjust{Sharpen: -0.5}}}, "sharpen: must be between 0 and 10"},
		{"format", variants.Spec{Name: "a", Format: "bmp"}, `format: "bmp" cannot be encoded (encodable: avif, gif, jpeg, png, webp)`},
		{"unknown format", variants.Spec{Name: "a", Format: "bmp"}, `format: "bmp" cannot be encoded`},
		{"quality", variants.Spec{Name: "a", Quality: 101}, "quality: must be between 0 and 100"},
		{"negative quality", variants.Spec{Name: "a", Quality: -1}, "quality: must be between 0 and 100"},

		// Specs with no flat form name their processors.
		{"custom chain, bad fit", variants.Spec{Name: "a", Processors: []variants.Processor{fit(-1, 1), noop}}, "processors[0].width: must not be negative"},
		{"two resamplers", variants.Spec{Name: "a", Processors: []variants.Processor{fit(10, 10), variants.Fill{Width: 5}}}, "processors[1].height: must be positive"},
		{"post-op out of order", variants.Spec{Name: "a", Processors: []variants.Processor{variants.Grayscale{}, variants.Rotate{Angle: math.Inf(-1)}}}, "processors[1].rotate: must be a finite number"},
		{"nil processor", variants.Spec{Name: "a", Processors: []variants.Processor{nil}}, "processors[0]: is nil"},
		{"nameless func", variants.Spec{Name: "a", Processors: []variants.Processor{fit(1, 1), variants.Func("", nil)}}, "processors[1]: Func needs a name"},
		{"custom Validate", variants.Spec{Name: "a", Processors: []variants.Processor{validating{-1}}}, "processors[0]: N must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want %q...", err, tc.want)
			}
			var fe *variants.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate error %T is not a *FieldError", err)
			}
		})
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		spec variants.Spec
		json string
	}{
		{smallSpec(), `{"name":"small","op":"fit","width":400,"height":400,"format":"jpeg","quality":80}`},
		{variants.Spec{Name: "w", Processors: []variants.Processor{variants.Fit{Width: 400}}}, `{"name":"w","op":"fit","width":400}`},
		{variants.Spec{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50, Anchor: variants.Center}}},
			`{"name":"thumb","op":"fill","width":50,"height":50,"anchor":"center"}`},
		{variants.Spec{Name: "f", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50}}},
			`{"name":"f","op":"fill","width":50,"height":50}`},
		{variants.Spec{Name: "r", Processors: []variants.Processor{variants.Resize{Height: 30}}}, `{"name":"r","op":"resize","height":30}`},
		{variants.Spec{Name: "c", Processors: []variants.Processor{variants.Crop{Width: 5, Height: 6, Anchor: variants.TopRight}}},
			`{"name":"c","op":"crop","width":5,"height":6,"anchor":"top-right"}`},
		{variants.Spec{Name: "p", Processors: []variants.Processor{variants.Pad{Width: 5, Height: 6, Background: color.NRGBA{255, 0, 128, 255}}}},
			`{"name":"p","op":"pad","width":5,"height":6,"background":"#ff0080"}`},
		{variants.Spec{Name: "p", Processors: []variants.Processor{variants.Pad{Width: 5, Height: 6, Anchor: variants.Left, Background: color.NRGBA{1, 2, 3, 4}}}},
			`{"name":"p","op":"pad","width":5,"height":6,"anchor":"left","background":"#01020304"}`},
		{variants.Spec{Name: "p", Processors: []variants.Processor{variants.Pad{Width: 5, Height: 6}}},
			`{"name":"p","op":"pad","width":5,"height":6}`},
		{variants.Spec{Name: "all", Processors: []variants.Processor{
			variants.Fit{Width: 10, Height: 10}, variants.Rotate{Angle: -90}, variants.Grayscale{},
			variants.Adjust{Brightness: 10, Contrast: -5.5, Saturation: 1, Sharpen: 0.8},
		}, Format: codecs.PNG},
			`{"name":"all","op":"fit","width":10,"height":10,"rotate":-90,"grayscale":true,"brightness":10,"contrast":-5.5,"saturation":1,"sharpen":0.8,"format":"png"}`},
		{variants.Spec{Name: "post-ops only", Processors: []variants.Processor{variants.Adjust{Contrast: 20}}},
			`{"name":"post-ops only","contrast":20}`},
		{variants.Spec{Name: "rotate0", Processors: []variants.Processor{variants.Rotate{}}}, `{"name":"rotate0","rotate":0}`},
		{variants.Spec{Name: "adjust0", Processors: []variants.Processor{variants.Adjust{}}}, `{"name":"adjust0","brightness":0}`},
		{variants.Spec{Name: "grey", Processors: []variants.Processor{variants.Grayscale{}}}, `{"name":"grey","grayscale":true}`},
		{variants.Spec{Name: "copy", Format: codecs.JPEG}, `{"name":"copy","format":"jpeg"}`},
		{variants.Spec{}, `{"name":""}`},
	} {
		b, err := json.Marshal(tc.spec)
		if err != nil {
			t.Errorf("Marshal %s: %v", tc.spec.Name, err)
			continue
		}
		if string(b) != tc.json {
			t.Errorf("Marshal %s:\n got %s\nwant %s", tc.spec.Name, b, tc.json)
		}
		var back variants.Spec
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("Unmarshal %s: %v", b, err)
			continue
		}
		if diff := cmp.Diff(tc.spec, back); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
		}
		if back.Fingerprint() != tc.spec.Fingerprint() {
			t.Errorf("round trip of %s changed the fingerprint", b)
		}
	}
}

func TestSpecMarshalRefusesSpecsWithoutFlatForm(t *testing.T) {
	noop := variants.Func("noop", func(i image.Image) (image.Image, error) { return i, nil })
	for name, ps := range map[string][]variants.Processor{
		"custom processor":     {noop},
		"custom after op":      {variants.Fit{Width: 1}, noop},
		"two resamplers":       {variants.Fit{Width: 10}, variants.Fill{Width: 5, Height: 5}},
		"two rotates":          {variants.Rotate{Angle: 90}, variants.Rotate{Angle: 90}},
		"grayscale first":      {variants.Grayscale{}, variants.Rotate{Angle: 90}},
		"adjust before rotate": {variants.Adjust{Contrast: 1}, variants.Rotate{Angle: 90}},
		"op after post-op":     {variants.Grayscale{}, variants.Fit{Width: 1}},
		"rotate background":    {variants.Rotate{Angle: 30, Background: white}},
		"nil":                  {nil},
		"pointer":              {&variants.Fit{Width: 1}},
	} {
		s := variants.Spec{Name: "x", Processors: ps}
		if b, err := json.Marshal(s); err == nil {
			t.Errorf("%s: Marshal = %s, want an error", name, b)
		}
	}
}

func TestSpecUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want variants.Spec
	}{
		{`{"name":"a","op":"fill","width":5,"height":5,"anchor":"bottom"}`,
			variants.Spec{Name: "a", Processors: []variants.Processor{variants.Fill{Width: 5, Height: 5, Anchor: variants.Bottom}}}},
		{`{"name":"a","op":"pad","width":5,"height":5,"background":"#FFFFFF"}`,
			variants.Spec{Name: "a", Processors: []variants.Processor{variants.Pad{Width: 5, Height: 5, Background: white}}}},
		{`{"name":"a","sharpen":1,"rotate":180}`,
			variants.Spec{Name: "a", Processors: []variants.Processor{variants.Rotate{Angle: 180}, variants.Adjust{Sharpen: 1}}}},
		{`{"name":"a","grayscale":false,"rotate":null}`, variants.Spec{Name: "a"}},
		{`{"name":"a","quality":0,"format":""}`, variants.Spec{Name: "a"}},
	} {
		var got variants.Spec
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("Unmarshal %s: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Unmarshal %s (-want +got):\n%s", tc.in, diff)
		}
	}

	// Unmarshal replaces the whole spec.
	s := smallSpec()
	if err := json.Unmarshal([]byte(`{"name":"b"}`), &s); err != nil || s.Name != "b" || s.Processors != nil || s.Format != "" || s.Quality != 0 {
		t.Errorf("Unmarshal over a spec: %+v, %v", s, err)
	}
}

func TestSpecUnmarshalErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		path string
		msg  string
	}{
		{`{"name":"a","widht":5}`, "", `unknown field "widht"`},
		{`{"name":"a","Width":5,"op":"fit"}`, "", `unknown field "Width"`},
		{`{"name":"a","op":"zoom"}`, "op", `"zoom" is not one of fit, fill, resize, crop, pad`},
		{`{"name":"a","op":"Fit","width":5}`, "op", `"Fit" is not one of`},
		{`{"name":"a","op":"fit","width":5,"anchor":"top"}`, "anchor", "only applies to op fill, crop or pad"},
		{`{"name":"a","op":"resize","width":5,"anchor":"top"}`, "anchor", "only applies to op fill, crop or pad"},
		{`{"name":"a","anchor":"top"}`, "anchor", "only applies to op fill, crop or pad"},
		{`{"name":"a","op":"fill","width":5,"height":5,"background":"#fff"}`, "background", "only applies to op pad"},
		{`{"name":"a","op":"pad","width":5,"height":5,"background":"white"}`, "background", `"white" is not a colour`},
		{`{"name":"a","width":5}`, "width", "needs an op"},
		{`{"name":"a","height":5,"grayscale":true}`, "height", "needs an op"},
		{`{"name":"a","op":"fit","width":"5"}`, "width", "must be an integer, not string"},
		{`{"name":"a","op":"fit","width":5.5}`, "width", "must be an integer, not number 5.5"},
		{`{"name":"a","rotate":"90"}`, "rotate", "must be a number, not string"},
		{`{"name":"a","grayscale":1}`, "grayscale", "must be true or false, not number"},
		{`{"name":5}`, "name", "must be a string, not number"},
		{`"small"`, "", "must be a mapping, not string"},
		{`[]`, "", "must be a mapping, not array"},
	} {
		var s variants.Spec
		err := json.Unmarshal([]byte(tc.in), &s)
		var fe *variants.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("Unmarshal %s = %v, want a *FieldError", tc.in, err)
			continue
		}
		if fe.Path != tc.path || !strings.HasPrefix(fe.Err.Error(), tc.msg) {
			t.Errorf("Unmarshal %s = path %q, %q; want path %q, %q...", tc.in, fe.Path, fe.Err, tc.path, tc.msg)
		}
	}
}
