package blobimage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// fuzzStoreLimits keep the fuzzer's allocations small whatever a header
// claims.
var fuzzStoreLimits = codecs.Limits{MaxBytes: 1 << 20, MaxPixels: 4_000_000, MaxSide: 4096}

// FuzzWrite runs arbitrary bytes through the whole write path (sniff,
// limits, decode, metadata, orientation, variants, commit) of an image key
// that already holds a good version. A refusal must be one of the four
// typed upload errors and leave the bucket exactly as it was; an accepted
// upload must leave a consistent ImageFile whose variants decode to their
// recorded sizes and stay hidden from List.
func FuzzWrite(f *testing.F) {
	img := testimage.Pattern(24, 16)
	exif := testimage.EXIF{Orientation: 6, Make: "Canon", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853, Alt: 120}}
	jpg := patternJPEG(40, 30, &exif)
	for _, seed := range [][]byte{
		jpg,
		patternJPEG(9, 7, nil),
		testimage.PNG(img),
		testimage.GIF(img),
		testimage.WebP(img, nil),
		testimage.WebP(img, exif.Bytes()),
		pngHeader(60000, 60000),
		pngHeader(0, 1),
		jpg[:len(jpg)/2],
		jpg[:len(jpg)-20],
		[]byte("hello, this is not an image\n"),
		nil,
	} {
		f.Add(seed)
	}
	const key = "photos/f.jpg"
	cfg := testConfig()
	cfg.Limits = fuzzStoreLimits
	// The previous good version is written through the wrapper once; each
	// run starts from a fresh bucket holding a raw copy of its objects
	// (bytes, content type and metadata, where the manifest lives), which
	// is several times faster than writing it again.
	prev := fuzzObjectsOf(f, func() *blob.Bucket {
		s, inner := newStore(f, cfg)
		put(f, s, key, patternJPEG(32, 24, nil))
		return inner
	}())
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		s, inner := newStore(t, cfg)
		for _, o := range prev {
			if err := inner.WriteAll(ctx, o.key, o.data, &blob.WriterOptions{ContentType: o.contentType, Metadata: o.metadata}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Image(ctx, key); err != nil {
			t.Fatalf("previous version: %v", err)
		}
		before := snap(t, inner)

		err := s.Bucket.WriteAll(ctx, key, data, nil)
		if err != nil {
			if !errors.Is(err, blobimage.ErrNotImage) && !errors.Is(err, blobimage.ErrUnsupportedFormat) &&
				!errors.Is(err, blobimage.ErrTooLarge) && !errors.Is(err, blobimage.ErrCorrupt) {
				t.Fatalf("unclassified error: %v", err)
			}
			if d := cmp.Diff(before, snap(t, inner)); d != "" {
				t.Fatalf("refused write (%v) changed the bucket (-before +after):\n%s", err, d)
			}
			return
		}

		file, err := s.Image(ctx, key)
		if err != nil {
			t.Fatalf("Image after a successful write: %v", err)
		}
		if file.Width <= 0 || file.Height <= 0 {
			t.Fatalf("ImageFile is %d×%d", file.Width, file.Height)
		}
		if int64(file.Width)*int64(file.Height) > fuzzStoreLimits.MaxPixels || max(file.Width, file.Height) > fuzzStoreLimits.MaxSide {
			t.Fatalf("accepted %d×%d over the limits", file.Width, file.Height)
		}
		if want := len(photoRule().Variants); len(file.Variants) != want {
			t.Fatalf("%d variants recorded, the rule declares %d", len(file.Variants), want)
		}
		listed := map[string]bool{}
		for _, k := range keys(t, s.Bucket) {
			listed[k] = true
		}
		if !listed[key] {
			t.Fatalf("original %s not listed; List shows %v", key, listed)
		}
		for name, v := range file.Variants {
			b, err := inner.ReadAll(ctx, v.Key)
			if err != nil {
				t.Fatalf("variant %s (%s): %v", name, v.Key, err)
			}
			vimg, info, err := codecs.Decode(ctx, b, codecs.Limits{})
			if err != nil {
				t.Fatalf("variant %s does not decode: %v", name, err)
			}
			if got := vimg.Bounds().Size(); got.X != v.Width || got.Y != v.Height || info.Width != v.Width || info.Height != v.Height {
				t.Fatalf("variant %s is %v (header %d×%d), recorded %d×%d", name, got, info.Width, info.Height, v.Width, v.Height)
			}
			if info.Format != v.Format {
				t.Fatalf("variant %s is %s, recorded %s", name, info.Format, v.Format)
			}
			if listed[v.Key] {
				t.Fatalf("variant key %s listed through the wrapper", v.Key)
			}
		}
	})
}

// fuzzObject is a stored object with what a raw copy needs.
type fuzzObject struct {
	key, contentType string
	data             []byte
	metadata         map[string]string
}

// fuzzObjectsOf returns every object of b.
func fuzzObjectsOf(t testing.TB, b *blob.Bucket) []fuzzObject {
	t.Helper()
	ctx := context.Background()
	var objs []fuzzObject
	for _, k := range keys(t, b) {
		data, err := b.ReadAll(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.Attributes(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, fuzzObject{key: k, contentType: a.ContentType, data: data, metadata: a.Metadata})
	}
	return objs
}
