package drivertest_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
)

func TestURLOpener(t *testing.T) {
	ctx := context.Background()
	mux := new(blob.URLMux)
	blobimage.Register(mux, &blobimage.URLOpener{Config: drivertest.ImageConfig()})
	for _, s := range []string{"s3", "gs", "azblob", "file", "mem"} {
		if !mux.ValidBucketScheme("blobimage+" + s) {
			t.Errorf("blobimage+%s is not registered", s)
		}
	}
	dir := t.TempDir()
	for _, u := range []string{
		"blobimage+mem://",
		"blobimage+" + (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String() + "?create_dir=true",
	} {
		t.Run(strings.SplitN(u, ":", 2)[0], func(t *testing.T) {
			b, err := mux.OpenBucket(ctx, u)
			if err != nil {
				t.Fatalf("OpenBucket(%s): %v", u, err)
			}
			s, ok := blobimage.From(b)
			if !ok {
				t.Fatal("From does not find the Store of an opened bucket")
			}
			data := testimage.JPEG(testimage.Pattern(1600, 1200), 90)
			if err := b.WriteAll(ctx, "photos/a.jpg", data, nil); err != nil {
				t.Fatal(err)
			}
			f, err := s.Image(ctx, "photos/a.jpg")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Variants) != 3 || f.Variants["small"].Width != 400 || f.Variants["small"].Height != 300 {
				t.Errorf("variants: %+v", f.Variants)
			}
			for name, v := range f.Variants {
				if ok, err := s.Inner().Exists(ctx, v.Key); !ok || err != nil {
					t.Errorf("%s: %s not in the inner bucket (%v)", name, v.Key, err)
				}
			}
			if err := b.WriteAll(ctx, "photos/b.jpg", []byte("not an image"), nil); gcerrors.Code(err) != gcerrors.InvalidArgument {
				t.Errorf("non-image write: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			// Closing the opened bucket closes the inner one.
			if _, err := s.Inner().Exists(ctx, "photos/a.jpg"); err == nil {
				t.Error("the inner bucket is still open after Close")
			}
		})
	}
	// The file bucket kept the original and its variants on disk.
	n := 0
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".attrs") {
			n++
		}
		return nil
	})
	if n != 4 {
		t.Errorf("file bucket holds %d objects, want the original and 3 variants", n)
	}
	for _, bad := range []string{"blobimage+nosuch://x", "blobimage+blobimage+mem://"} {
		if b, err := mux.OpenBucket(ctx, bad); err == nil {
			_ = b.Close()
			t.Errorf("OpenBucket(%s) succeeded", bad)
		}
	}
}
