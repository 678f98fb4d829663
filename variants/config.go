package variants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/blobimage/blobimage/codecs"
)

// Config is the ★ configuration file: which keys hold images, what happens
// to the original, which variants are made, and the limits. ParseConfig
// reads it from YAML or JSON.
type Config struct {
	// Rules are tried in order; the first whose Match matches a key wins.
	// Keys matching no rule are not images to blobimage.
	Rules []Rule `json:"rules"`
	// Limits bound what uploads are accepted; zero fields take defaults.
	Limits codecs.Limits `json:"limits,omitzero"`
	// PublicURL, when set, is the base URL the bucket's objects are served
	// from publicly (a CDN or a public bucket); an object's URL is
	// PublicURL joined with its escaped key. When empty, URLs are signed by
	// the bucket.
	PublicURL string `json:"public_url,omitempty"`
	// URLExpiry is how long signed URLs stay valid, as a Go duration
	// ("15m"); zero means one hour.
	URLExpiry Duration `json:"url_expiry,omitzero"`
	// CacheControl is the Cache-Control header the HTTP handlers
	// (imagehttp, serve) send with images named by key; empty means
	// "no-cache": a key may be overwritten, so caches revalidate (cheaply,
	// with the ETag). Stored variant objects carry their own,
	// "public, max-age=31536000, immutable", since their keys change
	// whenever their bytes could.
	CacheControl string `json:"cache_control,omitempty"`
}

// Rule says what to do with images whose keys match.
type Rule struct {
	// Match is a glob over the key: '*' matches within a path segment,
	// '**' as a whole segment matches any number of segments, '?' and
	// [classes] as in path.Match. "photos/**" matches every key under
	// photos/; "avatars/*" only direct children.
	Match string `json:"match"`
	// Formats lists the accepted input formats; empty means every
	// registered format. Other content under a matching key is refused.
	Formats []codecs.Format `json:"formats,omitempty"`
	// Original is the policy for the uploaded file itself.
	Original Original `json:"original,omitzero"`
	// Variants are made from every accepted upload.
	Variants []Spec `json:"variants,omitempty"`
	// OnDemand, when set, allows sizes made on first request (see
	// OnDemand).
	OnDemand *OnDemand `json:"on_demand,omitempty"`
}

// Mode is what happens to the uploaded file.
type Mode string

// Modes of Original.
const (
	// Keep stores the bytes as uploaded (metadata optionally stripped
	// without re-encoding).
	Keep Mode = "keep"
	// Recompress stores the picture re-encoded: oriented, optionally
	// reduced to MaxWidth×MaxHeight, in Format at Quality.
	Recompress Mode = "recompress"
)

// Strip is which metadata is removed from a kept original.
type Strip string

// Strip policies of Original.
const (
	StripNone Strip = "none"
	StripGPS  Strip = "gps"
	StripAll  Strip = "all"
)

// Original is the policy for the uploaded file.
type Original struct {
	// Mode is Keep (the default) or Recompress.
	Mode Mode `json:"mode,omitempty"`
	// Strip is which metadata is removed from a kept original; the
	// default is StripGPS, so stored files do not reveal where they were
	// taken. A recompressed original carries no EXIF at all.
	Strip Strip `json:"strip,omitempty"`
	// Format, Quality, MaxWidth and MaxHeight apply to Recompress: the
	// output format ("" is the source's family, see Spec.OutputFormat),
	// JPEG quality, and the box the picture is fitted into (0: no bound).
	Format    codecs.Format `json:"format,omitempty"`
	Quality   int           `json:"quality,omitempty"`
	MaxWidth  int           `json:"max_width,omitempty"`
	MaxHeight int           `json:"max_height,omitempty"`
}

// Spec returns the recompressed original as a spec named "original": a Fit
// into MaxWidth×MaxHeight when either is set, with o's Format and Quality.
func (o Original) Spec() Spec {
	s := Spec{Name: "original", Format: o.Format, Quality: o.Quality}
	if o.MaxWidth > 0 || o.MaxHeight > 0 {
		s.Processors = []Processor{Fit{Width: o.MaxWidth, Height: o.MaxHeight}}
	}
	return s
}

// Duration is a time.Duration written in config files as a Go duration
// string ("90s", "1h"); see codecs.Duration, which the limits share.
type Duration = codecs.Duration

// MaxVariants is the largest number of variants a rule may declare.
const MaxVariants = 16

// configJSON and ruleJSON mirror Config and Rule for ParseConfig, with the
// parts that need their own paths in errors left raw. They must list the
// same JSON fields as Config and Rule.
type configJSON struct {
	Rules        []json.RawMessage `json:"rules"`
	Limits       json.RawMessage   `json:"limits"`
	PublicURL    string            `json:"public_url"`
	URLExpiry    json.RawMessage   `json:"url_expiry"`
	CacheControl string            `json:"cache_control"`
}

type ruleJSON struct {
	Match    string            `json:"match"`
	Formats  []codecs.Format   `json:"formats"`
	Original json.RawMessage   `json:"original"`
	Variants []json.RawMessage `json:"variants"`
	OnDemand json.RawMessage   `json:"on_demand"`
}

// ParseConfig reads a config from YAML or JSON (JSON is YAML). Unknown
// fields are errors. Defaults are filled in (Mode keep, Strip gps) and the
// result is validated; errors name the field by its path, e.g.
// "rules[0].variants[2].width: must be positive".
//
// Field errors are *FieldError values, returned as they are (their text is
// "path: problem"); an unknown field is reported at the mapping holding it,
// e.g. `rules[0].variants[1]: unknown field "widht" (known: ...)`. Field
// names are matched exactly, case included. A document that is valid JSON
// is read as JSON directly; anything else is converted from YAML first.
func ParseConfig(data []byte) (*Config, error) {
	js, err := toJSON(data)
	if err != nil {
		return nil, err
	}
	c, err := decodeConfig(js)
	if err != nil {
		return nil, err
	}
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// toJSON returns data as JSON: as it is when it is JSON, converted when it
// is YAML. An empty document is an empty mapping.
func toJSON(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	looksJSON := len(trimmed) > 0 && trimmed[0] == '{'
	if looksJSON && json.Valid(trimmed) {
		return trimmed, nil
	}
	js, err := yaml.YAMLToJSONStrict(data) // strict: a repeated key is an error
	if err != nil {
		if looksJSON {
			// Meant as JSON, most likely: say where the JSON is wrong.
			var v any
			if jerr := json.Unmarshal(trimmed, &v); jerr != nil {
				return nil, fmt.Errorf("config: %s", jsonSyntaxError(trimmed, jerr))
			}
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
		return []byte("{}"), nil
	}
	return js, nil
}

// jsonSyntaxError describes err, from decoding data, with the line and
// column where it was found.
func jsonSyntaxError(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	before := data[:min(max(se.Offset, 0), int64(len(data)))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("JSON syntax error at line %d, column %d: %v", line, col, err)
}

// decodeConfig decodes the JSON form of a config, naming the path of every
// error.
func decodeConfig(data []byte) (*Config, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("config: the document must be a mapping with rules, limits, public_url, url_expiry and cache_control")
	}
	var cj configJSON
	if err := decodeStrict(data, &cj); err != nil {
		return nil, err
	}
	c := &Config{PublicURL: cj.PublicURL, CacheControl: cj.CacheControl}
	if isPresent(cj.Limits) {
		if err := decodeStrict(cj.Limits, &c.Limits); err != nil {
			return nil, withPath("limits", err)
		}
	}
	if isPresent(cj.URLExpiry) {
		if err := c.URLExpiry.UnmarshalJSON(cj.URLExpiry); err != nil {
			return nil, withPath("url_expiry", err)
		}
	}
	for i, raw := range cj.Rules {
		prefix := fmt.Sprintf("rules[%d]", i)
		var rj ruleJSON
		if isPresent(raw) {
			if err := decodeStrict(raw, &rj); err != nil {
				return nil, withPath(prefix, err)
			}
		}
		r := Rule{Match: rj.Match, Formats: rj.Formats}
		if isPresent(rj.Original) {
			if err := decodeStrict(rj.Original, &r.Original); err != nil {
				return nil, withPath(prefix+".original", err)
			}
		}
		if isPresent(rj.OnDemand) {
			r.OnDemand = &OnDemand{}
			if err := decodeStrict(rj.OnDemand, r.OnDemand); err != nil {
				return nil, withPath(prefix+".on_demand", err)
			}
		}
		for j, raw := range rj.Variants {
			var s Spec
			if err := s.UnmarshalJSON(raw); err != nil {
				return nil, withPath(fmt.Sprintf("%s.variants[%d]", prefix, j), err)
			}
			r.Variants = append(r.Variants, s)
		}
		c.Rules = append(c.Rules, r)
	}
	return c, nil
}

// isPresent reports whether a raw field was given a value other than null.
func isPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

// fillDefaults sets the defaults ParseConfig fills in.
func (c *Config) fillDefaults() {
	for i := range c.Rules {
		o := &c.Rules[i].Original
		if o.Mode == "" {
			o.Mode = Keep
		}
		if o.Strip == "" {
			o.Strip = StripGPS
		}
	}
}

// LoadConfig reads and parses the config file at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("variants: load config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// DefaultConfig returns the built-in config: every key ("**") is an image
// key, originals are kept with GPS stripped, and two variants are made:
// "small" (fit 400×400) and "medium" (fit 1000×1000).
func DefaultConfig() *Config {
	return &Config{Rules: []Rule{{
		Match:    "**",
		Original: Original{Mode: Keep, Strip: StripGPS},
		Variants: []Spec{
			{Name: "small", Processors: []Processor{Fit{Width: 400, Height: 400}}},
			{Name: "medium", Processors: []Processor{Fit{Width: 1000, Height: 1000}}},
		},
	}}}
}

// Validate fills nothing in; it checks every rule, spec and limit and
// returns an error naming the first bad field by its path.
//
// An empty Mode or Strip is accepted as the default (keep, gps), as a config
// built in code may leave them out. The checks: at least one rule; each
// match a non-empty, well-formed glob; formats registered; mode keep or
// recompress; strip none, gps or all; a kept original sets no format,
// quality, max_width or max_height; a recompressed one an encodable format,
// a quality in 0–100 and non-negative bounds; at most MaxVariants variants
// per rule, with unique names, each valid (Spec.Validate); limits not
// negative; public_url, if set, an absolute http or https URL without query
// or fragment; url_expiry not negative.
func (c *Config) Validate() error {
	if len(c.Rules) == 0 {
		return fieldErr("rules", "at least one rule is needed")
	}
	for i := range c.Rules {
		if err := c.Rules[i].validate(); err != nil {
			return withPath(fmt.Sprintf("rules[%d]", i), err)
		}
	}
	for _, l := range []struct {
		name string
		v    int64
	}{{"max_bytes", c.Limits.MaxBytes}, {"max_pixels", c.Limits.MaxPixels}, {"max_side", int64(c.Limits.MaxSide)},
		{"max_scans", int64(c.Limits.MaxScans)}, {"max_frames", int64(c.Limits.MaxFrames)}, {"decode_timeout", int64(c.Limits.DecodeTimeout)}} {
		if l.v < 0 {
			return fieldErr("limits."+l.name, "must not be negative")
		}
	}
	if c.PublicURL != "" {
		if err := checkPublicURL(c.PublicURL); err != nil {
			return &FieldError{Path: "public_url", Err: err}
		}
	}
	if strings.ContainsAny(c.CacheControl, "\r\n") {
		return fieldErr("cache_control", "must be one line")
	}
	if c.URLExpiry < 0 {
		return fieldErr("url_expiry", "must not be negative")
	}
	return nil
}

// checkPublicURL checks a public_url.
func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	case u.Host == "":
		return fmt.Errorf("%q has no host", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fmt.Errorf("%q must not have a query or a fragment (keys are appended to it)", s)
	}
	return nil
}

// validate checks a rule; paths are relative to it.
func (r *Rule) validate() error {
	if r.Match == "" {
		return fieldErr("match", "must not be empty")
	}
	if err := checkGlob(r.Match); err != nil {
		return &FieldError{Path: "match", Err: err}
	}
	for i, f := range r.Formats {
		if _, ok := codecs.Lookup(f); !ok {
			return fieldErr(fmt.Sprintf("formats[%d]", i), fmt.Sprintf("%q is not a known format (known: %s)", string(f), formatList(codecs.Formats())))
		}
	}
	if err := r.Original.validate(); err != nil {
		return withPath("original", err)
	}
	if len(r.Variants) > MaxVariants {
		return fieldErr("variants", fmt.Sprintf("at most %d variants per rule, not %d", MaxVariants, len(r.Variants)))
	}
	seen := map[string]int{}
	for j, s := range r.Variants {
		prefix := fmt.Sprintf("variants[%d]", j)
		if err := s.Validate(); err != nil {
			return withPath(prefix, err)
		}
		if k, dup := seen[s.Name]; dup {
			return fieldErr(prefix+".name", fmt.Sprintf("%q is already the name of variants[%d]", s.Name, k))
		}
		seen[s.Name] = j
	}
	if r.OnDemand != nil {
		if err := r.OnDemand.validate(); err != nil {
			return withPath("on_demand", err)
		}
	}
	return nil
}

// validate checks the policy for the original; paths are relative to it.
func (o Original) validate() error {
	switch o.Mode {
	case "", Keep, Recompress:
	default:
		return fieldErr("mode", fmt.Sprintf("%q is not keep or recompress", string(o.Mode)))
	}
	switch o.Strip {
	case "", StripNone, StripGPS, StripAll:
	default:
		return fieldErr("strip", fmt.Sprintf("%q is not none, gps or all", string(o.Strip)))
	}
	if o.Mode != Recompress {
		for _, f := range []struct {
			name string
			set  bool
		}{{"format", o.Format != ""}, {"quality", o.Quality != 0}, {"max_width", o.MaxWidth != 0}, {"max_height", o.MaxHeight != 0}} {
			if f.set {
				return fieldErr(f.name, "only applies to mode recompress")
			}
		}
		return nil
	}
	if err := checkFormat(o.Format); err != nil {
		return err
	}
	if err := checkQuality(o.Quality); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"max_width", o.MaxWidth}, {"max_height", o.MaxHeight}} {
		switch {
		case f.v < 0:
			return fieldErr(f.name, "must not be negative")
		case f.v > MaxSide:
			return fieldErr(f.name, fmt.Sprintf("must be at most %d", MaxSide))
		}
	}
	return nil
}

// formatList writes formats separated by commas.
func formatList(fs []codecs.Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Match returns the first rule whose glob matches key, or nil.
func (c *Config) Match(key string) *Rule {
	for i := range c.Rules {
		if c.Rules[i].Matches(key) {
			return &c.Rules[i]
		}
	}
	return nil
}
