package blobimage

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// On-demand renditions. A rule's on_demand allows widths that nobody had
// to name as variants: the first request for one makes the original
// fitted to that width (never wider than the picture), in the best of the
// rule's formats the client reads, and stores it in the version's variant
// folder under a key derived like a variant's (name "w" and the width, the
// spec's fingerprint), so the manifest needs no room for it. Later
// requests find the object. A rendition lives and dies with its version:
// an overwrite or delete removes the version's folder with its renditions,
// a copy copies them, a read remakes one deleted out of band, and regen
// removes those the config no longer allows (they are then unreferenced).

// rendition is one on-demand rendering of a version: its spec (for the
// effective width) and fingerprint.
type rendition struct {
	spec variants.Spec
	fp   string
}

// renditionsOf returns the renditions rule allows for the version m
// describes, one per effective width (widths above the picture's give the
// picture's), narrowest first; nil when the rule allows none.
func renditionsOf(m *manifest, rule *compiledRule) []rendition {
	if rule == nil || rule.OnDemand == nil {
		return nil
	}
	var widths []int
	for _, w := range rule.OnDemand.Widths {
		widths = append(widths, variants.Width(w, m.Width))
	}
	slices.Sort(widths)
	widths = slices.Compact(widths)
	rs := make([]rendition, len(widths))
	for i, w := range widths {
		spec := rule.OnDemand.Spec(w)
		rs[i] = rendition{spec: spec, fp: spec.Fingerprint()[:fpLen]}
	}
	return rs
}

// formats returns the encodings of r for the version m describes, the
// fallback last.
func (r rendition) formats(m *manifest) []codecs.Format {
	return r.spec.OutputFormats(m.Source, !m.Alpha)
}

// key returns the object key of r's encoding in f.
func (r rendition) key(prefix, key string, m *manifest, f codecs.Format) string {
	return variantKey(prefix, key, m.Hash, m.Token, r.spec.Name, r.fp, f)
}

// renditionKeys returns the keys of every rendition rule allows for the
// version m describes, in every format.
func renditionKeys(prefix, key string, m *manifest, rule *compiledRule) []string {
	var ks []string
	for _, r := range renditionsOf(m, rule) {
		for _, f := range r.formats(m) {
			ks = append(ks, r.key(prefix, key, m, f))
		}
	}
	return ks
}

// Rendition returns the encoding of the on-demand rendition of the
// original at key w pixels wide (w one of the widths its rule's on_demand
// allows, else ErrWidthNotAllowed; a w wider than the picture gives the
// picture's width): in the first of the rule's formats whose media type
// accept (an HTTP Accept header) names explicitly, else the last. The
// first request makes it and stores it: from the smallest ready variant
// that shows the whole picture at least w wide, else from the original;
// concurrent first requests in one process share one rendering, and
// IfNotExist keeps other processes from writing it twice. The memory
// budget and the limits apply as to a write (ErrBusy when the budget
// stays spent).
func (s *Store) Rendition(ctx context.Context, key string, w int, accept string) (Encoding, error) {
	e, err := s.rendition(ctx, key, w, accept)
	if err != nil {
		return Encoding{}, withCode(fmt.Errorf("blobimage: %q: rendition %d: %w", key, w, err))
	}
	return e, nil
}

func (s *Store) rendition(ctx context.Context, key string, w int, accept string) (Encoding, error) {
	if err := CheckKey(key); err != nil {
		return Encoding{}, err
	}
	rule := s.match(key)
	if rule == nil || !rule.OnDemand.Allows(w) {
		return Encoding{}, ErrWidthNotAllowed
	}
	m, err := s.originalManifest(ctx, key)
	if err != nil {
		return Encoding{}, err
	}
	eff := variants.Width(w, m.Width)
	var r rendition
	for _, c := range renditionsOf(m, rule) {
		if c.spec.Name == "w"+fmt.Sprint(eff) {
			r = c
		}
	}
	return s.serveRendition(ctx, key, m, r, accept, false)
}

// makeRendition makes rendition r of the version m of key in format f,
// stores it at vk unless it exists, and returns the object's size.
func (s *Store) makeRendition(ctx context.Context, key string, m *manifest, r rendition, f codecs.Format, vk string) (int64, error) {
	if a, err := s.inner.Attributes(ctx, vk); err == nil {
		return a.Size, nil // made by a flight that ended since the miss
	}
	// The source need only be as large as the rendering's resampling
	// asks (variants.Need).
	need := variants.Need(image.Pt(m.Width, m.Height), []variants.Spec{r.spec})
	srcKey := s.renditionSource(ctx, key, m, need)
	data, err := s.inner.ReadAll(ctx, srcKey)
	if err != nil {
		return 0, err
	}
	specs := []variants.Spec{r.spec}
	d, err := s.decode(ctx, srcKey, data, specs)
	if err != nil {
		return 0, err
	}
	defer d.release()
	var (
		enc  []byte
		size image.Point
	)
	err = d.render(ctx, specs, 1, func(_ int, img image.Image) error {
		encs, err := s.encodeAll(ctx, img, []codecs.Format{f}, r.spec, d.icc)
		if err != nil {
			return err
		}
		enc, size = encs[0], img.Bounds().Size()
		return nil
	})
	if err != nil {
		return 0, err
	}
	tx := &txn{s: s, key: key}
	switch err := tx.write(ctx, vk, enc, f, size, true); {
	case errors.Is(err, errExists):
		a, err := s.inner.Attributes(ctx, vk)
		if err != nil {
			return 0, err
		}
		return a.Size, nil
	case err != nil:
		tx.rollback(ctx)
		return 0, err
	}
	s.log.DebugContext(ctx, "blobimage: made rendition", "key", key, "rendition", vk, "from", srcKey)
	return int64(len(enc)), nil
}

// renditionSource returns the key to make a rendition that needs a source
// of need pixels from: the smallest ready variant of the version that
// shows the whole picture (its aspect, within rounding) at least that
// large, in its fallback encoding, else the original.
func (s *Store) renditionSource(ctx context.Context, key string, m *manifest, need image.Point) string {
	best, bestW := key, m.Width+1
	for _, mv := range m.Variants {
		if mv.Pending || mv.Width < need.X || mv.Height < need.Y || mv.Width >= bestW || !variants.SameAspect(mv.Width, mv.Height, m.Width, m.Height) {
			continue
		}
		keys := m.keysOf(s.prefix, key, mv)
		if ok, err := s.inner.Exists(ctx, keys[len(keys)-1]); err == nil && ok {
			best, bestW = keys[len(keys)-1], mv.Width
		}
	}
	return best
}

// versionObjects lists the objects in the variant folder of the version
// m of key whose names start with name ("" for all of them): variants,
// renditions, transforms. Only objects of key itself are returned (a key
// whose name looks like a version folder of key's cannot slip in).
func (s *Store) versionObjects(ctx context.Context, key string, m *manifest, name string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := s.inner.List(&blob.ListOptions{Prefix: versionDir(s.prefix, key, m.Hash, m.Token) + name})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if k, ok := originalOf(s.prefix, o.Key); ok && k == key && !o.IsDir {
			out = append(out, o)
		}
	}
}

// versionRenditions lists the rendition and transform objects stored for
// the version m of key: the folder's objects the manifest does not list
// (of any width: a rendition of a width the config has since dropped is
// still the version's).
func (s *Store) versionRenditions(ctx context.Context, key string, m *manifest) ([]*blob.ListObject, error) {
	objs, err := s.versionObjects(ctx, key, m, "")
	listed := m.keys(s.prefix, key)
	return slices.DeleteFunc(objs, func(o *blob.ListObject) bool { return slices.Contains(listed, o.Key) }), err
}

// deleteRenditions removes the rendition objects of the version m of key,
// logging what it cannot list or delete (they are then orphans for
// regen).
func (s *Store) deleteRenditions(ctx context.Context, key string, m *manifest) {
	objs, err := s.versionRenditions(ctx, key, m)
	if err != nil {
		s.log.WarnContext(ctx, "blobimage: could not list renditions; regen removes them", "key", key, "err", err)
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	s.deleteQuietly(ctx, keys)
}

// renditionOf returns the rendition and format whose key is vk among
// those rule allows for the version m of key.
func renditionOf(prefix, key string, m *manifest, rule *compiledRule, vk string) (rendition, codecs.Format, bool) {
	for _, r := range renditionsOf(m, rule) {
		for _, f := range r.formats(m) {
			if r.key(prefix, key, m, f) == vk {
				return r, f, true
			}
		}
	}
	return rendition{}, "", false
}

// originalManifest returns the manifest of the original at key: the
// backend's error for a missing object, ErrUnmanaged for an object
// without one.
func (s *Store) originalManifest(ctx context.Context, key string) (*manifest, error) {
	a, err := s.inner.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	if m := s.manifestOf(ctx, key, a); m != nil {
		return m, nil
	}
	return nil, ErrUnmanaged
}
