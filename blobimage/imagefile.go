package blobimage

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// ImageFile describes a stored original and its variants. Its JSON form is
// the ★ ImageFile contract.
type ImageFile struct {
	// Key is the original's key.
	Key string `json:"key"`
	// Format and ContentType are those of the stored original (after any
	// recompression).
	Format      codecs.Format `json:"format"`
	ContentType string        `json:"content_type"`
	// Width and Height are as displayed: after EXIF orientation.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Size is the stored original's size in bytes.
	Size int64 `json:"size"`
	// Metadata is what the upload's EXIF (or XMP) said, as extracted before
	// any stripping, except the GPS position when the key's rule strips it
	// from the stored original (strip gps, the default, or all; or a
	// recompressed original): that is stored nowhere and reported only by
	// Store.Put, to the writer.
	Metadata metadata.Metadata `json:"metadata"`
	// Placeholder is a ThumbHash of the displayed picture, in standard
	// base64 (https://evanw.github.io/thumbhash/: about 25 bytes that any
	// of the published decoders render as a blurred preview, package
	// thumbhash here), and Color its average colour, "#rrggbb" (the mean
	// of its sRGB values, weighted by alpha): what a page paints until the
	// image arrives. Both are empty for an original written before
	// blobimage kept them, until regen adds them.
	Placeholder string `json:"placeholder,omitempty"`
	Color       string `json:"color,omitempty"`
	// Frames is the original's number of frames when it is animated (more
	// than one); 0 for a still image.
	Frames int `json:"frames,omitempty"`
	// Variants maps variant names to their objects.
	Variants map[string]Variant `json:"variants"`

	store *Store
}

// Variant is one stored variant of an ImageFile.
type Variant struct {
	Key         string        `json:"key"`
	Format      codecs.Format `json:"format"`
	ContentType string        `json:"content_type"`
	Width       int           `json:"width"`
	Height      int           `json:"height"`
	Size        int64         `json:"size"`
	// URL is a public URL when Config.PublicURL is set, else a signed URL
	// when the bucket signs; empty when neither is available, and for a
	// pending variant (whose object does not exist yet: ImageFile.URL makes
	// it first).
	URL string `json:"url,omitempty"`
	// State is Ready (made under the current config), Pending (not made
	// yet: lazy or background fan-out, or a variant new in the config; its
	// Size is 0, and Width and Height are those it will have, where its
	// spec tells them: variants.Spec.OutputSize) or Stale (made under a spec the config
	// has since changed or dropped: still readable, replaced or removed by
	// regen).
	State VariantState `json:"state"`
	// Alternates are the variant's other encodings of the same rendering
	// (the spec's formats but the last), most preferred first; the fields
	// above describe the fallback, which every client reads. Negotiate
	// picks one for a request.
	Alternates []Encoding `json:"alternates,omitempty"`
}

// Encoding is one encoding of a variant: an alternate, or the fallback as
// Negotiate returns it.
type Encoding struct {
	Format      codecs.Format `json:"format"`
	ContentType string        `json:"content_type"`
	Key         string        `json:"key"`
	Size        int64         `json:"size"`
	// URL is as Variant.URL: empty for a pending variant or where no URL
	// can be made.
	URL string `json:"url,omitempty"`
}

// Fallback returns the variant's fallback encoding: its own fields.
func (v Variant) Fallback() Encoding {
	return Encoding{Format: v.Format, ContentType: v.ContentType, Key: v.Key, Size: v.Size, URL: v.URL}
}

// Negotiate returns the encoding of v to serve to a request whose Accept
// header is accept: the first of v's alternates, in the config's order of
// preference, whose media type accept names explicitly with a q-value
// above 0, else the fallback. Wildcards (image/*, */*) admit only the
// fallback: a client that does not name AVIF may not decode it. A server
// answering with the result must send "Vary: Accept".
func (v Variant) Negotiate(accept string) Encoding {
	fs := make([]codecs.Format, 0, len(v.Alternates)+1)
	for _, e := range v.Alternates {
		fs = append(fs, e.Format)
	}
	e, _ := v.Encoding(negotiate(append(fs, v.Format), accept))
	return e
}

// negotiate returns the first of fs, but the last, whose media type accept
// names explicitly with a q-value above 0, else the last (the fallback):
// the rule of Variant.Negotiate, for renditions too.
func negotiate(fs []codecs.Format, accept string) codecs.Format {
	named := acceptedTypes(accept)
	for _, f := range fs[:len(fs)-1] {
		if named[strings.ToLower(f.MediaType())] {
			return f
		}
	}
	return fs[len(fs)-1]
}

// Encoding returns v's encoding in format f (an alternate or the
// fallback), and whether it has one.
func (v Variant) Encoding(f codecs.Format) (Encoding, bool) {
	if f == v.Format {
		return v.Fallback(), true
	}
	for _, e := range v.Alternates {
		if e.Format == f {
			return e, true
		}
	}
	return Encoding{}, false
}

// acceptedTypes returns the media types an Accept header names explicitly
// with q > 0, lower-cased; wildcards are left out.
func acceptedTypes(accept string) map[string]bool {
	named := map[string]bool{}
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(params[0]))
		if mt == "" || strings.Contains(mt, "*") {
			continue
		}
		q := 1.0
		for _, p := range params[1:] {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || v < 0 || v > 1 {
					v = 0 // a malformed weight does not admit the type
				}
				q = v
			}
		}
		named[mt] = q > 0
	}
	return named
}

// VariantState says whether a variant's object exists and matches the
// config.
type VariantState string

// The states of a variant.
const (
	Ready   VariantState = "ready"
	Pending VariantState = "pending"
	Stale   VariantState = "stale"
)

// Image returns the ImageFile of the original at key, rebuilt from its
// manifest with one Attributes call (plus URL signing, which most backends do
// locally). An object without a manifest is ErrUnmanaged.
func (s *Store) Image(ctx context.Context, key string) (*ImageFile, error) {
	f, err := s.image(ctx, key)
	return f, withCode(err)
}

func (s *Store) image(ctx context.Context, key string) (*ImageFile, error) {
	a, err := s.inner.Attributes(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("blobimage: image %q: %w", key, innerError{err})
	}
	v, ok := a.Metadata[manifestKey]
	if !ok {
		return nil, fmt.Errorf("blobimage: image %q: %w", key, ErrUnmanaged)
	}
	m, err := decodeManifest(v)
	if err != nil {
		return nil, fmt.Errorf("blobimage: image %q: %w: %v", key, ErrUnmanaged, err)
	}
	return s.imageFile(ctx, key, a, m)
}

func (s *Store) imageFile(ctx context.Context, key string, a *blob.Attributes, m *manifest) (*ImageFile, error) {
	f := &ImageFile{
		Key: key, Format: m.Format, ContentType: a.ContentType,
		Width: m.Width, Height: m.Height, Size: a.Size,
		Metadata: m.Meta, Variants: make(map[string]Variant, len(m.Variants)),
		Placeholder: placeholderString(m.Placeholder),
		store:       s,
	}
	if m.Color.A != 0 {
		f.Color = hexColor(m.Color)
	}
	if m.Frames > 1 {
		f.Frames = m.Frames
	}
	// The manifest's entries, judged against the current config; then the
	// config's variants the manifest does not list yet.
	rule := s.match(key)
	current := map[string]string{}      // name → fingerprint under the config
	specs := map[string]variants.Spec{} // name → spec under the config
	if rule != nil {
		for i, spec := range rule.Variants {
			current[spec.Name] = rule.specFPs[i]
			specs[spec.Name] = spec
		}
	}
	entries := slices.Clone(m.Variants)
	if rule != nil && samePolicy(m.Rule, rule) {
		for _, mv := range expected(m, rule) {
			if !slices.ContainsFunc(m.Variants, func(v manifestVariant) bool { return v.Name == mv.Name }) {
				entries = append(entries, mv)
			}
		}
	}
	signing := true
	// url returns the URL of the object at vk, or "" where none can be
	// made.
	url := func(vk string) (string, error) {
		if !signing {
			return "", nil
		}
		u, err := s.URL(ctx, vk)
		if ErrorCode(err) == gcerrors.Unimplemented {
			signing = false // the bucket cannot sign: leave URLs out
			return "", nil
		}
		return u, err
	}
	for _, mv := range entries {
		keys := m.keysOf(s.prefix, key, mv)
		v := Variant{
			Key:    keys[len(keys)-1],
			Format: mv.Format, ContentType: mv.Format.MediaType(),
			Width: mv.Width, Height: mv.Height, Size: mv.Size,
			State: Ready,
		}
		for i, a := range mv.Alts {
			v.Alternates = append(v.Alternates, Encoding{Format: a.Format, ContentType: a.Format.MediaType(), Key: keys[i], Size: a.Size})
		}
		if mv.Pending {
			v.State = Pending
			// The size it will have follows from its spec, so a page can
			// be laid out before it is made.
			if spec, ok := specs[mv.Name]; ok && current[mv.Name] == mv.FP {
				if size, ok := spec.OutputSize(m.Width, m.Height); ok {
					v.Width, v.Height = size.X, size.Y
				}
			}
		}
		if fp, ok := current[mv.Name]; rule != nil && (!ok || fp != mv.FP) {
			v.State = Stale
		}
		if v.State != Pending {
			var err error
			if v.URL, err = url(v.Key); err != nil {
				return nil, fmt.Errorf("blobimage: image %q: url of %s: %w", key, mv.Name, err)
			}
			for i := range v.Alternates {
				if v.Alternates[i].URL, err = url(v.Alternates[i].Key); err != nil {
					return nil, fmt.Errorf("blobimage: image %q: url of %s: %w", key, mv.Name, err)
				}
			}
		}
		if v.State == Pending && mv.FP != current[mv.Name] {
			v.State = Stale // pending under a spec the config has dropped
		}
		f.Variants[mv.Name] = v
	}
	return f, nil
}

// URL returns a URL of the original (variant "" or "original") or of the
// named variant: see Store.URL. An unknown name is ErrNoVariant. A pending
// variant is made first, on the spot, as a read of its key would make it
// (it does not wait for a background worker): the URL then serves the
// object from the bucket directly, which cannot make anything on a miss.
func (f *ImageFile) URL(ctx context.Context, variant string) (string, error) {
	return f.EncodingURL(ctx, variant, "")
}

// EncodingURL is URL for the variant's encoding in format enc (one of its
// Alternates, or the fallback's format; "" is the fallback). A format the
// variant is not encoded in is ErrNoVariant. With Variant.Negotiate it
// gives a page the URL of the best encoding for a request:
//
//	e := f.Variants["small"].Negotiate(r.Header.Get("Accept"))
//	u, err := f.EncodingURL(ctx, "small", e.Format)
func (f *ImageFile) EncodingURL(ctx context.Context, variant string, enc codecs.Format) (string, error) {
	u, err := f.encodingURL(ctx, variant, enc)
	return u, withCode(err)
}

func (f *ImageFile) encodingURL(ctx context.Context, variant string, enc codecs.Format) (string, error) {
	key := f.Key
	if variant != "" && variant != "original" {
		v, ok := f.Variants[variant]
		if !ok {
			return "", fmt.Errorf("blobimage: %q: %w %q", f.Key, ErrNoVariant, variant)
		}
		e := v.Fallback()
		if enc != "" {
			if e, ok = v.Encoding(enc); !ok {
				return "", fmt.Errorf("blobimage: %q: %w %q in %s", f.Key, ErrNoVariant, variant, enc)
			}
		}
		if e.URL != "" {
			return e.URL, nil
		}
		key = e.Key
		if v.State == Pending && f.store != nil {
			if _, err := f.store.makeOnRead(ctx, key); err != nil {
				return "", fmt.Errorf("blobimage: %q: make %s: %w", f.Key, variant, err)
			}
		}
	}
	if f.store == nil {
		return "", fmt.Errorf("blobimage: %q: %w", f.Key, ErrNoURL)
	}
	return f.store.url(ctx, key)
}

// URL returns a URL for GETting the object at key: Config.PublicURL joined
// with the escaped key when set, else one from Options.URLSigner when set,
// else a URL signed by the bucket; signed URLs are valid for
// Config.URLExpiry. When none of these can make one (a bucket that cannot
// sign, such as fileblob without a URL signer, and no public URL or
// URLSigner), the error is ErrNoURL.
func (s *Store) URL(ctx context.Context, key string) (string, error) {
	u, err := s.url(ctx, key)
	return u, withCode(err)
}

func (s *Store) url(ctx context.Context, key string) (string, error) {
	if s.cfg.PublicURL != "" {
		return joinURL(s.cfg.PublicURL, key), nil
	}
	if s.cfg.URLSigner != nil {
		u, err := s.cfg.URLSigner.SignedURL(ctx, key, s.expiry)
		if err != nil {
			return "", fmt.Errorf("blobimage: url of %q: %w", key, err)
		}
		return u, nil
	}
	u, err := s.inner.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: s.expiry})
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", fmt.Errorf("blobimage: url of %q: %w", key, ErrNoURL)
	}
	if err != nil {
		return "", fmt.Errorf("blobimage: url of %q: %w", key, innerError{err})
	}
	return u, nil
}

// joinURL appends key to base, escaping each path segment.
func joinURL(base, key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.Join(segs, "/")
}
