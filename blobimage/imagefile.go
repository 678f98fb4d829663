package blobimage

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
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
	// Width, Height and Size are 0) or Stale (made under a spec the config
	// has since changed or dropped: still readable, replaced or removed by
	// regen).
	State VariantState `json:"state"`
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
	a, err := s.inner.Attributes(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("blobimage: image %q: %w", key, err)
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
		store: s,
	}
	// The manifest's entries, judged against the current config; then the
	// config's variants the manifest does not list yet.
	rule := s.match(key)
	current := map[string]string{} // name → fingerprint under the config
	if rule != nil {
		for i, spec := range rule.Variants {
			current[spec.Name] = rule.specFPs[i]
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
	for _, mv := range entries {
		v := Variant{
			Key:    s.keyOf(key, m, mv),
			Format: mv.Format, ContentType: mv.Format.MediaType(),
			Width: mv.Width, Height: mv.Height, Size: mv.Size,
			State: Ready,
		}
		if mv.Pending {
			v.State = Pending
		}
		if fp, ok := current[mv.Name]; rule != nil && (!ok || fp != mv.FP) {
			v.State = Stale
		}
		if signing && v.State != Pending {
			u, err := s.URL(ctx, v.Key)
			switch {
			case err == nil:
				v.URL = u
			case ErrorCode(err) == gcerrors.Unimplemented:
				signing = false // the bucket cannot sign: leave URLs out
			default:
				return nil, fmt.Errorf("blobimage: image %q: url of %s: %w", key, mv.Name, err)
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
	key := f.Key
	if variant != "" && variant != "original" {
		v, ok := f.Variants[variant]
		if !ok {
			return "", fmt.Errorf("blobimage: %q: %w %q", f.Key, ErrNoVariant, variant)
		}
		if v.URL != "" {
			return v.URL, nil
		}
		key = v.Key
		if v.State == Pending && f.store != nil {
			if _, err := f.store.makeOnRead(ctx, key); err != nil {
				return "", fmt.Errorf("blobimage: %q: make %s: %w", f.Key, variant, err)
			}
		}
	}
	if f.store == nil {
		return "", fmt.Errorf("blobimage: %q: %w", f.Key, ErrNoURL)
	}
	return f.store.URL(ctx, key)
}

// URL returns a URL for GETting the object at key: Config.PublicURL joined
// with the escaped key when set, else a URL signed by the bucket valid for
// Config.URLExpiry. When the bucket cannot sign (fileblob without a URL
// signer, for one) and no public URL is set, the error is ErrNoURL.
func (s *Store) URL(ctx context.Context, key string) (string, error) {
	if s.cfg.PublicURL != "" {
		return joinURL(s.cfg.PublicURL, key), nil
	}
	u, err := s.inner.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: s.expiry})
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", fmt.Errorf("blobimage: url of %q: %w", key, ErrNoURL)
	}
	if err != nil {
		return "", fmt.Errorf("blobimage: url of %q: %w", key, err)
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
