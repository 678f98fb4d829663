package blobimage

import (
	"context"
	"fmt"
	"net/url"
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
	// any stripping.
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
	// when the bucket signs; empty when neither is available.
	URL string `json:"url,omitempty"`
}

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
	signing := true
	for _, mv := range m.Variants {
		v := Variant{
			Key:    variantKey(s.prefix, key, m.Hash, m.Token, mv.Name, mv.FP, mv.Format),
			Format: mv.Format, ContentType: mv.Format.MediaType(),
			Width: mv.Width, Height: mv.Height, Size: mv.Size,
		}
		if signing {
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
		f.Variants[mv.Name] = v
	}
	return f, nil
}

// URL returns a URL of the original (variant "" or "original") or of the
// named variant: see Store.URL. An unknown name is ErrNoVariant.
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
