package blobimage

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/thumbhash"
)

// The manifest says what blobimage made of an original: the version (content
// hash and write token) its variants are keyed by, the stored format and
// displayed size, the extracted metadata, and each variant's name,
// fingerprint, format, size and dimensions. It lives in the original's own
// object metadata under the key "blobimage", so one Attributes call rebuilds
// an ImageFile and the original and its manifest are committed by one write.
//
// Encoding: compact JSON with short keys, then unpadded base64url, so the
// value passes every backend's metadata escaping unchanged (S3 and Azure
// URL-escape values; base64url is made of unreserved characters only) and
// its stored size is predictable. "blobimage" is a valid Azure metadata name
// (a C# identifier). The encoded value is kept within ManifestBudget bytes,
// leaving room within S3's 2 KB for the key and the application's own
// metadata: Wrap refuses rules whose variant list alone could not fit, and
// photo metadata is added in order of usefulness while it fits, each string
// capped at maxMetaString bytes.
const (
	manifestKey     = "blobimage"
	manifestVersion = 1
	// ManifestBudget bounds the encoded manifest, in bytes.
	ManifestBudget = 1800
	maxMetaString  = 64
)

// manifest is the decoded form.
type manifest struct {
	Hash   string // c: content hash of the upload, hashLen hex digits
	Token  string // n: per-write token, tokenLen hex digits
	Rule   string // r: fingerprint of the rule that made the set
	Format codecs.Format
	Width  int
	Height int
	// Source is the upload's format (s, written only when it differs from
	// Format) and Alpha whether the upload has transparency (a): with the
	// spec they decide a variant's format, so a variant made later (lazily,
	// by a worker, by regen) gets the format and key an eager write would
	// have given it.
	Source codecs.Format
	Alpha  bool
	Meta   metadata.Metadata
	// Placeholder is the displayed picture's ThumbHash and Color its
	// average colour (A 0: none, in a manifest written before they were
	// kept); Frames the original's frame count when it is animated.
	Placeholder []byte
	Color       color.NRGBA
	Frames      int
	Variants    []manifestVariant
}

type manifestVariant struct {
	Name string
	FP   string
	// Format and Size are the fallback encoding's; Alts the other
	// encodings of the same rendering, most preferred first (the spec's
	// formats, less the last).
	Format codecs.Format
	Width  int
	Height int
	Size   int64
	Alts   []manifestAlt
	// Pending: listed but not made yet (lazy or background fan-out); its
	// keys are derived as for a made one, its sizes and dimensions are 0.
	Pending bool
}

// setSizes records the sizes of v's encodings, given in the order of
// v.formats().
func (v *manifestVariant) setSizes(encs [][]byte) {
	v.Alts = slices.Clone(v.Alts)
	for i := range v.Alts {
		v.Alts[i].Size = int64(len(encs[i]))
	}
	v.Size = int64(len(encs[len(encs)-1]))
}

// setSize records the size of v's i-th encoding, in the order of
// v.formats().
func (v *manifestVariant) setSize(i int, size int64) {
	if i < len(v.Alts) {
		v.Alts = slices.Clone(v.Alts)
		v.Alts[i].Size = size
	} else {
		v.Size = size
	}
}

// manifestAlt is one alternate encoding of a variant.
type manifestAlt struct {
	Format codecs.Format
	Size   int64
}

// formats returns the variant's encodings' formats, most preferred first,
// the fallback last.
func (v manifestVariant) formats() []codecs.Format {
	fs := make([]codecs.Format, 0, len(v.Alts)+1)
	for _, a := range v.Alts {
		fs = append(fs, a.Format)
	}
	return append(fs, v.Format)
}

// withFormats returns v listing fs (fallback last) as its encodings, with
// no sizes.
func (v manifestVariant) withFormats(fs []codecs.Format) manifestVariant {
	v.Format = fs[len(fs)-1]
	v.Alts = nil
	for _, f := range fs[:len(fs)-1] {
		v.Alts = append(v.Alts, manifestAlt{Format: f})
	}
	return v
}

// wireManifest is the JSON shape: short keys, variants as arrays.
type wireManifest struct {
	V  int                 `json:"v"`
	C  string              `json:"c"`
	N  string              `json:"n"`
	R  string              `json:"r,omitempty"`
	F  codecs.Format       `json:"f"`
	W  int                 `json:"w"`
	H  int                 `json:"h"`
	S  codecs.Format       `json:"s,omitempty"`
	A  bool                `json:"a,omitempty"`
	PH string              `json:"ph,omitempty"`
	CO string              `json:"co,omitempty"`
	FR int                 `json:"fr,omitempty"`
	M  *wireMeta           `json:"m,omitempty"`
	VS [][]json.RawMessage `json:"vs,omitempty"`
}

type wireMeta struct {
	T  string    `json:"t,omitempty"`
	Mk string    `json:"mk,omitempty"`
	Md string    `json:"md,omitempty"`
	Ln string    `json:"ln,omitempty"`
	O  int       `json:"o,omitempty"`
	Et float64   `json:"et,omitempty"`
	Fn float64   `json:"fn,omitempty"`
	Is int       `json:"is,omitempty"`
	Fl float64   `json:"fl,omitempty"`
	G  []float64 `json:"g,omitempty"`
}

var errManifest = errors.New("malformed manifest")

// encode returns the manifest's metadata value, dropping photo metadata
// that does not fit ManifestBudget. It fails only if the manifest without
// photo metadata does not fit.
func (m *manifest) encode() (string, error) {
	w := wireManifest{V: manifestVersion, C: m.Hash, N: m.Token, R: m.Rule, F: m.Format, W: m.Width, H: m.Height, A: m.Alpha}
	if m.Source != m.Format {
		w.S = m.Source
	}
	w.PH = placeholderString(m.Placeholder)
	if m.Color.A != 0 {
		w.CO = hexColor(m.Color)[1:]
	}
	if m.Frames > 1 {
		w.FR = m.Frames
	}
	for _, v := range m.Variants {
		// A variant is a row of six fields (name, fingerprint, format,
		// width, height, size: the fallback encoding's), then, when it
		// has alternates, their [format, size] pairs as one array, and
		// "p" when it is pending.
		row := make([]json.RawMessage, 6, 8)
		row[0], _ = json.Marshal(v.Name)
		row[1], _ = json.Marshal(v.FP)
		row[2], _ = json.Marshal(v.Format)
		row[3], _ = json.Marshal(v.Width)
		row[4], _ = json.Marshal(v.Height)
		row[5], _ = json.Marshal(v.Size)
		if len(v.Alts) > 0 {
			alts := make([][2]any, len(v.Alts))
			for i, a := range v.Alts {
				alts[i] = [2]any{a.Format, a.Size}
			}
			b, _ := json.Marshal(alts)
			row = append(row, b)
		}
		if v.Pending {
			row = append(row, json.RawMessage(`"p"`))
		}
		w.VS = append(w.VS, row)
	}
	enc := func() string {
		b, err := json.Marshal(w)
		if err != nil {
			panic(err) // only strings, numbers and raw JSON made above
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	s := enc()
	if len(s) > ManifestBudget {
		return "", fmt.Errorf("manifest of %d variants needs %d bytes, over the %d-byte budget", len(m.Variants), len(s), ManifestBudget)
	}
	// Add photo metadata field by field, most useful first, keeping each
	// addition only if the whole still fits.
	meta := &wireMeta{}
	w.M = meta
	md := m.Meta
	adds := []func(){
		func() { meta.O = md.Orientation },
		func() {
			if !md.Taken.IsZero() {
				meta.T = md.Taken.Format(time.RFC3339)
			}
		},
		func() {
			if md.GPS != nil {
				meta.G = []float64{round(md.GPS.Lat, 7), round(md.GPS.Lon, 7)}
				if md.GPS.Alt != nil {
					meta.G = append(meta.G, round(*md.GPS.Alt, 2))
				}
			}
		},
		func() { meta.Mk = capString(md.Make) },
		func() { meta.Md = capString(md.Model) },
		func() {
			meta.Et, meta.Fn, meta.Is, meta.Fl = sig(md.ExposureTime), sig(md.FNumber), md.ISO, sig(md.FocalLength)
		},
		func() { meta.Ln = capString(md.Lens) },
	}
	for _, add := range adds {
		saved := *meta
		add()
		if t := enc(); len(t) <= ManifestBudget {
			s = t
		} else {
			*meta = saved
		}
	}
	if reflect.DeepEqual(*meta, wireMeta{}) {
		w.M = nil
		s = enc()
	}
	return s, nil
}

// capString cuts s to at most maxMetaString bytes on a rune boundary.
func capString(s string) string {
	if len(s) <= maxMetaString {
		return s
	}
	s = s[:maxMetaString]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// decodeManifest parses a metadata value written by encode. Anything that
// does not look exactly like a manifest is an error wrapping errManifest:
// the value may have been written by anyone with access to the bucket.
func decodeManifest(s string) (*manifest, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errManifest, err)
	}
	var w wireManifest
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", errManifest, err)
	}
	if w.V != manifestVersion {
		return nil, fmt.Errorf("%w: version %d", errManifest, w.V)
	}
	if !isHex(w.C, hashLen) || !isHex(w.N, tokenLen) || w.W <= 0 || w.H <= 0 || w.F == "" {
		return nil, fmt.Errorf("%w: bad header", errManifest)
	}
	m := &manifest{Hash: w.C, Token: w.N, Rule: w.R, Format: w.F, Width: w.W, Height: w.H, Source: w.S, Alpha: w.A}
	if m.Source == "" {
		m.Source = m.Format
	}
	if _, ok := codecs.Lookup(m.Source); !ok {
		return nil, fmt.Errorf("%w: source format %q", errManifest, m.Source)
	}
	if w.PH != "" {
		hash, err := base64.StdEncoding.DecodeString(w.PH)
		if err != nil || len(hash) > maxPlaceholder {
			return nil, fmt.Errorf("%w: placeholder", errManifest)
		}
		if _, err := thumbhash.AverageColor(hash); err != nil {
			return nil, fmt.Errorf("%w: placeholder: %v", errManifest, err)
		}
		m.Placeholder = hash
	}
	if w.CO != "" {
		c, ok := parseHexColor(w.CO)
		if !ok {
			return nil, fmt.Errorf("%w: colour %q", errManifest, w.CO)
		}
		m.Color = c
	}
	if w.FR < 0 || w.FR == 1 {
		return nil, fmt.Errorf("%w: frames %d", errManifest, w.FR)
	}
	m.Frames = w.FR
	if w.M != nil {
		md := metadata.Metadata{
			Make: w.M.Mk, Model: w.M.Md, Lens: w.M.Ln, Orientation: w.M.O,
			ExposureTime: w.M.Et, FNumber: w.M.Fn, ISO: w.M.Is, FocalLength: w.M.Fl,
		}
		if w.M.T != "" {
			t, err := time.Parse(time.RFC3339, w.M.T)
			if err != nil {
				return nil, fmt.Errorf("%w: taken: %v", errManifest, err)
			}
			md.Taken = t
		}
		switch len(w.M.G) {
		case 0:
		case 2, 3:
			md.GPS = &metadata.GPS{Lat: w.M.G[0], Lon: w.M.G[1]}
			if len(w.M.G) == 3 {
				alt := w.M.G[2]
				md.GPS.Alt = &alt
			}
		default:
			return nil, fmt.Errorf("%w: gps", errManifest)
		}
		m.Meta = md
	}
	seen := map[string]bool{}
	for _, row := range w.VS {
		v, err := decodeVariantRow(row)
		if err != nil {
			return nil, err
		}
		if seen[v.Name] {
			return nil, fmt.Errorf("%w: variant %q listed twice", errManifest, v.Name)
		}
		seen[v.Name] = true
		m.Variants = append(m.Variants, v)
	}
	return m, nil
}

// decodeVariantRow parses one row of a manifest's variant list and checks
// it, so that a tampered manifest cannot steer derived keys elsewhere.
func decodeVariantRow(row []json.RawMessage) (manifestVariant, error) {
	var v manifestVariant
	if len(row) < 6 || len(row) > 8 {
		return v, fmt.Errorf("%w: variant row of %d fields", errManifest, len(row))
	}
	for i, dst := range []any{&v.Name, &v.FP, &v.Format, &v.Width, &v.Height, &v.Size} {
		if err := json.Unmarshal(row[i], dst); err != nil {
			return v, fmt.Errorf("%w: variant: %v", errManifest, err)
		}
	}
	for i, extra := range row[6:] {
		switch {
		case string(extra) == `"p"` && i == len(row)-7:
			v.Pending = true
		case i == 0 && len(extra) > 0 && extra[0] == '[':
			var pairs [][2]json.RawMessage
			if err := json.Unmarshal(extra, &pairs); err != nil || len(pairs) == 0 || len(pairs) > maxAlternates {
				return v, fmt.Errorf("%w: variant %q: alternates", errManifest, v.Name)
			}
			for _, p := range pairs {
				var a manifestAlt
				if json.Unmarshal(p[0], &a.Format) != nil || json.Unmarshal(p[1], &a.Size) != nil {
					return v, fmt.Errorf("%w: variant %q: alternates", errManifest, v.Name)
				}
				v.Alts = append(v.Alts, a)
			}
		default:
			return v, fmt.Errorf("%w: variant %q: field %d", errManifest, v.Name, 6+i)
		}
	}
	made := v.Width > 0 && v.Height > 0 && v.Size >= 0
	if v.Pending {
		made = v.Width == 0 && v.Height == 0 && v.Size == 0
	}
	fs := v.formats()
	if slices.Contains(fs[:len(fs)-1], v.Format) {
		made = false
	}
	for i, a := range v.Alts {
		if v.Pending && a.Size != 0 || !v.Pending && a.Size < 0 || slices.Index(fs, a.Format) != i {
			made = false
		}
	}
	for _, f := range fs {
		if f.Ext() == "" {
			made = false
		}
	}
	if !validName(v.Name) || !isHex(v.FP, fpLen) || !made {
		return v, fmt.Errorf("%w: variant %q", errManifest, v.Name)
	}
	return v, nil
}

// maxPlaceholder bounds a placeholder's bytes: a ThumbHash has at most 25.
const maxPlaceholder = 32

// maxAlternates bounds the alternate encodings of one variant.
const maxAlternates = 8

// validName reports whether s is a variant name as variants.Spec allows
// one, so a tampered manifest cannot steer derived keys elsewhere.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// keys returns the variant keys the manifest references for the original at
// key: every encoding of every variant.
func (m *manifest) keys(prefix, key string) []string {
	var ks []string
	for _, v := range m.Variants {
		ks = append(ks, m.keysOf(prefix, key, v)...)
	}
	return ks
}

// keysOf returns the keys of v's encodings, in the order of v.formats():
// the fallback's last.
func (m *manifest) keysOf(prefix, key string, v manifestVariant) []string {
	fs := v.formats()
	ks := make([]string, len(fs))
	for i, f := range fs {
		ks[i] = variantKey(prefix, key, m.Hash, m.Token, v.Name, v.FP, f)
	}
	return ks
}

// round rounds v to n decimals: 7 for degrees is about a centimetre, finer
// than any GPS.
func round(v float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(v*p) / p
}

// sig rounds v to 6 significant digits, more than any exposure value
// carries (1/3 s is 0.333333), so the manifest does not spend 17 digits
// on a rational's float expansion.
func sig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return round(v, 5-int(math.Floor(math.Log10(math.Abs(v)))))
}
