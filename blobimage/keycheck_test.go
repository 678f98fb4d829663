package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// TestImageKeys: image keys that would mislead a reader or fail on some
// backend after the variants were made are refused before anything is
// written (InvalidArgument); a key colliding with a folder of the same
// name on fileblob is FailedPrecondition, not Unknown; keys matching no
// rule pass through unchecked.
func TestImageKeys(t *testing.T) {
	ctx := context.Background()
	inner, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	s := wrapWith(t, inner, testConfig())
	img := patternJPEG(64, 48, nil)
	for _, key := range []string{
		"photos/\u202egpj.exe",                        // RIGHT-TO-LEFT OVERRIDE
		"photos/a\u200bb.jpg",                         // ZERO WIDTH SPACE
		"photos/\ufeffa.jpg",                          // ZERO WIDTH NO-BREAK SPACE
		"photos/a\u2066b.jpg",                         // LEFT-TO-RIGHT ISOLATE
		"photos/a\x01.jpg",                            // control
		"photos/" + strings.Repeat("é", 130) + ".jpg", // 264-byte segment
		"photos/" + strings.Repeat("d/", 460) + "a.jpg",
		"photos/a.attrs",
	} {
		_, err := s.Put(ctx, key, bytes.NewReader(img), nil)
		if !errors.Is(err, blobimage.ErrInvalidKey) || gcerrors.Code(err) != gcerrors.InvalidArgument {
			t.Errorf("%.40q: err = %v (code %v), want ErrInvalidKey", key, err, gcerrors.Code(err))
		}
		if err := s.Bucket.Copy(ctx, key, "photos/none.jpg", nil); !errors.Is(err, blobimage.ErrInvalidKey) {
			t.Errorf("copy to %.40q: %v, want ErrInvalidKey", key, err)
		}
	}
	// gocloud itself refuses keys that are not UTF-8.
	if _, err := s.Put(ctx, "photos/\xff.jpg", bytes.NewReader(img), nil); gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("a key that is not UTF-8: %v", err)
	}
	if left := keys(t, inner); len(left) != 0 {
		t.Errorf("refused keys left %q", left)
	}
	if err := blobimage.CheckKey("photos/Zürich/東京 (1).jpg"); err != nil {
		t.Errorf("a plain Unicode key: %v", err)
	}

	// Folder collisions on fileblob.
	put(t, s, "photos/a", img)
	_, err = s.Put(ctx, "photos/a/b.jpg", bytes.NewReader(img), nil)
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("a key under a file's name: %v (code %v), want FailedPrecondition", err, gcerrors.Code(err))
	}
	put(t, s, "photos/c/d.jpg", img)
	_, err = s.Put(ctx, "photos/c", bytes.NewReader(img), nil)
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("a key on a folder's name: %v (code %v), want FailedPrecondition", err, gcerrors.Code(err))
	}
	// The failed writes left the first ones whole, and nothing behind.
	for _, k := range []string{"photos/a", "photos/c/d.jpg"} {
		if f := imageFile(t, s, k); len(f.Variants) != 3 {
			t.Errorf("%s: %d variants", k, len(f.Variants))
		}
	}
	if o := orphans(t, s, inner); len(o) > 0 {
		t.Errorf("failed writes left %q", o)
	}

	// Non-image keys are the bucket's business.
	if err := s.Bucket.WriteAll(ctx, "notes/a\u200bb.txt", []byte("x"), nil); err != nil {
		t.Errorf("a non-image key was checked: %v", err)
	}
}
