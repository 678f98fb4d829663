package variants_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// TestOutputFormats: formats is the list as written, format one format,
// and an omitted format the source's family, what every browser reads.
func TestOutputFormats(t *testing.T) {
	for _, tc := range []struct {
		spec   variants.Spec
		src    codecs.Format
		opaque bool
		want   []codecs.Format
	}{
		{variants.Spec{Formats: []codecs.Format{codecs.PNG, codecs.JPEG}}, codecs.JPEG, true, []codecs.Format{codecs.PNG, codecs.JPEG}},
		{variants.Spec{Format: codecs.PNG}, codecs.JPEG, true, []codecs.Format{codecs.PNG}},
		{variants.Spec{}, codecs.JPEG, true, []codecs.Format{codecs.JPEG}},
		{variants.Spec{}, codecs.PNG, false, []codecs.Format{codecs.PNG}},
		{variants.Spec{}, codecs.GIF, true, []codecs.Format{codecs.PNG}},
		{variants.Spec{}, codecs.HEIC, true, []codecs.Format{codecs.JPEG}},
		{variants.Spec{}, codecs.AVIF, true, []codecs.Format{codecs.JPEG}},
		{variants.Spec{}, codecs.AVIF, false, []codecs.Format{codecs.PNG}},
		{variants.Spec{}, codecs.WebP, true, []codecs.Format{codecs.JPEG}},
		{variants.Spec{}, codecs.WebP, false, []codecs.Format{codecs.PNG}},
	} {
		got := tc.spec.OutputFormats(tc.src, tc.opaque)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v.OutputFormats(%s, opaque %v) = %v, want %v", tc.spec, tc.src, tc.opaque, got, tc.want)
		}
		if fb := tc.spec.OutputFormat(tc.src, tc.opaque); fb != tc.want[len(tc.want)-1] {
			t.Errorf("%+v.OutputFormat = %s, want the last of %v", tc.spec, fb, tc.want)
		}
	}
}

// TestFormatsConfig: a variant's formats list parses, round-trips, and is
// in its fingerprint; format with formats, repeats, unknown formats and a
// speed out of range are errors naming the field. Specs without the new
// fields keep their fingerprints (TestFingerprintGolden pins them).
func TestFormatsConfig(t *testing.T) {
	cfg, err := variants.ParseConfig([]byte(`
rules:
  - match: "**"
    variants:
      - {name: small, op: fit, width: 400, height: 400, formats: [png, jpeg], quality: 70, speed: 6, lossless: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Rules[0].Variants[0]
	if !slices.Equal(s.Formats, []codecs.Format{codecs.PNG, codecs.JPEG}) || s.Speed != 6 || !s.Lossless || s.Quality != 70 {
		t.Errorf("parsed %+v", s)
	}
	if o := s.EncodeOptions(); o.Quality != 70 || o.Speed != 6 || !o.Lossless {
		t.Errorf("EncodeOptions = %+v", o)
	}
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back variants.Spec
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if back.Fingerprint() != s.Fingerprint() {
		t.Errorf("round trip through %s changed the fingerprint", b)
	}
	one := s
	one.Formats = []codecs.Format{codecs.JPEG}
	if one.Fingerprint() == s.Fingerprint() {
		t.Error("formats are not in the fingerprint")
	}
	for _, tc := range []struct{ yaml, path string }{
		{`{name: a, format: jpeg, formats: [png]}`, "rules[0].variants[0].formats"},
		{`{name: a, formats: [png, png]}`, "rules[0].variants[0].formats[1]"},
		{`{name: a, formats: [png, tiff]}`, "rules[0].variants[0].formats[1]"},
		{`{name: a, speed: 11}`, "rules[0].variants[0].speed"},
	} {
		_, err := variants.ParseConfig([]byte("rules:\n  - match: \"**\"\n    variants:\n      - " + tc.yaml + "\n"))
		var fe *variants.FieldError
		if !errors.As(err, &fe) || fe.Path != tc.path {
			t.Errorf("%s: err = %v, want a FieldError at %s", tc.yaml, err, tc.path)
		}
	}
}
