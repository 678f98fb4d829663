package variants_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// TestAnimatedSpec: animated takes only formats that can be written
// animated, changes the fingerprint, and picks the animation's formats
// only for an original of several frames.
func TestAnimatedSpec(t *testing.T) {
	_, err := variants.ParseConfig([]byte(`rules: [{match: "**", variants: [{name: a, op: fit, width: 10, height: 10, animated: true, format: jpeg}]}]`))
	if err == nil || !strings.Contains(err.Error(), "animated") {
		t.Errorf("animated JPEG: %v, want an error naming animated", err)
	}
	cfg, err := variants.ParseConfig([]byte(`rules: [{match: "**", variants: [{name: a, op: fit, width: 10, height: 10, animated: true}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	spec := cfg.Rules[0].Variants[0]
	still := spec
	still.Animated = false
	if !spec.Animated || spec.Fingerprint() == still.Fingerprint() {
		t.Errorf("animated spec %+v: the fingerprint must change with animated", spec)
	}
	for _, tc := range []struct {
		src    codecs.Format
		frames int
		want   []codecs.Format
	}{
		{codecs.GIF, 3, []codecs.Format{codecs.GIF}},
		{codecs.GIF, 1, []codecs.Format{codecs.PNG}},
		{codecs.JPEG, 1, []codecs.Format{codecs.JPEG}},
	} {
		if got := spec.FormatsFor(tc.src, true, tc.frames); !slices.Equal(got, tc.want) {
			t.Errorf("FormatsFor(%s, %d frames) = %v, want %v", tc.src, tc.frames, got, tc.want)
		}
	}
}
