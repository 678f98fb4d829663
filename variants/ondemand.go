package variants

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/blobimage/blobimage/codecs"
)

// OnDemand allows sizes made on first request: the original fitted to one
// of Widths, like a variant nobody had to name, made when a page asks for
// it and then stored beside the variants (see blobimage.Store.Rendition).
// Restricting the widths to a list, as Next.js's image optimizer does,
// keeps anyone from filling the bucket with a million sizes.
type OnDemand struct {
	// Widths are the widths that may be asked for, in pixels. A width
	// wider than the displayed picture gives the displayed width.
	Widths []int `json:"widths"`
	// Formats are the encodings offered, most preferred first, the last
	// the fallback every client reads (as a variant's formats). Empty
	// means what a variant without format gets: the source's family.
	Formats []codecs.Format `json:"formats,omitempty"`
	// Quality is 1–100 on each encoder's scale; 0 means each encoder's
	// default.
	Quality int `json:"quality,omitempty"`
}

// MaxOnDemandWidths bounds OnDemand.Widths: each width is an object per
// format per original, at most.
const MaxOnDemandWidths = 32

// Allows reports whether w is one of the allowed widths.
func (o *OnDemand) Allows(w int) bool { return o != nil && slices.Contains(o.Widths, w) }

// Spec returns the spec of the rendering w pixels wide, w being at most
// the displayed width (see Width): named "w" and the width, the picture
// resized to that width with its aspect kept, in o's formats and quality.
func (o *OnDemand) Spec(w int) Spec {
	return Spec{Name: "w" + strconv.Itoa(w), Processors: []Processor{Resize{Width: w}},
		Formats: slices.Clone(o.Formats), Quality: o.Quality}
}

// Width returns the width a request for w makes of a picture displayed
// full pixels wide: w, or full when w is wider (one object serves every
// width above the picture's own).
func Width(w, full int) int { return max(1, min(w, full)) }

// validate checks the widths, formats and quality.
func (o *OnDemand) validate() error {
	if len(o.Widths) == 0 {
		return fieldErr("widths", "at least one width is needed")
	}
	if len(o.Widths) > MaxOnDemandWidths {
		return fieldErr("widths", fmt.Sprintf("at most %d widths, not %d", MaxOnDemandWidths, len(o.Widths)))
	}
	for i, w := range o.Widths {
		switch {
		case w <= 0 || w > codecs.DefaultMaxSide:
			return fieldErr(fmt.Sprintf("widths[%d]", i), fmt.Sprintf("%d is not between 1 and %d", w, codecs.DefaultMaxSide))
		case slices.Index(o.Widths, w) < i:
			return fieldErr(fmt.Sprintf("widths[%d]", i), fmt.Sprintf("%d is listed twice", w))
		}
	}
	if err := checkFormats("", o.Formats); err != nil {
		return err
	}
	return checkQuality(o.Quality)
}
