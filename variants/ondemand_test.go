package variants_test

import (
	"strings"
	"testing"

	"github.com/blobimage/blobimage/variants"
)

// TestOnDemandConfig: on_demand parses as the contract writes it, and bad
// widths, formats and quality are named by their path.
func TestOnDemandConfig(t *testing.T) {
	cfg, err := variants.ParseConfig([]byte(`rules: [{match: "**", on_demand: {widths: [320, 640, 960], formats: [webp, jpeg], quality: 75}}]`))
	if err != nil {
		t.Fatal(err)
	}
	od := cfg.Rules[0].OnDemand
	if od == nil || !od.Allows(640) || od.Allows(641) || od.Quality != 75 || len(od.Formats) != 2 {
		t.Fatalf("on_demand %+v", od)
	}
	if s := od.Spec(640); s.Name != "w640" || s.Validate() != nil || s.Fingerprint() == od.Spec(320).Fingerprint() {
		t.Errorf("Spec(640) = %+v (%v)", s, s.Validate())
	}
	if variants.Width(2000, 1500) != 1500 || variants.Width(640, 1500) != 640 {
		t.Error("Width does not clamp to the displayed width")
	}
	for _, tc := range []struct{ cfg, path string }{
		{`{widths: []}`, "rules[0].on_demand.widths"},
		{`{widths: [0]}`, "rules[0].on_demand.widths[0]"},
		{`{widths: [320, 320]}`, "rules[0].on_demand.widths[1]"},
		{`{widths: [320], formats: [bmp]}`, "rules[0].on_demand.formats[0]"},
		{`{widths: [320], quality: 101}`, "rules[0].on_demand.quality"},
		{`{widths: [320], height: 5}`, "rules[0].on_demand"},
	} {
		_, err := variants.ParseConfig([]byte(`rules: [{match: "**", on_demand: ` + tc.cfg + `}]`))
		if err == nil || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want an error at %s", tc.cfg, err, tc.path)
		}
	}
}
