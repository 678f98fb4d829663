package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"math"
	"slices"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// photoRule is the ★ config's photos rule: kept originals without GPS,
// three variants.
func photoRule() variants.Rule {
	return variants.Rule{
		Match:    "photos/**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
		Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}, Format: codecs.JPEG, Quality: 80},
			{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
			{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50, Anchor: variants.Center}}},
		},
	}
}

// testConfig holds the ★ rules: photos (keep), avatars (recompress), and
// raw (keep everything as uploaded).
// config is a test's config and the Store's options together.
type config struct {
	variants.Config
	blobimage.Options
}

// wrap wraps inner with c.
func (c config) wrap(inner *blob.Bucket) (*blobimage.Store, error) {
	return blobimage.Wrap(inner, &c.Config, &c.Options)
}

func testConfig() config {
	return config{Config: variants.Config{Rules: []variants.Rule{
		photoRule(),
		{Match: "avatars/*", Original: variants.Original{Mode: variants.Recompress, Strip: variants.StripGPS,
			Format: codecs.JPEG, Quality: 85, MaxWidth: 2048, MaxHeight: 2048}},
		{Match: "raw/**", Original: variants.Original{Mode: variants.Keep, Strip: variants.StripNone},
			Variants: []variants.Spec{{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}}}},
	}}}
}

// newStore wraps a fresh memblob bucket.
func newStore(t testing.TB, cfg config) (*blobimage.Store, *blob.Bucket) {
	t.Helper()
	inner := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = inner.Close() })
	s, err := cfg.wrap(inner)
	if err != nil {
		t.Fatal(err)
	}
	return s, inner
}

// keys lists every key of b, sorted.
func keys(t testing.TB, b *blob.Bucket) []string {
	t.Helper()
	var ks []string
	it := b.List(nil)
	for {
		o, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, o.Key)
	}
	slices.Sort(ks)
	return ks
}

// snapshot is every object of a bucket: key → bytes.
type snapshot map[string]string

func snap(t testing.TB, b *blob.Bucket) snapshot {
	t.Helper()
	s := snapshot{}
	for _, k := range keys(t, b) {
		data, err := b.ReadAll(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		s[k] = string(data)
	}
	return s
}

// put writes data to key through the wrapped bucket.
func put(t testing.TB, s *blobimage.Store, key string, data []byte) {
	t.Helper()
	if err := s.Bucket.WriteAll(context.Background(), key, data, nil); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// image returns the ImageFile at key.
func imageFile(t testing.TB, s *blobimage.Store, key string) *blobimage.ImageFile {
	t.Helper()
	f, err := s.Image(context.Background(), key)
	if err != nil {
		t.Fatalf("Image(%s): %v", key, err)
	}
	return f
}

// decodeKey reads and decodes the object at key.
func decodeKey(t testing.TB, b *blob.Bucket, key string) (image.Image, codecs.Format) {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
	return img, info.Format
}

// patternJPEG is a w×h Pattern JPEG with the given EXIF (nil: none).
func patternJPEG(w, h int, exif *testimage.EXIF) []byte {
	var segs []testimage.Segment
	if exif != nil {
		segs = append(segs, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	}
	return testimage.JPEG(testimage.Pattern(w, h), 90, segs...)
}

// checkQuadrants fails unless img shows the Pattern upright.
func checkQuadrants(t testing.TB, name string, img image.Image) {
	t.Helper()
	want := [4]color.NRGBA{testimage.TopLeft, testimage.TopRight, testimage.BottomLeft, testimage.BottomRight}
	got := testimage.Quadrants(img)
	for i := range got {
		if !testimage.Near(got[i], want[i], 40) {
			t.Errorf("%s: quadrant %d = %v, want %v (all: %v)", name, i, got[i], want[i], got)
		}
	}
}

func mustEqualBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d expected", what, len(got), len(want))
	}
}

// meanAbsDiff is the mean absolute difference per channel (0–255) of two
// images of the same size; +Inf when the sizes differ.
func meanAbsDiff(a, b image.Image) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return math.Inf(1)
	}
	var sum float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			p := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			q := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			sum += math.Abs(float64(p.R)-float64(q.R)) + math.Abs(float64(p.G)-float64(q.G)) + math.Abs(float64(p.B)-float64(q.B))
		}
	}
	return sum / float64(3*ab.Dx()*ab.Dy())
}
