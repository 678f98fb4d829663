package blobimage_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"runtime"
	"testing"

	"gocloud.dev/blob/fileblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// stripsConfig keeps the original and makes two fits (the smaller from
// the larger) and, with the placeholder, the usual variants of a keep-mode
// rule, in the order of go run ./bench.
const stripsConfig = `{"rules": [{
  "match": "**",
  "original": {"mode": "keep", "strip": "gps"},
  "variants": [
    {"name": "medium", "op": "fit", "width": %d, "height": %d, "format": "jpeg", "quality": 85},
    {"name": "small",  "op": "fit", "width": 160, "height": 160, "format": "jpeg", "quality": 85}
  ]
}]}`

// stripsStore wraps bucket with stripsConfig, whole making it decode
// every upload whole.
func stripsStore(t testing.TB, bucket string, medium int, whole bool) *blobimage.Store {
	t.Helper()
	cfg, err := variants.ParseConfig(fmt.Appendf(nil, stripsConfig, medium, medium))
	if err != nil {
		t.Fatal(err)
	}
	b, err := fileblob.OpenBucket(bucket, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := blobimage.Wrap(b, cfg, &blobimage.Options{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Bucket.Close() })
	if whole {
		blobimage.DecodeWhole(s)
	}
	return s
}

// TestStripsMatchWholeDecode: a JPEG put is decoded in strips while its
// largest variant is resampled from them, and every object stored, the
// variants and the original, is byte for byte what decoding the upload
// whole stores; the ImageFiles agree (sizes, placeholder, colour). On
// fileblob, for baseline 4:2:0 and grey JPEGs, odd sizes, all orientations
// that turn and mirror, at decode scales 1, 1/2 and 1/4; a progressive
// JPEG (decoded whole either way) is there as the control.
func TestStripsMatchWholeDecode(t *testing.T) {
	ctx := context.Background()
	gray := func(img image.Image) image.Image {
		g := image.NewGray(img.Bounds())
		draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
		return g
	}
	type upload struct {
		name   string
		data   []byte
		medium int
	}
	var uploads []upload
	for _, o := range []int{1, 3, 6, 7} {
		exif := testimage.Segment{Marker: 0xE1, Payload: testimage.EXIF{Orientation: o}.Bytes()}
		uploads = append(uploads,
			upload{fmt.Sprintf("420-o%d", o), testimage.JPEG(testimage.Photo(1201, 803), 90, exif), 500},
			upload{fmt.Sprintf("420-o%d-half", o), testimage.JPEG(testimage.Photo(1201, 803), 90, exif), 300},
			upload{fmt.Sprintf("gray-o%d-quarter", o), testimage.JPEG(gray(testimage.Photo(1333, 999)), 90, exif), 150},
		)
	}
	uploads = append(uploads, upload{"tiny", testimage.JPEG(testimage.Photo(37, 23), 90), 20})
	for _, u := range uploads {
		t.Run(u.name, func(t *testing.T) {
			strips := stripsStore(t, t.TempDir(), u.medium, false)
			whole := stripsStore(t, t.TempDir(), u.medium, true)
			for _, s := range []*blobimage.Store{strips, whole} {
				if _, err := s.Put(ctx, "p.jpg", bytes.NewReader(u.data), nil); err != nil {
					t.Fatal(err)
				}
			}
			a, b := imageFile(t, strips, "p.jpg"), imageFile(t, whole, "p.jpg")
			if a.Width != b.Width || a.Height != b.Height || a.Placeholder != b.Placeholder || a.Color != b.Color {
				t.Errorf("ImageFile: strips %dx%d %q %q, whole %dx%d %q %q", a.Width, a.Height, a.Placeholder, a.Color, b.Width, b.Height, b.Placeholder, b.Color)
			}
			for name, va := range a.Variants {
				vb := b.Variants[name]
				if va.Width != vb.Width || va.Height != vb.Height {
					t.Errorf("%s: strips %dx%d, whole %dx%d", name, va.Width, va.Height, vb.Width, vb.Height)
				}
				ga, err := strips.Bucket.ReadAll(ctx, va.Key)
				if err != nil {
					t.Fatal(err)
				}
				gb, err := whole.Bucket.ReadAll(ctx, vb.Key)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ga, gb) {
					t.Errorf("%s: %d bytes from strips differ from the %d of the whole decode", name, len(ga), len(gb))
				}
			}
			oa, _ := strips.Bucket.ReadAll(ctx, "p.jpg")
			ob, _ := whole.Bucket.ReadAll(ctx, "p.jpg")
			if !bytes.Equal(oa, ob) {
				t.Error("the stored originals differ")
			}
		})
	}
}

// TestStripsHoldLess: decoding in strips allocates less, by about the
// decoded picture the whole decode holds: a 4000×3000 JPEG made into a
// 1000 px variant is decoded at 1/2, and its 2000×1500 4:2:0 planes (4.5
// MB) are never allocated. Bytes allocated by a put, the least of three,
// read from runtime.MemStats.
func TestStripsHoldLess(t *testing.T) {
	if testing.Short() {
		t.Skip("a 12 MP put")
	}
	if !codecs.DecodesInStrips(codecs.Info{Format: codecs.JPEG, Width: 4000, Height: 3000}) {
		t.Skip("this build decodes a 12 MP JPEG whole (-tags turbojpeg)")
	}
	ctx := context.Background()
	data := testimage.JPEG(testimage.Photo(4000, 3000), 90)
	allocated := func(whole bool) uint64 {
		s := stripsStore(t, t.TempDir(), 1000, whole)
		least := ^uint64(0)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := s.Put(ctx, "p.jpg", bytes.NewReader(data), nil); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			least = min(least, after.TotalAlloc-before.TotalAlloc)
		}
		return least
	}
	strips, whole := allocated(false), allocated(true)
	planes := uint64(2000 * 1500 * 3 / 2)
	t.Logf("a put allocates %.1f MB decoding in strips, %.1f MB decoding whole", float64(strips)/1e6, float64(whole)/1e6)
	if strips+planes*8/10 > whole {
		t.Errorf("strips allocate %d bytes, the whole decode %d: want at least %d fewer", strips, whole, planes*8/10)
	}
}
