package variants

import (
	"fmt"
	"path"
	"strings"
)

// Matches reports whether key matches r.Match, a glob over keys split into
// segments at '/':
//
//   - a segment "**" matches any number of whole segments, including none:
//     "photos/**" matches "photos/a.jpg", "photos/2024/05/a.jpg" and
//     "photos" itself; "**/*.png" matches "a.png" and "x/y/a.png";
//     "a/**/b" matches "a/b" and "a/x/y/b";
//   - any other segment matches exactly one segment as path.Match does:
//     '*' any run of characters within the segment (also none), '?' one
//     character, [classes] and '\\' escapes. A "**" inside a longer
//     segment ("x**.jpg") is two '*'s, the same as one.
//
// Empty segments are segments: "photos/*" matches "photos/" but not
// "photos//a.jpg". A malformed pattern matches nothing (Config.Validate
// refuses it).
//
// Matching takes time proportional to the product of the numbers of
// segments at worst, however many "**" the pattern has.
func (r *Rule) Matches(key string) bool {
	return matchGlob(r.Match, key)
}

// matchGlob reports whether key matches the glob pattern (see Rule.Matches).
func matchGlob(pattern, key string) bool {
	pat := strings.Split(pattern, "/")
	segs := strings.Split(key, "/")
	// The classic wildcard algorithm, with "**" as the star and segments
	// as characters: on a mismatch, go back to just after the last "**"
	// and let it swallow one more key segment. Every other pattern segment
	// consumes exactly one key segment, so remembering only the last "**"
	// is enough: no exponential backtracking.
	p, k := 0, 0
	star, starK := -1, 0
	for k < len(segs) {
		switch {
		case p < len(pat) && pat[p] == "**":
			star, starK = p, k
			p++
		case p < len(pat) && matchSegment(pat[p], segs[k]):
			p++
			k++
		case star >= 0:
			starK++
			p, k = star+1, starK
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == "**" {
		p++
	}
	return p == len(pat)
}

// matchSegment matches one segment as path.Match does; a malformed
// pattern matches nothing.
func matchSegment(pattern, seg string) bool {
	ok, err := path.Match(pattern, seg)
	return err == nil && ok
}

// checkGlob reports whether pattern is a well-formed glob.
func checkGlob(pattern string) error {
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("%q is not a well-formed glob: segment %q: %v", pattern, seg, err)
		}
	}
	return nil
}
