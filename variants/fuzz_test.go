package variants_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/blobimage/blobimage/variants"
)

// fuzzKeys are the keys every parsed rule's glob is tried on, besides the
// glob itself.
var fuzzKeys = []string{
	"", "/", "//", "a", "photos", "photos/", "photos/a.jpg", "photos//a.jpg",
	"photos/2024/05/cat.jpg", "avatars/me", "avatars/x/y", "a/b", "x/y/a.png",
	"[", "\\", "*", "**", "?", "photos/**", "é/ü.jpg", "\xff/\xfe",
	strings.Repeat("a/", 200) + "b",
}

// FuzzParseConfig checks that ParseConfig never panics and that what it
// accepts is valid, survives a round trip through its JSON form unchanged,
// and has globs that can be matched against any key.
func FuzzParseConfig(f *testing.F) {
	def, err := json.Marshal(variants.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		designJSON, // the ★ config of DESIGN.md (config_test.go)
		designYAML,
		string(def),
		// Every field of the flat variant form, limits and URL settings.
		`{"rules": [{"match": "**/*.png", "formats": ["png", "jpeg"], "original": {"mode": "keep", "strip": "all"},
		  "variants": [{"name": "card", "op": "pad", "width": 600, "height": 400, "anchor": "top", "background": "#ffffffff",
		                "rotate": 90, "grayscale": true, "brightness": -10, "contrast": 15, "saturation": 20, "sharpen": 0.8, "format": "png"},
		               {"name": "crop", "op": "crop", "width": 10, "height": 20, "anchor": "bottom-left", "quality": 90},
		               {"name": "resize", "op": "resize", "width": 300},
		               {"name": "copy", "format": "jpeg"}]}],
		  "limits": {"max_bytes": 1, "max_pixels": 2, "max_side": 3, "max_scans": 4, "decode_timeout": "1.5s"},
		  "public_url": "https://cdn.example.com/media/", "url_expiry": "90m"}`,
		"rules:\n  - match: a/**/b\n    original: {mode: recompress, format: png, quality: 0, max_width: 10}\nurl_expiry: 1h\n",
		"rules:\n  - &r {match: \"x/*\"}\n  - *r\n",
		// Broken: syntax, types, unknown and repeated fields, bad values.
		``,
		`null`,
		`[]`,
		`{`,
		`{"rules": [}`,
		`{"rules": [{"match": "["}]}`,
		`{"rules": [{"match": ""}]}`,
		`{"rules": []}`,
		`{"rules": [{"match": "**", "widht": 1}]}`,
		`{"rules": [{"match": "**", "variants": [{"name": "a", "op": "fit", "width": -1, "height": 5}]}]}`,
		`{"rules": [{"match": "**", "variants": [{"name": "a"}, {"name": "a"}]}]}`,
		`{"rules": [{"match": "**", "variants": [{"name": "original", "op": "spin"}]}]}`,
		`{"rules": [{"match": "**", "original": {"mode": "keep", "quality": 80}}], "limits": {"max_bytes": -1}}`,
		`{"rules": [{"match": "**"}], "public_url": "ftp://x/?q", "url_expiry": 60}`,
		"rules: [{match: '**', variants: [{name: a, rotate: .nan}]}]\n",
		"rules: [{match: '**', match: 'x'}]\n",
		"rules:\n\t- match: x\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := variants.ParseConfig(data)
		if err != nil {
			if c != nil {
				t.Fatalf("config returned with error %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig accepted a config Validate refuses: %v", err)
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a parsed config: %v", err)
		}
		back, err := variants.ParseConfig(js)
		if err != nil {
			t.Fatalf("ParseConfig of its own JSON %s: %v", js, err)
		}
		// Processors are plain structs of exported fields, so the configs
		// compare field by field; an empty list reads back as an absent one.
		if diff := cmp.Diff(c, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip through %s (-parsed +reparsed):\n%s", js, diff)
		}
		js2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(js, js2) {
			t.Fatalf("JSON changed on the round trip (err %v):\n%s\n%s", err, js, js2)
		}
		for i := range c.Rules {
			r := &c.Rules[i]
			r.Matches(r.Match)
			for _, k := range fuzzKeys {
				r.Matches(k)
			}
			c.Match(r.Match)
		}
	})
}
