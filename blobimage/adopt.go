package blobimage

// Adopting one object written past the wrapper, as a bucket event
// notification reports it (package queue's Adopter). Adopt is Regenerate's
// adoption and nothing else: it is called for every object the bucket
// reports created, including the variants and manifested originals the
// wrapper writes itself, so everything but an unmanifested image key must
// cost one Attributes call at most and change nothing.

import (
	"context"
	"errors"
	"fmt"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Adopt takes the object at key through the write path (checked, turned
// upright, stripped as its rule says, variants made, manifest written) if
// it lies under an image rule and has no manifest: an object written
// straight to the inner bucket, past the wrapper. The returned Outcome has
// Adopted set when it did.
//
// A staging key of a direct upload (DirectUpload) is promoted to its final
// key (Promote); the Outcome, whose Key is then the final key, has
// Promoted set. A staging key with no object (promoted already) is no
// change.
//
// Everything else is left exactly as it is, with a nil error and an
// Outcome that reports no change: a key in the reserved variant space, a
// key matching no rule, an original that already has a manifest (even one
// written under an older original policy: bringing it up to date is
// Regenerate's job), and a key with no object (deleted before its event
// arrived). So Adopt may be called for every object a bucket reports
// created, the wrapper's own writes included, any number of times and in
// any order: it always works on the object as it is now, not as the event
// saw it, and a second call finds the manifest the first one wrote.
//
// An object that is not an acceptable image is refused with an error
// matching ErrNotImage, ErrUnsupportedFormat, ErrCorrupt or ErrTooLarge,
// and is left byte for byte as it was (the write path refuses before it
// writes anything). Other errors (the bucket failing, ctx ending) may
// succeed on a retry; nothing is committed then either.
//
// Within one process, concurrent calls for one key are serialised: the
// second waits for the first and then finds its manifest. Across processes
// two adoptions of one key may both run; the last commit wins, deletes the
// first one's variants, and leaves one complete version. An object
// replaced while it is being adopted is not overwritten with the older
// bytes: the adoption is dropped (nil error, no change) and the newer
// object is left for its own event, except in the short window between
// the final check and the write that gocloud, which has no conditional
// overwrite, cannot close.
func (s *Store) Adopt(ctx context.Context, key string) (*Outcome, error) {
	unchanged := &Outcome{Key: key}
	// A direct upload's staged object (in the reserved key space) is
	// promoted to its final key.
	if final, ok := s.StagedKey(key); ok {
		return s.promoteStaged(ctx, key, final)
	}
	if s.reserved(key) {
		return unchanged, nil
	}
	rule := s.match(key)
	if rule == nil {
		return unchanged, nil
	}
	unlock := s.adopting.lock(key)
	defer unlock()
	a, err := s.inner.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return unchanged, nil
	}
	if err != nil {
		return unchanged, withCode(fmt.Errorf("blobimage: adopt %q: %w", key, innerError{err}))
	}
	if s.manifestOf(ctx, key, a) != nil {
		return unchanged, nil
	}
	out := &Outcome{Key: key, Adopted: true}
	err = s.apply(ctx, &regenPlan{key: key, rule: rule, attrs: a}, out)
	switch {
	case err == nil:
		s.log.DebugContext(ctx, "blobimage: adopted", "key", key)
		return out, nil
	case errors.Is(err, errSuperseded), gcerrors.Code(err) == gcerrors.NotFound:
		// Replaced or deleted while it was being adopted: the newer
		// object's own event (if any) adopts it.
		s.log.DebugContext(ctx, "blobimage: adoption dropped: object replaced or deleted meanwhile", "key", key)
		return unchanged, nil
	}
	return unchanged, withCode(fmt.Errorf("blobimage: adopt %q: %w", key, err))
}

// promoteStaged is Adopt of a staging key: Promote, with the Outcome's Key
// the final key. A staged object that is gone was promoted (or removed)
// already: nothing to do. A refused upload is deleted by Promote, so a
// retry of the same event finds nothing.
func (s *Store) promoteStaged(ctx context.Context, stagingKey, final string) (*Outcome, error) {
	_, err := s.Promote(ctx, stagingKey)
	switch {
	case err == nil:
		s.log.DebugContext(ctx, "blobimage: promoted a direct upload", "key", final, "staged", stagingKey)
		return &Outcome{Key: final, Promoted: true}, nil
	case gcerrors.Code(err) == gcerrors.NotFound:
		return &Outcome{Key: final}, nil
	}
	return &Outcome{Key: final}, err
}

// sameVersion reports whether a and b are the attributes of one version of
// an object.
func sameVersion(a, b *blob.Attributes) bool {
	return a.ETag == b.ETag && a.ModTime.Equal(b.ModTime)
}

// replacesKey is the context key under which apply tells commit which
// version of the object its write replaces (a *blob.Attributes): commit
// then writes only if the object is still that version, and otherwise
// returns errSuperseded. Adoption and reprocessing read the object, work
// for a while and write it back; without the check an object replaced
// meanwhile would be overwritten with the older bytes, and the newer
// object's event would then find a manifest and do nothing.
type replacesKey struct{}

// stillCurrent checks, for commit, the version recorded under replacesKey
// in ctx, if any.
func (s *Store) stillCurrent(ctx context.Context, key string) error {
	want, ok := ctx.Value(replacesKey{}).(*blob.Attributes)
	if !ok {
		return nil
	}
	a, err := s.inner.Attributes(ctx, key)
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return errSuperseded
	case err != nil:
		return err
	case !sameVersion(a, want):
		return errSuperseded
	}
	return nil
}
