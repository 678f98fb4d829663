package variants_test

import (
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/variants"
)

func TestRuleMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, key string
		want         bool
	}{
		// DESIGN.md: "photos/**" matches every key under photos/,
		// "avatars/*" only direct children.
		{"photos/**", "photos/cat.jpg", true},
		{"photos/**", "photos/2024/05/cat.jpg", true},
		{"photos/**", "photos/", true},
		{"photos/**", "photos", true}, // ** is also zero segments
		{"photos/**", "photosx/cat.jpg", false},
		{"photos/**", "other/photos/cat.jpg", false},
		{"avatars/*", "avatars/me.png", true},
		{"avatars/*", "avatars/a/me.png", false},
		{"avatars/*", "avatars", false},
		{"avatars/*", "avatars/", true}, // '*' matches an empty segment, as path.Match does

		{"**", "", true},
		{"**", "a", true},
		{"**", "a/b/c", true},
		{"*", "a", true},
		{"*", "a/b", false},
		{"*", "", true},
		{"**/*.png", "a.png", true},
		{"**/*.png", "x/y/a.png", true},
		{"**/*.png", "x/y/a.jpg", false},
		{"**/*.png", "x/a.png/b", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/b", true},
		{"a/**/b", "a/x/y/z/b", true},
		{"a/**/b", "a/x/y/z/c", false},
		{"a/**/b", "a/b/c", false},
		{"a/**/b/**", "a/x/b/y/z", true},
		{"a/**/b/**", "a/x/c/y/z", false},
		{"**/b/**/c", "b/c", true},
		{"**/b/**/c", "a/b/x/b/c", true},
		{"**/b/**/c", "a/b/x/b/d", false},
		{"a/**/**/b", "a/b", true},
		{"a/**/**/b", "a/x/y/b", true},
		{"**/**", "a/b", true},
		{"a/**", "b/a", false},

		// Within a segment: path.Match.
		{"photos/*.jpg", "photos/cat.jpg", true},
		{"photos/*.jpg", "photos/cat.png", false},
		{"photos/*.jpg", "photos/x/cat.jpg", false},
		{"img-?.png", "img-1.png", true},
		{"img-?.png", "img-12.png", false},
		{"img-[0-9].png", "img-7.png", true},
		{"img-[0-9].png", "img-x.png", false},
		{"img-[^0-9].png", "img-x.png", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{"x**.jpg", "xyz.jpg", true}, // ** inside a segment is '*'
		{"x**.jpg", "x/y.jpg", false},
		{"*/*", "a/b", true},
		{"*/*", "a", false},

		// Literal segments, empty segments.
		{"a/b", "a/b", true},
		{"a/b", "a/b/", false},
		{"a//b", "a//b", true},
		{"a/*/b", "a//b", true},
		{"photos/*", "photos//a.jpg", false},

		// A malformed pattern matches nothing.
		{"photos/[a", "photos/[a", false},
		{"photos/[a", "photos/a", false},
	} {
		r := &variants.Rule{Match: tc.pattern}
		if got := r.Matches(tc.key); got != tc.want {
			t.Errorf("Rule{Match: %q}.Matches(%q) = %v, want %v", tc.pattern, tc.key, got, tc.want)
		}
	}
}

func TestRuleMatchesManyDoubleStarsIsFast(t *testing.T) {
	// Exponential backtracking would take ages on this: 30 "**" segments
	// and a key of 60 segments that fails only at the end.
	pattern := strings.Repeat("**/a/", 30) + "b"
	key := strings.Repeat("a/", 60) + "c"
	r := &variants.Rule{Match: pattern}
	start := time.Now()
	if r.Matches(key) {
		t.Errorf("matched")
	}
	if !r.Matches(strings.Repeat("a/", 60) + "b") {
		t.Errorf("did not match")
	}
	// Within a segment too.
	seg := &variants.Rule{Match: strings.Repeat("*a", 30) + "b"}
	if seg.Matches(strings.Repeat("a", 200)) {
		t.Errorf("segment matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("matching took %v", d)
	}
}

func TestConfigMatch(t *testing.T) {
	c := &variants.Config{Rules: []variants.Rule{
		{Match: "photos/raw/**"},
		{Match: "photos/**"},
		{Match: "avatars/*"},
		{Match: "**/*.png"},
	}}
	for _, tc := range []struct {
		key  string
		want int // rule index, -1 for none
	}{
		{"photos/raw/a.cr2", 0},
		{"photos/a.jpg", 1},
		{"photos/raw", 0},
		{"avatars/me.jpg", 2},
		{"avatars/me.png", 2}, // the first match wins
		{"avatars/old/me.png", 3},
		{"docs/readme.txt", -1},
		{"", -1},
	} {
		got := c.Match(tc.key)
		switch {
		case tc.want < 0 && got != nil:
			t.Errorf("Match(%q) = %q, want none", tc.key, got.Match)
		case tc.want >= 0 && got != &c.Rules[tc.want]:
			t.Errorf("Match(%q) = %v, want a pointer to rules[%d]", tc.key, got, tc.want)
		}
	}
	// The pointer is into c.Rules.
	c.Match("photos/a.jpg").Match = "changed/**"
	if c.Rules[1].Match != "changed/**" {
		t.Errorf("Match did not return a pointer into Rules")
	}
	if (&variants.Config{}).Match("a") != nil {
		t.Errorf("empty config matched")
	}
}
