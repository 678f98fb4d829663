package variants_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// designJSON is the ★ config example of DESIGN.md, verbatim.
const designJSON = `{
  "rules": [
    {
      "match": "photos/**",
      "original": {"mode": "keep", "strip": "gps"},
      "variants": [
        {"name": "small",  "op": "fit",  "width": 400,  "height": 400, "format": "jpeg", "quality": 80},
        {"name": "medium", "op": "fit",  "width": 1000, "height": 1000},
        {"name": "thumb",  "op": "fill", "width": 50,   "height": 50,  "anchor": "center"}
      ]
    },
    {"match": "avatars/*", "original": {"mode": "recompress", "format": "jpeg", "quality": 85, "max_width": 2048, "max_height": 2048}}
  ],
  "limits": {"max_bytes": 26214400, "max_pixels": 50000000, "max_side": 16384}
}`

// designYAML is the same config in YAML.
const designYAML = `
rules:
  - match: "photos/**"
    original: {mode: keep, strip: gps}
    variants:
      - {name: small,  op: fit,  width: 400,  height: 400, format: jpeg, quality: 80}
      - {name: medium, op: fit,  width: 1000, height: 1000}
      - name: thumb
        op: fill
        width: 50
        height: 50
        anchor: center
  - match: avatars/*
    original:
      mode: recompress
      format: jpeg
      quality: 85
      max_width: 2048
      max_height: 2048
limits:
  max_bytes: 26214400
  max_pixels: 50000000
  max_side: 16384
`

// designConfig is what designJSON declares, with the defaults filled in.
func designConfig() *variants.Config {
	return &variants.Config{
		Rules: []variants.Rule{
			{
				Match:    "photos/**",
				Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
				Variants: []variants.Spec{
					{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}, Format: codecs.JPEG, Quality: 80},
					{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
					{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50, Anchor: variants.Center}}},
				},
			},
			{
				Match: "avatars/*",
				Original: variants.Original{Mode: variants.Recompress, Strip: variants.StripGPS,
					Format: codecs.JPEG, Quality: 85, MaxWidth: 2048, MaxHeight: 2048},
			},
		},
		Limits: codecs.Limits{MaxBytes: 26214400, MaxPixels: 50000000, MaxSide: 16384},
	}
}

func TestParseConfigDesignExample(t *testing.T) {
	for name, doc := range map[string]string{"JSON": designJSON, "YAML": designYAML} {
		t.Run(name, func(t *testing.T) {
			got, err := variants.ParseConfig([]byte(doc))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if diff := cmp.Diff(designConfig(), got); diff != "" {
				t.Errorf("ParseConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigJSONWithTabs(t *testing.T) {
	// JSON indented with tabs is not YAML, but JSON must parse.
	doc := "{\n\t\"rules\": [\n\t\t{\"match\": \"**\"}\n\t]\n}"
	c, err := variants.ParseConfig([]byte(doc))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if len(c.Rules) != 1 || c.Rules[0].Match != "**" {
		t.Errorf("ParseConfig = %+v", c)
	}
}

func TestParseConfigReadmeYAML(t *testing.T) {
	doc := `
rules:                         # tried in order; the first match wins
  - match: "photos/**"         # glob: * within a segment, ** any number of segments
    formats: [jpeg, png]       # accepted input formats; default all (jpeg, png, gif, webp)
    original:
      mode: keep               # keep (default) | recompress
      strip: gps               # keep only: none | gps (default) | all
    variants:
      - {name: small,  op: fit,  width: 400,  height: 400, format: jpeg, quality: 80}
      - {name: medium, op: fit,  width: 1000, height: 1000}
      - {name: thumb,  op: fill, width: 50,   height: 50,  anchor: center}
  - match: "avatars/*"
    original: {mode: recompress, format: jpeg, quality: 85, max_width: 2048, max_height: 2048}
limits:                        # zero or absent: the defaults below
  max_bytes: 26214400          # 25 MiB
  max_pixels: 50000000         # 50 megapixels
  max_side: 16384
public_url: https://cdn.example.com/media   # optional: URLs from here instead of signed
url_expiry: 1h                              # lifetime of signed URLs
`
	got, err := variants.ParseConfig([]byte(doc))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := designConfig()
	want.Rules[0].Formats = []codecs.Format{codecs.JPEG, codecs.PNG}
	want.PublicURL = "https://cdn.example.com/media"
	want.URLExpiry = variants.Duration(time.Hour)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseConfig (-want +got):\n%s", diff)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := variants.ParseConfig([]byte(`{"rules": [{"match": "a/*"}, {"match": "b/*", "original": {"strip": "none"}}, {"match": "c/*", "original": {"mode": "recompress"}}]}`))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	want := []variants.Original{
		{Mode: variants.Keep, Strip: variants.StripGPS},
		{Mode: variants.Keep, Strip: variants.StripNone},
		{Mode: variants.Recompress, Strip: variants.StripGPS},
	}
	for i, r := range c.Rules {
		if r.Original != want[i] {
			t.Errorf("rules[%d].original = %+v, want %+v", i, r.Original, want[i])
		}
	}
	if c.Limits != (codecs.Limits{}) || c.URLExpiry != 0 || c.PublicURL != "" {
		t.Errorf("zero fields were filled in: %+v", c)
	}
}

// variantsJSON returns a config document with one rule "photos/**" whose
// variants are the given JSON objects.
func variantsJSON(vs ...string) string {
	return `{"rules": [{"match": "photos/**", "variants": [` + strings.Join(vs, ",") + `]}]}`
}

func TestParseConfigErrors(t *testing.T) {
	many := make([]string, 17)
	for i := range many {
		many[i] = fmt.Sprintf(`{"name": "v%d", "op": "fit", "width": 10}`, i)
	}
	negativeThumb := strings.Replace(designJSON, `"width": 50,`, `"width": -50,`, 1)

	for _, tc := range []struct {
		name string
		doc  string
		path string // the FieldError's path
		msg  string // the start of its message
	}{
		{"negative width in rules[0].variants[2]", negativeThumb, "rules[0].variants[2].width", "must be positive"},
		{"no rules", `{"rules": []}`, "rules", "at least one rule is needed"},
		{"empty document", ``, "rules", "at least one rule is needed"},
		{"empty mapping", `{}`, "rules", "at least one rule is needed"},
		{"unknown top-level field", `{"rule": []}`, "", `unknown field "rule"`},
		{"unknown rule field", `{"rules": [{"match": "*", "variant": []}]}`, "rules[0]", `unknown field "variant"`},
		{"unknown original field", `{"rules": [{"match": "*", "original": {"mode": "keep", "stripe": "gps"}}]}`, "rules[0].original", `unknown field "stripe"`},
		{"unknown variant field", variantsJSON(`{"name": "a", "op": "fit", "width": 5}`, `{"name": "b", "widht": 5}`), "rules[0].variants[1]", `unknown field "widht"`},
		{"unknown limits field", `{"rules": [{"match": "*"}], "limits": {"max_byte": 5}}`, "limits", `unknown field "max_byte"`},
		{"field name case", `{"Rules": [{"match": "*"}]}`, "", `unknown field "Rules"`},
		{"empty match", `{"rules": [{"match": ""}]}`, "rules[0].match", "must not be empty"},
		{"missing match", `{"rules": [{"variants": []}]}`, "rules[0].match", "must not be empty"},
		{"bad glob", `{"rules": [{"match": "*"}, {"match": "photos/[a-"}]}`, "rules[1].match", `"photos/[a-" is not a well-formed glob`},
		{"unknown format", `{"rules": [{"match": "*", "formats": ["jpeg", "tiff"]}]}`, "rules[0].formats[1]", `"tiff" is not a known format (known: avif, gif, heic, heif, jpeg, png, webp)`},
		{"format not a string", `{"rules": [{"match": "*", "formats": [1]}]}`, "rules[0].formats", "must be a string, not number"},
		{"mode", `{"rules": [{"match": "*", "original": {"mode": "lossy"}}]}`, "rules[0].original.mode", `"lossy" is not keep or recompress`},
		{"strip", `{"rules": [{"match": "*", "original": {"strip": "exif"}}]}`, "rules[0].original.strip", `"exif" is not none, gps or all`},
		{"keep with format", `{"rules": [{"match": "*", "original": {"format": "png"}}]}`, "rules[0].original.format", "only applies to mode recompress"},
		{"keep with quality", `{"rules": [{"match": "*", "original": {"mode": "keep", "quality": 80}}]}`, "rules[0].original.quality", "only applies to mode recompress"},
		{"keep with max_width", `{"rules": [{"match": "*", "original": {"max_width": 80}}]}`, "rules[0].original.max_width", "only applies to mode recompress"},
		{"keep with max_height", `{"rules": [{"match": "*", "original": {"max_height": 80}}]}`, "rules[0].original.max_height", "only applies to mode recompress"},
		{"recompress to bmp", `{"rules": [{"match": "*", "original": {"mode": "recompress", "format": "bmp"}}]}`, "rules[0].original.format", `"bmp" cannot be encoded`},
		{"recompress quality", `{"rules": [{"match": "*", "original": {"mode": "recompress", "quality": 101}}]}`, "rules[0].original.quality", "must be between 0 and 100"},
		{"recompress max_width", `{"rules": [{"match": "*", "original": {"mode": "recompress", "max_width": -1}}]}`, "rules[0].original.max_width", "must not be negative"},
		{"recompress max_height", `{"rules": [{"match": "*", "original": {"mode": "recompress", "max_height": 20000}}]}`, "rules[0].original.max_height", "must be at most 16384"},
		{"original not a mapping", `{"rules": [{"match": "*", "original": "keep"}]}`, "rules[0].original", "must be a mapping, not string"},
		{"duplicate names", variantsJSON(`{"name": "a", "op": "fit", "width": 5}`, `{"name": "b", "op": "fit", "width": 5}`, `{"name": "a", "op": "fit", "width": 6}`), "rules[0].variants[2].name", `"a" is already the name of variants[0]`},
		{"too many variants", variantsJSON(many...), "rules[0].variants", "at most 16 variants per rule, not 17"},
		{"variant name", variantsJSON(`{"name": "Small", "op": "fit", "width": 5}`), "rules[0].variants[0].name", `"Small" is not`},
		{"variant named original", variantsJSON(`{"name": "original", "op": "fit", "width": 5}`), "rules[0].variants[0].name", `"original" is reserved`},
		{"unknown op", variantsJSON(`{"name": "a", "op": "zoom", "width": 5}`), "rules[0].variants[0].op", `"zoom" is not one of`},
		{"anchor on fit", variantsJSON(`{"name": "a", "op": "fit", "width": 5, "anchor": "top"}`), "rules[0].variants[0].anchor", "only applies to op fill, crop or pad"},
		{"bad anchor", variantsJSON(`{"name": "a", "op": "crop", "width": 5, "height": 5, "anchor": "middle"}`), "rules[0].variants[0].anchor", `"middle" is not one of`},
		{"background on fill", variantsJSON(`{"name": "a", "op": "fill", "width": 5, "height": 5, "background": "#ffffff"}`), "rules[0].variants[0].background", "only applies to op pad"},
		{"bad background", variantsJSON(`{"name": "a", "op": "pad", "width": 5, "height": 5, "background": "#12"}`), "rules[0].variants[0].background", `"#12" is not a colour`},
		{"width without op", variantsJSON(`{"name": "a", "width": 5}`), "rules[0].variants[0].width", "needs an op"},
		{"fit without a box", variantsJSON(`{"name": "a", "op": "fit"}`), "rules[0].variants[0].width", "fit needs a width or a height"},
		{"fit negative height", variantsJSON(`{"name": "a", "op": "fit", "width": 5, "height": -5}`), "rules[0].variants[0].height", "must not be negative"},
		{"fill without height", variantsJSON(`{"name": "a", "op": "fill", "width": 5}`), "rules[0].variants[0].height", "must be positive"},
		{"pad too wide", variantsJSON(`{"name": "a", "op": "pad", "width": 16385, "height": 5}`), "rules[0].variants[0].width", "must be at most 16384"},
		{"brightness", variantsJSON(`{"name": "a", "brightness": 200}`), "rules[0].variants[0].brightness", "must be between -100 and 100"},
		{"saturation", variantsJSON(`{"name": "a", "op": "fit", "width": 5, "saturation": -101}`), "rules[0].variants[0].saturation", "must be between -100 and 100"},
		{"sharpen", variantsJSON(`{"name": "a", "sharpen": -1}`), "rules[0].variants[0].sharpen", "must be between 0 and 10"},
		{"variant format", variantsJSON(`{"name": "a", "format": "heic"}`), "rules[0].variants[0].format", `"heic" cannot be encoded`},
		{"variant quality", variantsJSON(`{"name": "a", "quality": 101}`), "rules[0].variants[0].quality", "must be between 0 and 100"},
		{"width type", variantsJSON(`{"name": "a", "op": "fit", "width": "400px"}`), "rules[0].variants[0].width", "must be an integer, not string"},
		{"rotate type", variantsJSON(`{"name": "a", "rotate": "left"}`), "rules[0].variants[0].rotate", "must be a number, not string"},
		{"variant not a mapping", variantsJSON(`"small"`), "rules[0].variants[0]", "must be a mapping, not string"},
		{"second rule", `{"rules": [{"match": "a/*"}, {"match": "b/*", "variants": [{"name": "x", "op": "fit"}]}]}`, "rules[1].variants[0].width", "fit needs a width or a height"},
		{"rules not a list", `{"rules": {"match": "*"}}`, "rules", "must be a list, not object"},
		{"limits max_bytes", `{"rules": [{"match": "*"}], "limits": {"max_bytes": -1}}`, "limits.max_bytes", "must not be negative"},
		{"limits max_pixels", `{"rules": [{"match": "*"}], "limits": {"max_pixels": -1}}`, "limits.max_pixels", "must not be negative"},
		{"limits max_side", `{"rules": [{"match": "*"}], "limits": {"max_side": -1}}`, "limits.max_side", "must not be negative"},
		{"limits type", `{"rules": [{"match": "*"}], "limits": {"max_side": "big"}}`, "limits.max_side", "must be an integer, not string"},
		{"limits max_scans", `{"rules": [{"match": "*"}], "limits": {"max_scans": -5}}`, "limits.max_scans", "must not be negative"},
		{"limits decode_timeout", `{"rules": [{"match": "*"}], "limits": {"decode_timeout": "-1s"}}`, "limits.decode_timeout", "must not be negative"},
		{"limits decode_timeout number", `{"rules": [{"match": "*"}], "limits": {"decode_timeout": 10}}`, "limits.decode_timeout", "must be a duration string"},
		{"public_url scheme", `{"rules": [{"match": "*"}], "public_url": "ftp://cdn.example.com/"}`, "public_url", `"ftp://cdn.example.com/" is not an absolute http or https URL`},
		{"public_url relative", `{"rules": [{"match": "*"}], "public_url": "cdn.example.com/media"}`, "public_url", `"cdn.example.com/media" is not an absolute http or https URL`},
		{"public_url no host", `{"rules": [{"match": "*"}], "public_url": "https:///media"}`, "public_url", `"https:///media" has no host`},
		{"public_url query", `{"rules": [{"match": "*"}], "public_url": "https://cdn.example.com/?a=b"}`, "public_url", `"https://cdn.example.com/?a=b" must not have a query or a fragment`},
		{"url_expiry negative", `{"rules": [{"match": "*"}], "url_expiry": "-5m"}`, "url_expiry", "must not be negative"},
		{"url_expiry garbage", `{"rules": [{"match": "*"}], "url_expiry": "soon"}`, "url_expiry", `"soon" is not a duration`},
		{"url_expiry number", `{"rules": [{"match": "*"}], "url_expiry": 3600}`, "url_expiry", "must be a duration string"},
		{"duplicate JSON key", `{"rules": [{"match": "a/*", "match": "b/*"}]}`, "rules[0]", `field "match" is given twice`},
		{"duplicate variant key", variantsJSON(`{"name": "a", "op": "fit", "width": 5, "width": 6}`), "rules[0].variants[0]", `field "width" is given twice`},
		{"YAML unknown field", "rules:\n  - match: '*'\n    variants:\n      - name: a\n        op: fit\n        witdh: 5\n", "rules[0].variants[0]", `unknown field "witdh"`},
		{"YAML type", "rules:\n  - match: '*'\n    variants:\n      - {name: a, op: fit, width: [5]}\n", "rules[0].variants[0].width", "must be an integer, not array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := variants.ParseConfig([]byte(tc.doc))
			if err == nil {
				t.Fatalf("ParseConfig = %+v, want an error", c)
			}
			var fe *variants.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseConfig error %q (%T) is not a *FieldError", err, err)
			}
			if fe.Path != tc.path || !strings.HasPrefix(fe.Err.Error(), tc.msg) {
				t.Fatalf("ParseConfig error path %q, message %q; want path %q, message %q...", fe.Path, fe.Err, tc.path, tc.msg)
			}
			want := tc.msg
			if tc.path != "" {
				want = tc.path + ": " + tc.msg
			}
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error text %q, want %q...", err, want)
			}
		})
	}
}

func TestParseConfigErrorTextExact(t *testing.T) {
	doc := strings.Replace(designJSON, `"width": 50,`, `"width": -50,`, 1)
	_, err := variants.ParseConfig([]byte(doc))
	if err == nil || err.Error() != "rules[0].variants[2].width: must be positive" {
		t.Fatalf("error %v, want exactly %q", err, "rules[0].variants[2].width: must be positive")
	}
}

func TestParseConfigJSONSyntaxErrorHasPosition(t *testing.T) {
	_, err := variants.ParseConfig([]byte("{\n  \"rules\": [\n    {\"match\": \"*\"}}\n  ]\n}"))
	if err == nil || !strings.Contains(err.Error(), "line 3, column") {
		t.Errorf("ParseConfig = %v, want a JSON syntax error with its line", err)
	}
}

func TestParseConfigYAMLFlowMapping(t *testing.T) {
	// Starts like JSON, but is YAML.
	c, err := variants.ParseConfig([]byte(`{rules: [{match: "photos/**", variants: [{name: s, op: fit, width: 10}]}]}`))
	if err != nil || len(c.Rules) != 1 || c.Rules[0].Variants[0].Name != "s" {
		t.Errorf("ParseConfig = %+v, %v", c, err)
	}
}

func TestParseConfigSyntaxErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"YAML":            "rules:\n  - match: [\n",
		"JSON":            `{"rules": [}`,
		"list":            "- a\n- b\n",
		"scalar":          "hello",
		"duplicate YAML":  "rules: []\nrules: []\n",
		"tab-indent YAML": "rules:\n\t- match: a\n",
	} {
		if c, err := variants.ParseConfig([]byte(doc)); err == nil {
			t.Errorf("%s: ParseConfig = %+v, want an error", name, c)
		}
	}
}

func TestConfigRoundTrip(t *testing.T) {
	full := designConfig()
	full.Rules[0].Formats = []codecs.Format{codecs.JPEG, codecs.WebP}
	full.Rules = append(full.Rules, variants.Rule{
		Match:    "gallery/**/*.jpg",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripAll},
		Variants: []variants.Spec{
			{Name: "card", Processors: []variants.Processor{
				variants.Pad{Width: 600, Height: 400, Anchor: variants.Top, Background: white},
				variants.Rotate{Angle: 90}, variants.Grayscale{},
				variants.Adjust{Brightness: -10, Contrast: 15, Saturation: 20, Sharpen: 0.8},
			}, Format: codecs.PNG},
			{Name: "crop", Processors: []variants.Processor{variants.Crop{Width: 10, Height: 20, Anchor: variants.BottomLeft}}, Quality: 90},
			{Name: "resize", Processors: []variants.Processor{variants.Resize{Width: 300}}},
			{Name: "copy", Format: codecs.JPEG},
		},
	})
	full.PublicURL = "https://cdn.example.com/media/"
	full.URLExpiry = variants.Duration(90 * time.Minute)

	for name, c := range map[string]*variants.Config{"design": designConfig(), "full": full, "default": variants.DefaultConfig()} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := variants.ParseConfig(b)
			if err != nil {
				t.Fatalf("ParseConfig(%s): %v", b, err)
			}
			if diff := cmp.Diff(c, back); diff != "" {
				t.Errorf("round trip through %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

func TestConfigMarshalForm(t *testing.T) {
	b, err := json.Marshal(variants.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"rules":[{"match":"**","original":{"mode":"keep","strip":"gps"},"variants":[{"name":"small","op":"fit","width":400,"height":400},{"name":"medium","op":"fit","width":1000,"height":1000}]}]}`
	if string(b) != want {
		t.Errorf("Marshal(DefaultConfig()) =\n%s\nwant\n%s", b, want)
	}
}

func TestDefaultConfig(t *testing.T) {
	c := variants.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := &variants.Config{Rules: []variants.Rule{{
		Match:    "**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
		Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}},
			{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
		},
	}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("DefaultConfig (-want +got):\n%s", diff)
	}
	for _, key := range []string{"cat.jpg", "photos/2024/cat.jpg", ""} {
		if c.Match(key) != &c.Rules[0] {
			t.Errorf("DefaultConfig does not match %q", key)
		}
	}
	// Each call returns a fresh config.
	c.Rules[0].Match = "changed"
	if variants.DefaultConfig().Rules[0].Match != "**" {
		t.Errorf("DefaultConfig shares its rules")
	}
}

func TestValidateAcceptsCodeBuiltConfig(t *testing.T) {
	// Mode and Strip left empty mean the defaults; custom processors are
	// fine in code.
	c := &variants.Config{Rules: []variants.Rule{{
		Match: "gallery/**",
		Variants: []variants.Spec{{Name: "card", Processors: []variants.Processor{
			variants.Fill{Width: 600, Height: 400},
			variants.Func("mark", func(img image.Image) (image.Image, error) { return img, nil }),
		}}},
	}}}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c.Rules[0].Variants[0].Processors[0] = variants.Fill{Width: 600}
	err := c.Validate()
	if err == nil || err.Error() != "rules[0].variants[0].processors[0].height: must be positive" {
		t.Fatalf("Validate = %v", err)
	}
	if (&variants.Config{}).Validate() == nil {
		t.Errorf("a config without rules is valid")
	}
}

func TestOriginalSpec(t *testing.T) {
	for _, tc := range []struct {
		o    variants.Original
		want variants.Spec
	}{
		{variants.Original{Mode: variants.Recompress, Format: codecs.JPEG, Quality: 85, MaxWidth: 2048, MaxHeight: 1024},
			variants.Spec{Name: "original", Processors: []variants.Processor{variants.Fit{Width: 2048, Height: 1024}}, Format: codecs.JPEG, Quality: 85}},
		{variants.Original{Mode: variants.Recompress, MaxWidth: 2048},
			variants.Spec{Name: "original", Processors: []variants.Processor{variants.Fit{Width: 2048}}}},
		{variants.Original{Mode: variants.Recompress, MaxHeight: 100, Format: codecs.PNG},
			variants.Spec{Name: "original", Processors: []variants.Processor{variants.Fit{Height: 100}}, Format: codecs.PNG}},
		{variants.Original{Mode: variants.Recompress, Quality: 70},
			variants.Spec{Name: "original", Quality: 70}},
	} {
		if diff := cmp.Diff(tc.want, tc.o.Spec()); diff != "" {
			t.Errorf("%+v.Spec() (-want +got):\n%s", tc.o, diff)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{`"15m"`, 15 * time.Minute},
		{`"1h30m"`, 90 * time.Minute},
		{`"0"`, 0},
		{`"0s"`, 0},
		{`"250ms"`, 250 * time.Millisecond},
		{`null`, 0},
	} {
		var d variants.Duration
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil || time.Duration(d) != tc.want {
			t.Errorf("Unmarshal %s = %v, %v; want %v", tc.in, time.Duration(d), err, tc.want)
		}
	}
	for _, bad := range []string{`3600`, `"1 hour"`, `""`, `true`, `"15"`} {
		var d variants.Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal %s = %v, want an error", bad, time.Duration(d))
		}
	}
	b, err := json.Marshal(variants.Duration(90 * time.Second))
	if err != nil || string(b) != `"1m30s"` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if s := variants.Duration(time.Hour).String(); s != "1h0m0s" {
		t.Errorf("String = %q", s)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "blobimage.yaml")
	if err := os.WriteFile(good, []byte(designYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := variants.LoadConfig(good)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if diff := cmp.Diff(designConfig(), c); diff != "" {
		t.Errorf("LoadConfig (-want +got):\n%s", diff)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(designJSON, `"width": 50,`, `"width": -50,`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = variants.LoadConfig(bad)
	var fe *variants.FieldError
	if err == nil || !errors.As(err, &fe) || fe.Path != "rules[0].variants[2].width" || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadConfig(bad) = %v", err)
	}

	if _, err := variants.LoadConfig(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadConfig(missing) = %v, want ErrNotExist", err)
	}
}
