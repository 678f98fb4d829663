package blobimage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// Signed transforms. Beyond the widths a rule allows, an application that
// holds the signing key may hand out URLs for any size within the limits,
// fitted or filled (imagehttp checks the signature). A transform's
// rendering is made and stored like a rendition, in the version's variant
// folder under the name "t" and the transform spec's fingerprint, and
// goes with its version. As anyone with a signed URL could otherwise make
// a version hold any number of them, at most Options.MaxTransforms are
// kept per version: making one more deletes the oldest first. The count
// is of the objects in the bucket, so it holds across restarts and
// processes (two processes racing may each keep one more for a while).

// Transform is one signed transform of an original: Op "fit" (the
// default: inside Width×Height, either 0 for no bound on that side, never
// enlarged) or "fill" (cover Width×Height and crop at Anchor), encoded at
// Quality (0: the rule's on_demand quality, else each encoder's default).
type Transform struct {
	Width, Height int
	Op            string
	Anchor        variants.Anchor
	Quality       int
}

// Transform ops.
const (
	OpFit  = "fit"
	OpFill = "fill"
)

// DefaultMaxTransforms is Options.MaxTransforms's default.
const DefaultMaxTransforms = 50

// transformName is the name part of a transform's object key.
const transformName = "t"

// spec returns the spec of t, checked against lim: the sides within
// MaxSide and the box within MaxPixels.
func (t Transform) spec(lim codecs.Limits) (variants.Spec, error) {
	lim = lim.WithDefaults()
	if t.Width < 0 || t.Height < 0 || t.Width > lim.MaxSide || t.Height > lim.MaxSide || (t.Width == 0 && t.Height == 0) {
		return variants.Spec{}, fmt.Errorf("%w: transform %d×%d: sides of 1 to %d (one may be 0 for fit)", ErrInvalidTransform, t.Width, t.Height, lim.MaxSide)
	}
	if int64(max(t.Width, 1))*int64(max(t.Height, 1)) > lim.MaxPixels {
		return variants.Spec{}, fmt.Errorf("%w: transform %d×%d: over max_pixels %d", ErrInvalidTransform, t.Width, t.Height, lim.MaxPixels)
	}
	var p variants.Processor
	switch cmp.Or(t.Op, OpFit) {
	case OpFit:
		if t.Anchor != "" {
			return variants.Spec{}, fmt.Errorf("%w: anchor is for fill", ErrInvalidTransform)
		}
		p = variants.Fit{Width: cmp.Or(t.Width, codecs.DefaultMaxSide), Height: cmp.Or(t.Height, codecs.DefaultMaxSide)}
	case OpFill:
		if t.Width == 0 || t.Height == 0 {
			return variants.Spec{}, fmt.Errorf("%w: fill needs a width and a height", ErrInvalidTransform)
		}
		p = variants.Fill{Width: t.Width, Height: t.Height, Anchor: t.Anchor}
	default:
		return variants.Spec{}, fmt.Errorf("%w: op %q is not fit or fill", ErrInvalidTransform, t.Op)
	}
	spec := variants.Spec{Name: transformName, Processors: []variants.Processor{p}, Quality: t.Quality}
	if err := spec.Validate(); err != nil {
		return variants.Spec{}, fmt.Errorf("%w: %v", ErrInvalidTransform, err)
	}
	return spec, nil
}

// Transform returns the encoding of transform t of the original at key,
// in the first of its rule's on_demand formats (the source's family
// without them) whose media type accept names explicitly, else the last;
// the first request makes and stores it, as Rendition does. A transform
// outside the limits is ErrInvalidTransform. Checking that the caller may
// ask for it (a signature) is the caller's business: imagehttp does it.
func (s *Store) Transform(ctx context.Context, key string, t Transform, accept string) (Encoding, error) {
	e, err := s.transform(ctx, key, t, accept)
	if err != nil {
		return Encoding{}, withCode(fmt.Errorf("blobimage: %q: transform: %w", key, err))
	}
	return e, nil
}

func (s *Store) transform(ctx context.Context, key string, t Transform, accept string) (Encoding, error) {
	if err := CheckKey(key); err != nil {
		return Encoding{}, err
	}
	rule := s.match(key)
	if rule == nil {
		return Encoding{}, ErrUnmanaged
	}
	spec, err := t.spec(s.cfg.Limits)
	if err != nil {
		return Encoding{}, err
	}
	if od := rule.OnDemand; od != nil {
		spec.Formats = slices.Clone(od.Formats)
		spec.Quality = cmp.Or(spec.Quality, od.Quality)
	}
	m, err := s.originalManifest(ctx, key)
	if err != nil {
		return Encoding{}, err
	}
	r := rendition{spec: spec, fp: spec.Fingerprint()[:fpLen]}
	return s.serveRendition(ctx, key, m, r, accept, true)
}

// serveRendition returns the encoding of r for accept, making it when it
// is missing; a transform (limited) first makes room under the cap.
func (s *Store) serveRendition(ctx context.Context, key string, m *manifest, r rendition, accept string, limited bool) (Encoding, error) {
	f := negotiate(r.formats(m), accept)
	vk := r.key(s.prefix, key, m, f)
	e := Encoding{Format: f, ContentType: f.MediaType(), Key: vk}
	if va, err := s.inner.Attributes(ctx, vk); err == nil {
		e.Size = va.Size
		return e, nil
	} else if gcerrors.Code(err) != gcerrors.NotFound {
		return Encoding{}, err
	}
	v, err, _ := s.flight.Do(vk, func() (any, error) {
		// The flight outlives any one caller's cancellation.
		ctx := context.WithoutCancel(ctx)
		if limited {
			if err := s.makeRoom(ctx, key, m); err != nil {
				return int64(0), err
			}
		}
		return s.makeRendition(ctx, key, m, r, f, vk)
	})
	if err != nil {
		return Encoding{}, err
	}
	e.Size = v.(int64)
	return e, nil
}

// makeRoom deletes the oldest transforms of the version m of key until
// one more fits under Options.MaxTransforms.
func (s *Store) makeRoom(ctx context.Context, key string, m *manifest) error {
	ts, err := s.versionObjects(ctx, key, m, transformName+"-")
	if err != nil {
		return err
	}
	if len(ts) < s.cfg.MaxTransforms {
		return nil
	}
	slices.SortFunc(ts, func(a, b *blob.ListObject) int { return a.ModTime.Compare(b.ModTime) })
	var old []string
	for _, o := range ts[:len(ts)-s.cfg.MaxTransforms+1] {
		old = append(old, o.Key)
	}
	s.log.DebugContext(ctx, "blobimage: transforms over the cap; dropping the oldest", "key", key, "dropped", len(old))
	s.deleteQuietly(ctx, old)
	return nil
}

// isTransform reports whether the variant object at vk is a transform of
// the version whose folder is dir.
func isTransform(vk, dir string) bool {
	return strings.HasPrefix(vk, dir+transformName+"-")
}
