package blobimage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// TestStoreErrorsCarryCodes: errors of the Store's own methods answer
// gcerrors.Code as the wrapped bucket's do, keep errors.Is, and say what
// happened in blobimage's words (a missing key is "not found", once,
// without the backend's file path).
func TestStoreErrorsCarryCodes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inner, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	s := wrapWith(t, inner, testConfig())
	if err := inner.WriteAll(ctx, "photos/plain.jpg", patternJPEG(64, 64, nil), nil); err != nil {
		t.Fatal(err)
	}
	put(t, s, "photos/a.jpg", patternJPEG(64, 64, nil))
	f := imageFile(t, s, "photos/a.jpg")

	_, missing := s.Image(ctx, "photos/missing.jpg")
	_, unmanaged := s.Image(ctx, "photos/plain.jpg")
	_, noVariant := f.URL(ctx, "huge")
	_, noURL := s.URL(ctx, "photos/a.jpg")
	_, notImage := s.Put(ctx, "photos/b.jpg", strings.NewReader("hello"), nil)
	_, unmanagedRegen := s.Regenerate(ctx, "notes/readme.txt")
	_, badResume := s.Reconcile(ctx, blobimage.ReconcileOptions{Resume: "%%%"})
	for _, tc := range []struct {
		name string
		err  error
		code gcerrors.ErrorCode
		is   error
	}{
		{"missing", missing, gcerrors.NotFound, nil},
		{"unmanaged", unmanaged, gcerrors.FailedPrecondition, blobimage.ErrUnmanaged},
		{"no variant", noVariant, gcerrors.NotFound, blobimage.ErrNoVariant},
		{"no URL", noURL, gcerrors.Unimplemented, blobimage.ErrNoURL},
		{"not an image", notImage, gcerrors.InvalidArgument, blobimage.ErrNotImage},
		{"regenerate unmanaged", unmanagedRegen, gcerrors.FailedPrecondition, blobimage.ErrUnmanaged},
		{"bad resume token", badResume, gcerrors.InvalidArgument, nil},
	} {
		if got := gcerrors.Code(tc.err); got != tc.code {
			t.Errorf("%s: gcerrors.Code(%v) = %v, want %v", tc.name, tc.err, got, tc.code)
		}
		if got := blobimage.ErrorCode(tc.err); got != tc.code {
			t.Errorf("%s: ErrorCode = %v, want %v", tc.name, got, tc.code)
		}
		if tc.is != nil && !errors.Is(tc.err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.name, tc.err, tc.is)
		}
	}
	if msg := missing.Error(); msg != `blobimage: image "photos/missing.jpg": not found` {
		t.Errorf("missing key: %q", msg)
	}
	if strings.Contains(unmanaged.Error(), "code=") || strings.Contains(missing.Error(), dir) {
		t.Errorf("messages carry gocloud's framing or the server's paths: %q, %q", unmanaged, missing)
	}
}
