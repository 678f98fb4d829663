package drivertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// Backend limits on user metadata that every manifest must respect, so that
// an image written through blobimage on one backend can be copied to any
// other.
const (
	// S3MetadataLimit is S3's limit on the user-defined metadata of an
	// object: the UTF-8 bytes of every name and value together.
	S3MetadataLimit = 2048
)

// azureMetadataName is what Azure accepts as a metadata name: a C#
// identifier (ASCII letters, digits and underscores, not starting with a
// digit).
var azureMetadataName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ImageConfig is the configuration RunImageConformance wraps each backend
// with: the ★ config's photos rule (originals kept with GPS stripped; small,
// medium and thumb variants; widths 320, 640 and 2000 on demand in WebP or
// JPEG) and a 3000-pixel side limit, so that refusals can be tested with
// small uploads.
func ImageConfig() *variants.Config {
	return &variants.Config{
		Rules: []variants.Rule{{
			Match:    "photos/**",
			Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
			Variants: []variants.Spec{
				{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}, Format: codecs.JPEG, Quality: 80},
				{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
				{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 50, Height: 50, Anchor: variants.Center}}},
			},
			OnDemand: &variants.OnDemand{Widths: []int{320, 640, 2000}, Formats: []codecs.Format{codecs.WebP, codecs.JPEG}},
		}},
		Limits: codecs.Limits{MaxSide: 3000},
	}
}

// imageSizes are the decoded sizes ImageConfig's variants must have for a
// 1600×1200 upload.
var imageSizes = map[string]image.Point{"small": {400, 300}, "medium": {1000, 750}, "thumb": {50, 50}}

// RunImageConformance runs blobimage's image conformance suite over the
// backends newBackend opens. Each subtest opens its own backend, whose
// Bucket must start empty (the suite counts the objects in it), and wraps it
// with ImageConfig. Everything goes through the public API: Store.Bucket for
// writes, reads, lists, copies and deletes; Store.Image for the manifest;
// the inner bucket only to count and inspect what was stored.
//
// The suite checks, on real outputs: variant fan-out and the decoded sizes
// of the variants; the manifest round trip, non-ASCII EXIF strings included,
// through a fresh Store; that the stored metadata fits S3's 2 KB and uses
// Azure-valid names; that an overwrite leaves no stale variant, a Delete
// cascades, a Copy copies the set, and List hides variants (at every page
// size); that refused uploads (not an image, over a limit, in the variant
// space) store nothing and leave the previous version intact; and, where the
// backend signs URLs, that each variant's URL is fetchable over HTTP with
// Backend.HTTPClient (the subtest skips where SignedURL is Unimplemented);
// that on-demand renditions and transforms are made once under
// concurrent first requests and follow their version through overwrite,
// copy and delete;
// and that a GPS position the rule strips is in no stored object's
// metadata and, where the backend signs URLs, in no header or body of the
// backend's own GET responses for the original and its variants.
func RunImageConformance(t *testing.T, newBackend BackendMaker) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, e *imageEnv)
	}{
		{"FanOut", testFanOut},
		{"ManifestRoundTrip", testManifestRoundTrip},
		{"ManifestWithinBackendLimits", testManifestLimits},
		{"OverwriteLeavesNoStaleVariant", testOverwrite},
		{"DeleteCascades", testDeleteCascades},
		{"CopyCopiesSet", testCopySet},
		{"ListHidesVariants", testListHidesVariants},
		{"RefusalsStoreNothing", testRefusals},
		{"SignedURLs", testSignedURLs},
		{"PositionNotServed", testPositionNotServed},
		{"RenditionsFollowTheirVersion", testRenditions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			be, err := newBackend(ctx, t)
			if err != nil {
				t.Fatalf("open backend: %v", err)
			}
			if be.Close != nil {
				t.Cleanup(be.Close)
			}
			s, err := blobimage.Wrap(be.Bucket, ImageConfig(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Bucket.Close() })
			e := &imageEnv{ctx: ctx, be: be, s: s}
			if got := e.innerKeys(t); len(got) != 0 {
				t.Fatalf("backend bucket is not empty: %q", got)
			}
			tc.fn(t, e)
		})
	}
}

type imageEnv struct {
	ctx context.Context
	be  *Backend
	s   *blobimage.Store
}

// photo is a w×h test pattern JPEG with exif (nil: none).
func photo(w, h int, exif *testimage.EXIF) []byte {
	var segs []testimage.Segment
	if exif != nil {
		segs = append(segs, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	}
	return testimage.JPEG(testimage.Pattern(w, h), 90, segs...)
}

func (e *imageEnv) put(t *testing.T, key string, data []byte) *blobimage.ImageFile {
	t.Helper()
	f, err := e.s.Put(e.ctx, key, bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return f
}

// listKeys lists every key of b (no delimiter), sorted.
func listKeys(ctx context.Context, t *testing.T, b *blob.Bucket, prefix string) []string {
	t.Helper()
	var ks []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		ks = append(ks, o.Key)
	}
	slices.Sort(ks)
	return ks
}

func (e *imageEnv) innerKeys(t *testing.T) []string {
	t.Helper()
	return listKeys(e.ctx, t, e.be.Bucket, "")
}

// snapshot is every object of the inner bucket: key → bytes.
func (e *imageEnv) snapshot(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, k := range e.innerKeys(t) {
		data, err := e.be.Bucket.ReadAll(e.ctx, k)
		if err != nil {
			t.Fatalf("read %s: %v", k, err)
		}
		m[k] = string(data)
	}
	return m
}

// checkVariants reads and decodes every variant of f through the wrapped
// bucket and checks it against want and the stored attributes.
func (e *imageEnv) checkVariants(t *testing.T, f *blobimage.ImageFile, want map[string]image.Point) {
	t.Helper()
	if len(f.Variants) != len(want) {
		t.Errorf("%s: variants %v, want %d", f.Key, slices.Sorted(mapsKeys(f.Variants)), len(want))
	}
	for name, size := range want {
		v, ok := f.Variants[name]
		if !ok {
			t.Errorf("%s: no variant %q", f.Key, name)
			continue
		}
		data, err := e.s.Bucket.ReadAll(e.ctx, v.Key)
		if err != nil {
			t.Errorf("%s: read variant %s: %v", f.Key, name, err)
			continue
		}
		img, info, err := codecs.Decode(e.ctx, data, codecs.Limits{})
		if err != nil {
			t.Errorf("%s: decode variant %s: %v", f.Key, name, err)
			continue
		}
		if got := img.Bounds().Size(); got != size || v.Width != size.X || v.Height != size.Y {
			t.Errorf("%s: %s decoded %v, manifest %dx%d, want %v", f.Key, name, got, v.Width, v.Height, size)
		}
		if info.Format != v.Format || v.ContentType != v.Format.MediaType() {
			t.Errorf("%s: %s is %s, manifest %s %s", f.Key, name, info.Format, v.Format, v.ContentType)
		}
		a, err := e.be.Bucket.Attributes(e.ctx, v.Key)
		if err != nil {
			t.Errorf("%s: attributes of %s: %v", f.Key, name, err)
			continue
		}
		if a.Size != v.Size || int64(len(data)) != v.Size || a.ContentType != v.ContentType {
			t.Errorf("%s: %s stored %d bytes (%d read) of %q, manifest %d of %q", f.Key, name, a.Size, len(data), a.ContentType, v.Size, v.ContentType)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func testFanOut(t *testing.T, e *imageEnv) {
	data := photo(1600, 1200, nil)
	f := e.put(t, "photos/a.jpg", data)
	if f.Format != codecs.JPEG || f.ContentType != "image/jpeg" || f.Width != 1600 || f.Height != 1200 || f.Size != int64(len(data)) {
		t.Errorf("original: %s %s %dx%d %d bytes", f.Format, f.ContentType, f.Width, f.Height, f.Size)
	}
	e.checkVariants(t, f, imageSizes)
	got, err := e.s.Bucket.ReadAll(e.ctx, "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("kept original: %d bytes differ from the %d uploaded", len(got), len(data))
	}
	if got := e.innerKeys(t); len(got) != 1+len(imageSizes) {
		t.Errorf("inner bucket holds %q, want the original and %d variants", got, len(imageSizes))
	}
}

// nonASCII is EXIF text of the kind cameras and phones really write: UTF-8
// in ASCII-typed tags.
var nonASCII = testimage.EXIF{
	Orientation: 1,
	Make:        "Café Ü",
	Model:       "Café Ü 東京 X100",
	Lens:        "Ёлка 23mm f/2 – Straße",
	Taken:       time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
	ISO:         200,
	GPS:         &testimage.GPS{Lat: 35.6812, Lon: 139.7671},
}

func testManifestRoundTrip(t *testing.T, e *imageEnv) {
	f := e.put(t, "photos/Zürich/東京.jpg", photo(1600, 1200, &nonASCII))
	want := metadata.Metadata{Make: nonASCII.Make, Model: nonASCII.Model, Lens: nonASCII.Lens,
		Orientation: 1, ISO: 200, Taken: nonASCII.Taken}
	check := func(what string, f *blobimage.ImageFile) {
		t.Helper()
		md := f.Metadata
		if md.Make != want.Make || md.Model != want.Model || md.Lens != want.Lens ||
			md.Orientation != want.Orientation || md.ISO != want.ISO || !md.Taken.Equal(want.Taken) {
			t.Errorf("%s: metadata %+v, want %+v", what, md, want)
		}
		// Put reports the position to the writer; the rule strips it, so
		// the stored manifest does not hold it.
		if what == "written" && (md.GPS == nil || abs(md.GPS.Lat-35.6812) > 1e-4 || abs(md.GPS.Lon-139.7671) > 1e-4) {
			t.Errorf("%s: GPS %+v", what, md.GPS)
		}
		if what != "written" && md.GPS != nil {
			t.Errorf("%s: GPS %+v stored although the rule strips it", what, md.GPS)
		}
		if f.Width != 1600 || f.Height != 1200 || f.Format != codecs.JPEG {
			t.Errorf("%s: %s %dx%d", what, f.Format, f.Width, f.Height)
		}
		e.checkVariants(t, f, imageSizes)
	}
	check("written", f)
	// A fresh Store over the same inner bucket rebuilds the same ImageFile
	// from what the backend stored.
	s2, err := blobimage.Wrap(e.be.Bucket, ImageConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := s2.Image(e.ctx, f.Key)
	if err != nil {
		t.Fatalf("Image through a fresh Store: %v", err)
	}
	check("reopened", f2)
	for name, v := range f.Variants {
		if f2.Variants[name].Key != v.Key || f2.Variants[name].Size != v.Size {
			t.Errorf("reopened %s: %+v, written %+v", name, f2.Variants[name], v)
		}
	}
	// The manifest is blobimage's: the wrapped bucket hides it.
	a, err := e.s.Bucket.Attributes(e.ctx, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Metadata["blobimage"]; ok {
		t.Errorf("wrapped Attributes show the manifest: %v", a.Metadata)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// checkMetadataLimits fails unless the inner object at key has a manifest
// and metadata within S3's and Azure's rules.
func (e *imageEnv) checkMetadataLimits(t *testing.T, key string) {
	t.Helper()
	a, err := e.be.Bucket.Attributes(e.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Metadata["blobimage"]; !ok {
		t.Errorf("%s: no manifest under metadata name \"blobimage\": %v", key, a.Metadata)
	}
	total := 0
	for k, v := range a.Metadata {
		total += len(k) + len(v)
		if !azureMetadataName.MatchString(k) {
			t.Errorf("%s: metadata name %q is not a C# identifier (Azure)", key, k)
		}
	}
	if total > S3MetadataLimit {
		t.Errorf("%s: %d bytes of user metadata, over S3's %d", key, total, S3MetadataLimit)
	}
}

func testManifestLimits(t *testing.T, e *imageEnv) {
	// Each string is far over what fits: blobimage must keep the whole
	// within S3's budget with room for the application's metadata.
	long := func(s string, n int) string {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(s)
		}
		return b.String()
	}
	exif := nonASCII
	exif.Make = long("Café Ü ", 300)
	exif.Model = long("東京 ", 300)
	exif.Lens = long("Straße – ", 300)
	exif.ExposureTime, exif.FNumber, exif.FocalLength = [2]uint32{1, 250}, [2]uint32{28, 10}, [2]uint32{50, 1}
	app := map[string]string{"owner": "user_42", "upload_id": "0123456789abcdef"}
	if err := e.s.Bucket.WriteAll(e.ctx, "photos/long.jpg", photo(1600, 1200, &exif), &blob.WriterOptions{Metadata: app}); err != nil {
		t.Fatalf("write: %v", err)
	}
	e.checkMetadataLimits(t, "photos/long.jpg")
	f, err := e.s.Image(e.ctx, "photos/long.jpg")
	if err != nil {
		t.Fatal(err)
	}
	e.checkVariants(t, f, imageSizes)
	// The application's own metadata survives, the manifest hidden.
	a, err := e.s.Bucket.Attributes(e.ctx, "photos/long.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range app {
		if a.Metadata[k] != v {
			t.Errorf("metadata %q = %q, want %q (all: %v)", k, a.Metadata[k], v, a.Metadata)
		}
	}
	// The round-trip image too.
	e.put(t, "photos/b.jpg", photo(1600, 1200, &nonASCII))
	e.checkMetadataLimits(t, "photos/b.jpg")
}

func testOverwrite(t *testing.T, e *imageEnv) {
	v1 := e.put(t, "photos/a.jpg", photo(1600, 1200, nil))
	v2 := e.put(t, "photos/a.jpg", photo(800, 1200, nil))
	e.checkVariants(t, v2, map[string]image.Point{"small": {267, 400}, "medium": {667, 1000}, "thumb": {50, 50}})
	for name, v := range v1.Variants {
		if _, err := e.be.Bucket.Attributes(e.ctx, v.Key); gcerrors.Code(err) != gcerrors.NotFound {
			t.Errorf("stale %s variant %s: Attributes error %v, want NotFound", name, v.Key, err)
		}
	}
	// The same bytes again still leave exactly one set.
	v3 := e.put(t, "photos/a.jpg", photo(800, 1200, nil))
	e.checkVariants(t, v3, map[string]image.Point{"small": {267, 400}, "medium": {667, 1000}, "thumb": {50, 50}})
	if got := e.innerKeys(t); len(got) != 1+len(imageSizes) {
		t.Errorf("after overwrites the inner bucket holds %q, want the original and %d variants", got, len(imageSizes))
	}
}

func testDeleteCascades(t *testing.T, e *imageEnv) {
	e.put(t, "photos/a.jpg", photo(1600, 1200, nil))
	if err := e.s.Bucket.Delete(e.ctx, "photos/a.jpg"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := e.innerKeys(t); len(got) != 0 {
		t.Errorf("after Delete the inner bucket holds %q", got)
	}
	if _, err := e.s.Image(e.ctx, "photos/a.jpg"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("Image after Delete: %v, want NotFound", err)
	}
}

func testCopySet(t *testing.T, e *imageEnv) {
	src := e.put(t, "photos/a.jpg", photo(1600, 1200, &nonASCII))
	if err := e.s.Bucket.Copy(e.ctx, "photos/copy/b.jpg", "photos/a.jpg", nil); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	dst, err := e.s.Image(e.ctx, "photos/copy/b.jpg")
	if err != nil {
		t.Fatalf("Image of the copy: %v", err)
	}
	e.checkVariants(t, dst, imageSizes)
	if dst.Metadata.Model != nonASCII.Model {
		t.Errorf("copy's model %q, want %q", dst.Metadata.Model, nonASCII.Model)
	}
	for name, v := range src.Variants {
		d := dst.Variants[name]
		if d.Key == v.Key {
			t.Errorf("%s: the copy shares the source's variant key %s", name, v.Key)
		}
		a, _ := e.s.Bucket.ReadAll(e.ctx, v.Key)
		b, _ := e.s.Bucket.ReadAll(e.ctx, d.Key)
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s: copied variant differs (%d vs %d bytes)", name, len(b), len(a))
		}
	}
	if got := e.innerKeys(t); len(got) != 2*(1+len(imageSizes)) {
		t.Errorf("after Copy the inner bucket holds %q", got)
	}
	// The sets are independent: deleting the source keeps the copy whole.
	if err := e.s.Bucket.Delete(e.ctx, "photos/a.jpg"); err != nil {
		t.Fatal(err)
	}
	e.checkVariants(t, dst, imageSizes)
	if got := e.innerKeys(t); len(got) != 1+len(imageSizes) {
		t.Errorf("after deleting the source the inner bucket holds %q", got)
	}
}

func testListHidesVariants(t *testing.T, e *imageEnv) {
	originals := []string{"photos/a.jpg", "photos/b.jpg", "photos/c/d.jpg"}
	for _, k := range originals {
		e.put(t, k, photo(600, 400, nil))
	}
	if err := e.s.Bucket.WriteAll(e.ctx, "z.txt", []byte("plain"), nil); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(originals), "z.txt")
	slices.Sort(want)
	if got := listKeys(e.ctx, t, e.s.Bucket, ""); !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got := listKeys(e.ctx, t, e.s.Bucket, blobimage.DefaultVariantPrefix); len(got) != 0 {
		t.Errorf("List of the variant prefix = %q", got)
	}
	// Page by page, at every page size, with no variant on any page.
	for _, size := range []int{1, 2, 3, 5} {
		var got []string
		token := blob.FirstPageToken
		for pages := 0; len(token) > 0; pages++ {
			if pages > 50 {
				t.Fatalf("page size %d: no end after %d pages", size, pages)
			}
			objs, next, err := e.s.Bucket.ListPage(e.ctx, token, size, nil)
			if err != nil {
				t.Fatalf("page size %d: %v", size, err)
			}
			if len(objs) > size {
				t.Errorf("page size %d: page of %d", size, len(objs))
			}
			for _, o := range objs {
				got = append(got, o.Key)
			}
			token = next
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("page size %d: listed %q, want %q", size, got, want)
		}
	}
	// With a delimiter, the variant folder does not show either.
	var top []string
	it := e.s.Bucket.List(&blob.ListOptions{Delimiter: "/"})
	for {
		o, err := it.Next(e.ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		top = append(top, o.Key)
	}
	slices.Sort(top)
	if !slices.Equal(top, []string{"photos/", "z.txt"}) {
		t.Errorf("List with delimiter = %q, want [photos/ z.txt]", top)
	}
}

func testRefusals(t *testing.T, e *imageEnv) {
	e.put(t, "photos/a.jpg", photo(1600, 1200, nil))
	before := e.snapshot(t)
	wide := testimage.PNG(testimage.Pattern(3100, 20))
	for _, tc := range []struct {
		name string
		key  string
		data []byte
		is   error
		code gcerrors.ErrorCode
	}{
		{"not an image over an image", "photos/a.jpg", []byte("<html>not an image</html>"), blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"over max_side over an image", "photos/a.jpg", wide, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
		{"not an image, new key", "photos/new.jpg", []byte("plain text, no image at all"), blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"over max_side, new key", "photos/new.png", wide, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
		{"variant space", blobimage.DefaultVariantPrefix + "photos/a.jpg/x", photo(100, 100, nil), blobimage.ErrReservedKey, gcerrors.InvalidArgument},
	} {
		err := e.s.Bucket.WriteAll(e.ctx, tc.key, tc.data, nil)
		if !errors.Is(err, tc.is) || gcerrors.Code(err) != tc.code {
			t.Errorf("%s: error %v (code %v), want %v (%v)", tc.name, err, gcerrors.Code(err), tc.is, tc.code)
		}
		after := e.snapshot(t)
		if !mapsEqual(before, after) {
			t.Errorf("%s: the refused write changed the bucket: %q → %q", tc.name, slices.Sorted(mapsKeys(before)), slices.Sorted(mapsKeys(after)))
		}
	}
	f, err := e.s.Image(e.ctx, "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	e.checkVariants(t, f, imageSizes)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testSignedURLs(t *testing.T, e *imageEnv) {
	f := e.put(t, "photos/a.jpg", photo(1600, 1200, nil))
	if _, err := e.s.URL(e.ctx, "photos/a.jpg"); blobimage.ErrorCode(err) == gcerrors.Unimplemented {
		t.Skipf("the backend does not sign URLs: %v", err)
	} else if err != nil {
		t.Fatalf("URL: %v", err)
	}
	client := e.be.HTTPClient
	if client == nil {
		t.Fatal("the backend signs URLs but Backend.HTTPClient is nil")
	}
	for name, size := range imageSizes {
		u, err := f.URL(e.ctx, name)
		if err != nil {
			t.Errorf("%s: URL: %v", name, err)
			continue
		}
		if u != f.Variants[name].URL {
			t.Errorf("%s: URL %q, ImageFile says %q", name, u, f.Variants[name].URL)
		}
		body, err := fetch(e.ctx, client, u)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, err := e.s.Bucket.ReadAll(e.ctx, f.Variants[name].Key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("%s: fetched %d bytes, stored %d", name, len(body), len(want))
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(body)); err == nil && (cfg.Width != size.X || cfg.Height != size.Y) {
			t.Errorf("%s: fetched %dx%d, want %v", name, cfg.Width, cfg.Height, size)
		}
	}
}

func fetch(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", u, resp.Status, body)
	}
	return body, nil
}

// testPositionNotServed puts a photo with a GPS position under the photos
// rule (strip: gps) and looks for the position everywhere a reader of the
// bucket could find it: each object's user metadata, and, where the
// backend signs URLs, every header and the body of the backend's real GET
// responses. Put alone reports it, to the writer.
func testPositionNotServed(t *testing.T, e *imageEnv) {
	exif := &testimage.EXIF{Make: "Nikon", Model: "COOLPIX P6000", GPS: &testimage.GPS{Lat: 43.4671234, Lon: 11.8853456, Alt: 120}}
	pf, err := e.s.Put(e.ctx, "photos/gps.jpg", bytes.NewReader(photo(640, 480, exif)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Metadata.GPS == nil {
		t.Error("Put does not report the position to the writer")
	}
	f, err := e.s.Image(e.ctx, "photos/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata.GPS != nil || f.Metadata.Model != "COOLPIX P6000" {
		t.Errorf("Image metadata %+v: want the camera, no position", f.Metadata)
	}
	coords := []string{"43.4671", "11.8853"}
	keys := e.innerKeys(t)
	for _, k := range keys {
		a, err := e.be.Bucket.Attributes(e.ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if leak := ShowsPosition(a.Metadata, coords...); leak != "" {
			t.Errorf("%s: stored metadata shows the position: %s", k, leak)
		}
	}
	u, err := e.s.URL(e.ctx, "photos/gps.jpg")
	if blobimage.ErrorCode(err) == gcerrors.Unimplemented {
		t.Skipf("the backend does not sign URLs: %v", err)
	} else if err != nil {
		t.Fatalf("URL: %v", err)
	}
	urls := map[string]string{"original": u}
	for name, v := range f.Variants {
		urls[name] = v.URL
	}
	for name, u := range urls {
		body, header, err := fetchWithHeader(e.ctx, e.be.HTTPClient, u)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		values := map[string]string{}
		for h, vs := range header {
			for i, v := range vs {
				values[fmt.Sprintf("%s[%d]", h, i)] = v
			}
		}
		if leak := ShowsPosition(values, coords...); leak != "" {
			t.Errorf("%s: the backend's GET response shows the position in a header: %s", name, leak)
		}
		if md, _ := metadata.Read(codecs.JPEG, body); md.GPS != nil {
			t.Errorf("%s: the served bytes carry the position %+v", name, md.GPS)
		}
	}
}

// ShowsPosition returns the first of values (object metadata, response
// headers) that shows a GPS position, as "name: text", or "": a value
// holding any of coords as text or once decoded from base64 (blobimage's
// manifest is base64url JSON; a backend may encode values), or holding a
// manifest's GPS field.
func ShowsPosition(values map[string]string, coords ...string) string {
	for k, v := range values {
		texts := []string{v}
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.StdEncoding, base64.URLEncoding} {
			if b, err := enc.DecodeString(v); err == nil {
				texts = append(texts, string(b))
			}
		}
		for _, text := range texts {
			if strings.Contains(text, `"g":`) {
				return k + ": " + text
			}
			for _, c := range coords {
				if strings.Contains(text, c) {
					return k + ": " + text
				}
			}
		}
	}
	return ""
}

// fetchWithHeader is fetch that also returns the response's header.
func fetchWithHeader(ctx context.Context, client *http.Client, u string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s: %.200s", u, resp.Status, body)
	}
	return body, resp.Header, nil
}

// renditionKeys lists the inner bucket's rendition and transform objects.
func (e *imageEnv) renditionKeys(t *testing.T) []string {
	var out []string
	for _, k := range e.innerKeys(t) {
		name := k[strings.LastIndexByte(k, '/')+1:]
		if strings.HasPrefix(name, "w") || strings.HasPrefix(name, "t-") {
			out = append(out, k)
		}
	}
	return out
}

func testRenditions(t *testing.T, e *imageEnv) {
	e.put(t, "photos/a.jpg", photo(1600, 1200, nil))
	decoded := func(key string) (image.Point, codecs.Format) {
		t.Helper()
		data, err := e.s.Bucket.ReadAll(e.ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		img, info, err := codecs.Decode(e.ctx, data, codecs.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return img.Bounds().Size(), info.Format
	}
	// Twenty concurrent first requests for one rendition make one object.
	var wg sync.WaitGroup
	encs := make([]blobimage.Encoding, 20)
	for i := range encs {
		wg.Go(func() {
			var err error
			if encs[i], err = e.s.Rendition(e.ctx, "photos/a.jpg", 640, "image/webp"); err != nil {
				t.Errorf("Rendition: %v", err)
			}
		})
	}
	wg.Wait()
	if size, f := decoded(encs[0].Key); size != image.Pt(640, 480) || f != codecs.WebP || encs[0].Format != codecs.WebP {
		t.Errorf("640 in WebP: %v %s", size, f)
	}
	for _, enc := range encs[1:] {
		if enc.Key != encs[0].Key {
			t.Errorf("concurrent renditions: %s and %s", enc.Key, encs[0].Key)
		}
	}
	if got := e.renditionKeys(t); len(got) != 1 {
		t.Errorf("after 20 concurrent first requests: %q", got)
	}
	// Wider than the picture: its own width; JPEG for a client naming no
	// other format.
	wide, err := e.s.Rendition(e.ctx, "photos/a.jpg", 2000, "*/*")
	if err != nil {
		t.Fatal(err)
	}
	if size, f := decoded(wide.Key); size != image.Pt(1600, 1200) || f != codecs.JPEG {
		t.Errorf("2000 of a 1600-wide picture: %v %s", size, f)
	}
	if _, err := e.s.Rendition(e.ctx, "photos/a.jpg", 500, ""); !errors.Is(err, blobimage.ErrWidthNotAllowed) || gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("a width not allowed: %v", err)
	}
	tr, err := e.s.Transform(e.ctx, "photos/a.jpg", blobimage.Transform{Width: 90, Height: 90, Op: blobimage.OpFill}, "")
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := decoded(tr.Key); size != image.Pt(90, 90) {
		t.Errorf("fill 90×90: %v", size)
	}
	made := e.renditionKeys(t)
	if len(made) != 3 {
		t.Fatalf("renditions and transforms: %q", made)
	}
	// A copy has them; an overwrite drops the old version's; a delete
	// leaves none.
	if err := e.s.Bucket.Copy(e.ctx, "photos/b.jpg", "photos/a.jpg", nil); err != nil {
		t.Fatal(err)
	}
	if got := e.renditionKeys(t); len(got) != 6 {
		t.Errorf("after a copy: %q", got)
	}
	e.put(t, "photos/a.jpg", photo(800, 600, nil))
	for _, k := range e.renditionKeys(t) {
		if slices.Contains(made, k) {
			t.Errorf("the overwrite left %s", k)
		}
	}
	for _, k := range []string{"photos/a.jpg", "photos/b.jpg"} {
		if err := e.s.Bucket.Delete(e.ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.innerKeys(t); len(got) != 0 {
		t.Errorf("after deletes the inner bucket holds %q", got)
	}
}
