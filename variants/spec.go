// Package variants declares the derived images blobimage makes from an
// upload: a Spec names a variant and lists the Processors that make it (fit,
// fill, resize, crop, pad, rotate, grayscale, adjust, or your own), with its
// output format and quality. Render makes a set of specs from one decoded
// image, each from the smallest adequate image already made. Config is the
// ★ configuration file: rules matching keys by glob, the policy for the
// original, the variants, and the limits.
//
// The package knows nothing of storage; blobimage applies it to buckets.
//
// # Config file
//
// ParseConfig reads YAML or JSON; unknown or repeated fields are errors,
// field names are matched exactly, and an error about a field is a
// *FieldError naming it by its path ("rules[0].variants[2].width: must be
// positive"). A variant is written flat (see Spec.MarshalJSON): an optional
// op (fit, fill, resize, crop, pad) with width, height, anchor and
// background; then the optional post-ops rotate, grayscale, and brightness,
// contrast, saturation and sharpen (one Adjust), always applied in that
// order; then format and quality. Without an op a variant is the whole picture at full size with
// only its post-ops, or none (a re-encoded copy). Specs built in code with
// other processors, or another order, are valid but cannot be written to a
// config file. Rule.Matches documents the glob syntax; url_expiry is a Go
// duration string ("15m"), never a bare number.
package variants

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/blobimage/blobimage/codecs"
)

// Processor transforms an image, like a django-imagekit processor. Process
// must not modify img (Render may hand the same image to several
// processors at once); it returns a new image.
//
// A processor's parameters are part of its spec's fingerprint, so changing
// them makes blobimage regenerate the variant. Built-in processors describe
// themselves; a custom processor should implement Fingerprinter, otherwise
// its type name and the JSON encoding of its exported fields are used.
type Processor interface {
	Process(img image.Image) (image.Image, error)
}

// Fingerprinter is implemented by processors that describe their own
// parameters for Spec.Fingerprint. The description must change whenever the
// processor's output would.
type Fingerprinter interface {
	Fingerprint() string
}

// Resampler is implemented by processors that begin by resampling the whole
// picture (Fit, Fill, Resize, Pad). Their result depends on the picture, not
// on its resolution, so Render may start them from a smaller copy of the
// source that is still large enough, and a decoder may decode at a reduced
// scale.
type Resampler interface {
	Processor
	// ResampleSize returns the size the picture is resampled to when the
	// full source is w×h.
	ResampleSize(w, h int) (rw, rh int)
	// ProcessScaled returns what Process would return for the full w×h
	// source, given src: the same picture at a smaller scale. The result
	// has exactly the size Process would give.
	ProcessScaled(src image.Image, w, h int) (image.Image, error)
}

// Spec declares one variant.
type Spec struct {
	// Name identifies the variant within its rule, e.g. "small". It is
	// 1–32 characters of a–z, 0–9, '_' and '-', starting with a letter or
	// digit, and not "original".
	Name string
	// Processors run in order on the oriented source.
	Processors []Processor
	// Format is the output format; "" means the same family as the
	// source (see OutputFormat).
	Format codecs.Format
	// Formats, when set, asks for several encodings of one rendering,
	// most preferred first; the last is the fallback every client reads
	// (Format X is Formats [X]). Format and Formats are exclusive. A
	// server picks among them by the request's Accept header.
	Formats []codecs.Format
	// Quality is 1–100 on each encoder's own scale; 0 means each
	// encoder's default (codecs.DefaultQuality for JPEG).
	Quality int
	// Lossless makes WebP encodings lossless; other formats ignore it.
	Lossless bool
	// Speed is the AVIF encoder's speed, 1 (slowest, smallest) to 10; 0
	// means the encoder's default. Other formats ignore it.
	Speed int
	// Animated keeps every frame of an animated original (a GIF, an
	// animated WebP), each one processed, with its timing: the variant is
	// then an animation in the formats AnimatedFormats gives. Without it,
	// or for a still original, the variant is the first frame.
	Animated bool
}

// Animates reports whether s makes an animation of an original of frames
// frames.
func (s Spec) Animates(frames int) bool { return s.Animated && frames > 1 }

// FormatsFor returns the formats s encodes an original of format src in:
// AnimatedFormats when s animates its frames, else OutputFormats.
func (s Spec) FormatsFor(src codecs.Format, opaque bool, frames int) []codecs.Format {
	if s.Animates(frames) {
		return s.AnimatedFormats(src)
	}
	return s.OutputFormats(src, opaque)
}

// AnimatedFormats returns the formats s encodes an animation of a source
// of format src in: Formats or Format when set (each must encode
// animations: GIF, WebP), else the source's own format when it can be
// written animated, else GIF.
func (s Spec) AnimatedFormats(src codecs.Format) []codecs.Format {
	switch {
	case len(s.Formats) > 0:
		return s.Formats
	case s.Format != "":
		return []codecs.Format{s.Format}
	case codecs.CanEncodeAll(src):
		return []codecs.Format{src}
	}
	return []codecs.Format{codecs.GIF}
}

// EncodeOptions returns the options s encodes with.
func (s Spec) EncodeOptions() codecs.EncodeOptions {
	return codecs.EncodeOptions{Quality: s.Quality, Lossless: s.Lossless, Speed: s.Speed}
}

// Apply runs s's processors in order on img.
func (s Spec) Apply(img image.Image) (image.Image, error) {
	for i, p := range s.Processors {
		out, err := runProcessor(p, img)
		if err != nil {
			return nil, fmt.Errorf("variants: %s: processors[%d]: %w", s.Name, i, err)
		}
		img = out
	}
	return img, nil
}

// runProcessor runs p on img, refusing a nil processor or result.
func runProcessor(p Processor, img image.Image) (image.Image, error) {
	if p == nil {
		return nil, errors.New("nil processor")
	}
	out, err := p.Process(img)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("%s returned no image", describe(p))
	}
	return out, nil
}

// fingerprintVersion heads the canonical text Fingerprint hashes. Change it
// only together with the canonical form, knowing that every stored variant
// will be seen as stale.
const fingerprintVersion = "blobimage variant v1"

// Fingerprint returns a stable hex digest of everything that determines the
// variant's bytes: processors and their parameters, format and quality (not
// the name). Equal specs have equal fingerprints across processes and
// releases; blobimage puts it in variant keys to find stale variants.
//
// It is the SHA-256 of the canonical text
//
//	blobimage variant v1
//	processor "fit(400x400)"
//	format "jpeg"
//	quality 80
//
// with one processor line per processor, in order, holding its quoted
// description (a Fingerprinter's own, otherwise its Go type and the JSON
// encoding of its exported fields); format is Format as written ("" when
// it depends on the source) and quality is Quality with 0 resolved to
// codecs.DefaultQuality. Formats, Lossless, Speed and Animated add a line
// each when set (formats "avif" "webp" "jpeg", lossless, speed 6,
// animated), so specs
// without them keep the fingerprints they always had.
func (s Spec) Fingerprint() string {
	sum := sha256.Sum256([]byte(s.canonical()))
	return hex.EncodeToString(sum[:])
}

// canonical is the text Fingerprint hashes.
func (s Spec) canonical() string {
	var b strings.Builder
	b.WriteString(fingerprintVersion + "\n")
	for _, p := range s.Processors {
		b.WriteString("processor " + strconv.Quote(describe(p)) + "\n")
	}
	q := s.Quality
	if q == 0 {
		q = codecs.DefaultQuality
	}
	fmt.Fprintf(&b, "format %s\nquality %d\n", strconv.Quote(string(s.Format)), q)
	if len(s.Formats) > 0 {
		b.WriteString("formats")
		for _, f := range s.Formats {
			b.WriteString(" " + strconv.Quote(string(f)))
		}
		b.WriteString("\n")
	}
	if s.Lossless {
		b.WriteString("lossless\n")
	}
	if s.Speed != 0 {
		fmt.Fprintf(&b, "speed %d\n", s.Speed)
	}
	if s.Animated {
		b.WriteString("animated\n")
	}
	return b.String()
}

// describe returns p's description for the fingerprint.
func describe(p Processor) string {
	switch {
	case p == nil:
		return "nil"
	case isFingerprinter(p):
		return p.(Fingerprinter).Fingerprint()
	}
	if b, err := json.Marshal(p); err == nil {
		return fmt.Sprintf("%T%s", p, b)
	}
	return fmt.Sprintf("%T", p)
}

func isFingerprinter(p Processor) bool {
	_, ok := p.(Fingerprinter)
	return ok
}

// OutputFormat returns the fallback format of s for a source of format
// src: the last of OutputFormats.
func (s Spec) OutputFormat(src codecs.Format, opaque bool) codecs.Format {
	fs := s.OutputFormats(src, opaque)
	return fs[len(fs)-1]
}

// OutputFormats returns the formats s encodes a rendering of a source of
// format src in, most preferred first, the fallback last: Formats when
// set, else Format when set, else the source's family, what every browser
// reads: JPEG stays JPEG and PNG stays PNG; GIF becomes PNG (lossless,
// keeps transparency); any other source (WebP, HEIC, AVIF) becomes JPEG
// when opaque and PNG when it has transparency.
func (s Spec) OutputFormats(src codecs.Format, opaque bool) []codecs.Format {
	switch {
	case len(s.Formats) > 0:
		return s.Formats
	case s.Format != "":
		return []codecs.Format{s.Format}
	case src == codecs.JPEG || src == codecs.PNG:
		return []codecs.Format{src}
	case src == codecs.GIF || !opaque:
		return []codecs.Format{codecs.PNG}
	}
	return []codecs.Format{codecs.JPEG}
}

// namePattern is what a variant name looks like.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Validate checks the name, the processors' parameters, the format (must be
// encodable) and the quality.
//
// Errors are *FieldError values naming the field as the flat config form
// writes it ("width", "anchor", "rotate", "brightness", "format", ...);
// for a spec that has no flat form, processor fields are named
// "processors[i].width". A custom processor is checked by its own
// Validate() error method, if it has one.
func (s Spec) Validate() error {
	switch {
	case s.Name == "original":
		return fieldErr("name", `"original" is reserved for the original`)
	case !namePattern.MatchString(s.Name):
		return fieldErr("name", fmt.Sprintf("%q is not 1–32 characters of a-z, 0-9, '_' and '-' starting with a letter or digit", s.Name))
	}
	_, flatErr := toFlat(s)
	for i, p := range s.Processors {
		prefix := fmt.Sprintf("processors[%d]", i)
		if p == nil {
			return fieldErr(prefix, "is nil")
		}
		err := validateProcessor(p)
		if err == nil {
			continue
		}
		if fe, ok := err.(*FieldError); ok && flatErr == nil && fe.Path != "" {
			return err
		}
		return withPath(prefix, err)
	}
	if err := checkFormat(s.Format); err != nil {
		return err
	}
	if err := checkFormats(s.Format, s.Formats); err != nil {
		return err
	}
	if s.Animated {
		for _, f := range append([]codecs.Format{s.Format}, s.Formats...) {
			if f != "" && !codecs.CanEncodeAll(f) {
				return fieldErr("animated", fmt.Sprintf("%s cannot be written animated (gif and webp can)", f))
			}
		}
	}
	if s.Speed < 0 || s.Speed > 10 {
		return fieldErr("speed", "must be between 0 and 10")
	}
	return checkQuality(s.Quality)
}

// checkFormats checks a formats list: encodable, no repeats, not together
// with format.
func checkFormats(single codecs.Format, fs []codecs.Format) error {
	if len(fs) == 0 {
		return nil
	}
	if single != "" {
		return fieldErr("formats", "and format are exclusive (format: X is formats: [X])")
	}
	for i, f := range fs {
		if f == "" {
			return fieldErr(fmt.Sprintf("formats[%d]", i), "is empty")
		}
		if err := checkFormat(f); err != nil {
			return withPath(fmt.Sprintf("formats[%d]", i), err.(*FieldError).Err)
		}
		if slices.Index(fs, f) < i {
			return fieldErr(fmt.Sprintf("formats[%d]", i), fmt.Sprintf("%q is listed twice", string(f)))
		}
	}
	return nil
}

// validateProcessor checks p's parameters: built-in processors with their
// own rules, others with their Validate method when they have one.
func validateProcessor(p Processor) error {
	switch v := p.(type) {
	case interface{ validate() error }:
		return v.validate()
	case interface{ Validate() error }:
		return v.Validate()
	}
	return nil
}

// checkFormat checks a format field: empty or encodable.
func checkFormat(f codecs.Format) error {
	if f == "" || codecs.CanEncode(f) {
		return nil
	}
	var can []string
	for _, g := range codecs.Formats() {
		if codecs.CanEncode(g) {
			can = append(can, string(g))
		}
	}
	return fieldErr("format", fmt.Sprintf("%q cannot be encoded (encodable: %s)", string(f), strings.Join(can, ", ")))
}

// checkQuality checks a quality field.
func checkQuality(q int) error {
	if q < 0 || q > 100 {
		return fieldErr("quality", "must be between 0 and 100")
	}
	return nil
}
