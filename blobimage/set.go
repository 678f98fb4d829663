package blobimage

import (
	"context"
	"fmt"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// delete removes the object at key and, when it is an image original, its
// variants. The original goes first: a crash in between leaves orphaned
// variants (invisible, removed by regen), never an original pointing at
// deleted variants.
func (s *Store) delete(ctx context.Context, key string, opts *blob.DeleteOptions) error {
	a, err := s.inner.Attributes(ctx, key)
	if err != nil {
		return err
	}
	m := s.manifestOf(ctx, key, a)
	if err := s.inner.DeleteWithOptions(ctx, key, opts); err != nil {
		return err
	}
	if m != nil {
		s.deleteQuietly(ctx, m.keys(s.prefix, key))
		s.deleteRenditions(ctx, key, m)
	}
	return nil
}

// copy copies srcKey to dstKey with the image semantics of dstKey:
//
//   - a plain object to a key matching no rule: the inner bucket's Copy;
//   - an original to a key matching no rule: a plain copy without the
//     manifest (dst is not an image key, so it gets no variants);
//   - an original to a key whose rule made the same set (same original
//     policy and variant fingerprints): the variants are copied server-side
//     under a new version of dst, then the original is written with its
//     manifest, as a write would commit;
//   - anything else to an image key: the bytes go through the write path
//     for dst, as if uploaded there (so a plain object copied to an image
//     key is checked, and refused if it is not an image).
//
// In every case the previous version of dst, if it was an original, loses
// its variants once the copy is committed.
func (s *Store) copy(ctx context.Context, dstKey, srcKey string, opts *blob.CopyOptions) error {
	a, err := s.inner.Attributes(ctx, srcKey)
	if err != nil {
		return err
	}
	m := s.manifestOf(ctx, srcKey, a)
	rule := s.match(dstKey)
	if rule == nil && m == nil {
		prev, err := s.readManifest(ctx, dstKey)
		if err != nil {
			return err
		}
		if err := s.inner.Copy(ctx, dstKey, srcKey, opts); err != nil {
			return err
		}
		if prev != nil {
			s.deleteQuietly(ctx, prev.keys(s.prefix, dstKey))
		}
		return nil
	}

	// Every other case rewrites dst, so the callback runs here.
	if opts.BeforeCopy != nil {
		if err := opts.BeforeCopy(func(any) bool { return false }); err != nil {
			return err
		}
	}
	data, err := s.inner.ReadAll(ctx, srcKey)
	if err != nil {
		return err
	}
	wo := &blob.WriterOptions{
		CacheControl:       a.CacheControl,
		ContentDisposition: a.ContentDisposition,
		ContentEncoding:    a.ContentEncoding,
		ContentLanguage:    a.ContentLanguage,
		ContentType:        a.ContentType,
		Metadata:           map[string]string{},
	}
	for k, v := range a.Metadata {
		if k != manifestKey {
			wo.Metadata[k] = v
		}
	}
	switch {
	case rule == nil:
		prev, err := s.readManifest(ctx, dstKey)
		if err != nil {
			return err
		}
		if err := s.inner.WriteAll(ctx, dstKey, data, wo); err != nil {
			return err
		}
		if prev != nil {
			s.deleteQuietly(ctx, prev.keys(s.prefix, dstKey))
		}
		return nil
	case m != nil && sameSet(m, rule):
		err := s.copySet(ctx, dstKey, srcKey, m, data, wo)
		if gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
		// A variant of the source is missing: make the set afresh.
		s.log.InfoContext(ctx, "blobimage: source set incomplete; rebuilding for copy", "src", srcKey, "dst", dstKey)
	}
	return s.writeImage(ctx, dstKey, rule, data, wo)
}

// sameSet reports whether the set manifest m lists is complete and what
// rule would make: the same original policy and the same variants, none
// pending.
func sameSet(m *manifest, rule *compiledRule) bool {
	if !samePolicy(m.Rule, rule) || len(m.Variants) != len(rule.Variants) {
		return false
	}
	for i, v := range m.Variants {
		if v.Pending || v.Name != rule.Variants[i].Name || v.FP != rule.specFPs[i] {
			return false
		}
	}
	return true
}

// copySet copies the variants of the original at srcKey (manifest m) under
// a new version of dstKey and commits dstKey's original (data) with a
// manifest for that version.
func (s *Store) copySet(ctx context.Context, dstKey, srcKey string, m *manifest, data []byte, wo *blob.WriterOptions) error {
	nm := *m
	nm.Token = newToken()
	tx := &txn{s: s, key: dstKey}
	for _, v := range m.Variants {
		dsts := nm.keysOf(s.prefix, dstKey, v)
		for i, src := range m.keysOf(s.prefix, srcKey, v) {
			if err := tx.copy(ctx, dsts[i], src); err != nil {
				tx.rollback(ctx)
				return fmt.Errorf("blobimage: copy %q to %q: variant %s: %w", srcKey, dstKey, v.Name, err)
			}
		}
	}
	// The renditions made so far come along, under the same names.
	objs, err := s.versionRenditions(ctx, srcKey, m)
	if err != nil {
		tx.rollback(ctx)
		return fmt.Errorf("blobimage: copy %q to %q: list renditions: %w", srcKey, dstKey, err)
	}
	srcDir, dstDir := versionDir(s.prefix, srcKey, m.Hash, m.Token), versionDir(s.prefix, dstKey, nm.Hash, nm.Token)
	for _, o := range objs {
		if err := tx.copy(ctx, dstDir+strings.TrimPrefix(o.Key, srcDir), o.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			tx.rollback(ctx)
			return fmt.Errorf("blobimage: copy %q to %q: rendition: %w", srcKey, dstKey, err)
		}
	}
	wo.ContentType = m.Format.MediaType()
	if err := s.commit(ctx, dstKey, tx, &nm, data, wo); err != nil {
		return fmt.Errorf("blobimage: copy %q to %q: %w", srcKey, dstKey, err)
	}
	return nil
}
