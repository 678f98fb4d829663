package blobimage_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

func TestWriteFansOutVariants(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	put(t, s, "photos/a.jpg", patternJPEG(1600, 1200, nil))

	f := imageFile(t, s, "photos/a.jpg")
	if f.Format != codecs.JPEG || f.ContentType != "image/jpeg" || f.Width != 1600 || f.Height != 1200 {
		t.Errorf("original: %s %s %dx%d", f.Format, f.ContentType, f.Width, f.Height)
	}
	want := map[string]image.Point{"small": {400, 300}, "medium": {1000, 750}, "thumb": {50, 50}}
	if len(f.Variants) != len(want) {
		t.Fatalf("variants: %v", f.Variants)
	}
	for name, size := range want {
		v := f.Variants[name]
		img, format := decodeKey(t, s.Bucket, v.Key)
		if got := img.Bounds().Size(); got != size || v.Width != size.X || v.Height != size.Y {
			t.Errorf("%s: decoded %v, manifest %dx%d, want %v", name, got, v.Width, v.Height, size)
		}
		if format != codecs.JPEG || v.Format != codecs.JPEG || v.ContentType != "image/jpeg" {
			t.Errorf("%s: format %s/%s %s", name, format, v.Format, v.ContentType)
		}
		a, err := inner.Attributes(ctx, v.Key)
		if err != nil {
			t.Fatal(err)
		}
		if a.Size != v.Size || a.ContentType != "image/jpeg" || !strings.Contains(a.CacheControl, "immutable") {
			t.Errorf("%s: stored size %d (manifest %d), type %q, cache %q", name, a.Size, v.Size, a.ContentType, a.CacheControl)
		}
		if name != "thumb" {
			checkQuadrants(t, name, img)
		}
	}
	// One original and three variants in the inner bucket; the wrapper
	// lists only the original.
	if got := keys(t, inner); len(got) != 4 {
		t.Errorf("inner bucket holds %v", got)
	}
	if got := keys(t, s.Bucket); !cmp.Equal(got, []string{"photos/a.jpg"}) {
		t.Errorf("wrapped List = %v", got)
	}
	// The original is kept byte for byte (it has no GPS to strip).
	got, err := s.Bucket.ReadAll(ctx, "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "kept original", got, patternJPEG(1600, 1200, nil))
}

// TestOrientation writes the same displayed picture stored in each of the 8
// EXIF orientations: every variant and the reported size must be upright.
func TestOrientation(t *testing.T) {
	displayed := testimage.Pattern(600, 400)
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			s, _ := newStore(t, testConfig())
			stored := testimage.Stored(displayed, o)
			data := testimage.JPEG(stored, 92, testimage.Segment{Marker: 0xE1, Payload: testimage.EXIF{Orientation: o}.Bytes()})
			put(t, s, "photos/o.jpg", data)
			f := imageFile(t, s, "photos/o.jpg")
			if f.Width != 600 || f.Height != 400 || f.Metadata.Orientation != o {
				t.Errorf("reported %dx%d orientation %d", f.Width, f.Height, f.Metadata.Orientation)
			}
			for _, name := range []string{"small", "medium"} {
				img, _ := decodeKey(t, s.Bucket, f.Variants[name].Key)
				if name == "small" && img.Bounds().Size() != (image.Point{400, 267}) {
					t.Errorf("small is %v", img.Bounds().Size())
				}
				checkQuadrants(t, name, img)
			}
		})
	}
}

func TestMetadataExtractedAndGPSStripped(t *testing.T) {
	ctx := context.Background()
	taken := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	exif := testimage.EXIF{
		Orientation: 1, Make: "Canon", Model: "Canon PowerShot SX60 HS", Lens: "4.3-279.5 mm",
		Taken: taken, ExposureTime: [2]uint32{1, 250}, FNumber: [2]uint32{28, 10}, ISO: 100,
		FocalLength: [2]uint32{50, 1}, GPS: &testimage.GPS{Lat: 43.4671, Lon: -11.8853, Alt: 120},
	}
	data := patternJPEG(800, 600, &exif)
	alt := 120.0
	want := metadata.Metadata{
		Taken: taken, Make: "Canon", Model: "Canon PowerShot SX60 HS", Lens: "4.3-279.5 mm", Orientation: 1,
		ExposureTime: 0.004, FNumber: 2.8, ISO: 100, FocalLength: 50,
		GPS: &metadata.GPS{Lat: 43.4671, Lon: -11.8853, Alt: &alt},
	}
	approx := cmpopts.EquateApprox(0, 1e-4)
	for _, tc := range []struct {
		key      string
		keepsGPS bool
	}{{"photos/gps.jpg", false}, {"raw/gps.jpg", true}, {"plain/gps.jpg", false}} {
		cfg := testConfig()
		// A rule built in code with the original policy left zero gets
		// the config file's defaults: keep, strip GPS.
		cfg.Rules = append(cfg.Rules, variants.Rule{Match: "plain/*", Variants: photoRule().Variants})
		s, _ := newStore(t, cfg)
		// Put reports everything the upload said, the position included,
		// to the writer; Image reports the position only where the stored
		// original keeps it.
		pf, err := s.Put(ctx, tc.key, bytes.NewReader(data), nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, pf.Metadata, approx); d != "" {
			t.Errorf("%s: Put metadata (-want +got):\n%s", tc.key, d)
		}
		f := imageFile(t, s, tc.key)
		wantStored := want
		if !tc.keepsGPS {
			wantStored.GPS = nil
		}
		if d := cmp.Diff(wantStored, f.Metadata, approx); d != "" {
			t.Errorf("%s: Image metadata (-want +got):\n%s", tc.key, d)
		}
		stored, err := s.Bucket.ReadAll(ctx, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		md, err := metadata.Read(codecs.JPEG, stored)
		if err != nil {
			t.Fatal(err)
		}
		if (md.GPS != nil) != tc.keepsGPS {
			t.Errorf("%s: stored original GPS = %v, want kept=%v", tc.key, md.GPS, tc.keepsGPS)
		}
		if md.Model != want.Model || !md.Taken.Equal(taken) {
			t.Errorf("%s: stripping GPS lost other metadata: %+v", tc.key, md)
		}
		// Stripping is lossless: the pixels are those of the upload.
		a, _, _ := codecs.Decode(ctx, data, codecs.Limits{})
		b, _, _ := codecs.Decode(ctx, stored, codecs.Limits{})
		if !pixelsEqual(a, b) {
			t.Errorf("%s: stored pixels differ from the upload's", tc.key)
		}
		// Variants carry no metadata at all.
		vdata, err := s.Bucket.ReadAll(ctx, f.Variants["small"].Key)
		if err != nil {
			t.Fatal(err)
		}
		if vmd, _ := metadata.Read(codecs.JPEG, vdata); !cmp.Equal(vmd, metadata.Metadata{}) {
			t.Errorf("%s: variant carries metadata %+v", tc.key, vmd)
		}
	}
}

func pixelsEqual(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.NRGBAModel.Convert(a.At(x, y)) != color.NRGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

func TestFormats(t *testing.T) {
	transparent := testimage.Pattern(800, 600)
	for y := 0; y < 300; y++ { // top half transparent
		for x := 0; x < 800; x++ {
			transparent.SetNRGBA(x, y, color.NRGBA{})
		}
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		source  codecs.Format
		variant codecs.Format // of medium (format unset)
		alpha   bool
	}{
		{"png-opaque", testimage.PNG(testimage.Pattern(800, 600)), codecs.PNG, codecs.PNG, false},
		{"png-alpha", testimage.PNG(transparent), codecs.PNG, codecs.PNG, true},
		{"gif", testimage.GIF(testimage.Pattern(800, 600)), codecs.GIF, codecs.PNG, false},
		{"webp", testimage.WebP(testimage.Pattern(800, 600), nil), codecs.WebP, codecs.JPEG, false},
		{"webp-alpha", testimage.WebP(transparent, nil), codecs.WebP, codecs.PNG, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t, testConfig())
			put(t, s, "photos/x", tc.data)
			f := imageFile(t, s, "photos/x")
			if f.Format != tc.source || f.Width != 800 || f.Height != 600 {
				t.Errorf("original %s %dx%d", f.Format, f.Width, f.Height)
			}
			m := f.Variants["medium"]
			img, format := decodeKey(t, s.Bucket, m.Key)
			if format != tc.variant || m.Format != tc.variant {
				t.Errorf("medium is %s (manifest %s), want %s", format, m.Format, tc.variant)
			}
			// small asks for JPEG explicitly: alpha is flattened onto white.
			small, sformat := decodeKey(t, s.Bucket, f.Variants["small"].Key)
			if sformat != codecs.JPEG {
				t.Errorf("small is %s", sformat)
			}
			if tc.alpha {
				if _, _, _, a := img.At(10, 10).RGBA(); a != 0 {
					t.Errorf("medium lost transparency: alpha %d", a)
				}
				if !testimage.Near(small.At(10, 10), color.White, 8) {
					t.Errorf("small: transparent area is %v, want white", small.At(10, 10))
				}
				return
			}
			checkQuadrants(t, "medium", img)
		})
	}
}

func TestRecompress(t *testing.T) {
	ctx := context.Background()
	t.Run("resized and oriented", func(t *testing.T) {
		s, _ := newStore(t, testConfig())
		// Stored sideways (orientation 6), 2400 wide once upright.
		displayed := testimage.Pattern(2400, 1600)
		exif := testimage.EXIF{Orientation: 6, Make: "Canon", GPS: &testimage.GPS{Lat: 1, Lon: 2}}
		data := testimage.JPEG(testimage.Stored(displayed, 6), 95, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
		put(t, s, "avatars/me", data)
		f := imageFile(t, s, "avatars/me")
		if f.Format != codecs.JPEG || f.Width != 2048 || f.Height != 1365 || f.Metadata.Make != "Canon" {
			t.Errorf("recompressed original: %s %dx%d %+v", f.Format, f.Width, f.Height, f.Metadata)
		}
		stored, err := s.Bucket.ReadAll(ctx, "avatars/me")
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := codecs.Decode(ctx, stored, codecs.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Size() != (image.Point{2048, 1365}) {
			t.Errorf("stored %v", img.Bounds().Size())
		}
		checkQuadrants(t, "recompressed", img)
		if md, _ := metadata.Read(codecs.JPEG, stored); md.Orientation != 0 || md.GPS != nil || md.Make != "" {
			t.Errorf("recompressed original carries EXIF: %+v", md)
		}
	})
	t.Run("png to jpeg", func(t *testing.T) {
		s, _ := newStore(t, testConfig())
		put(t, s, "avatars/p", testimage.PNG(testimage.Pattern(300, 200)))
		f := imageFile(t, s, "avatars/p")
		if f.Format != codecs.JPEG || f.ContentType != "image/jpeg" || f.Width != 300 {
			t.Errorf("%+v", f)
		}
	})
	t.Run("never larger", func(t *testing.T) {
		s, _ := newStore(t, testConfig())
		// A small, low-quality JPEG: re-encoding at 85 would only grow it.
		data := testimage.JPEG(testimage.Pattern(300, 200), 20)
		put(t, s, "avatars/small", data)
		stored, err := s.Bucket.ReadAll(ctx, "avatars/small")
		if err != nil {
			t.Fatal(err)
		}
		mustEqualBytes(t, "kept upload", stored, data)
	})
}

// TestRefusals writes each class of bad input over a good image: the write
// fails with its typed error and gcerrors code, and the bucket is exactly
// as before.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	tiff := []byte("II*\x00\x08\x00\x00\x00" + strings.Repeat("\x00", 64))
	huge := pngHeader(60000, 60000)
	truncated := patternJPEG(400, 300, nil)
	truncated = truncated[:len(truncated)/2]
	cases := []struct {
		name string
		key  string
		data []byte
		opts *blob.WriterOptions
		want error
		code gcerrors.ErrorCode
	}{
		{"text", "photos/a.jpg", []byte("hello, I am not a picture at all"), nil, blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"html named jpg", "photos/a.jpg", []byte("<!DOCTYPE html><html><body>x</body></html>"), nil, blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"tiff", "photos/a.jpg", tiff, nil, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument},
		{"declared jpeg", "photos/a.jpg", []byte("plain text"), &blob.WriterOptions{ContentType: "image/jpeg"}, blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"60000x60000", "photos/a.jpg", huge, nil, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
		{"over max_bytes", "photos/a.jpg", bytes.Repeat([]byte{0xFF}, 2<<20), nil, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
		{"truncated", "photos/a.jpg", truncated, nil, blobimage.ErrCorrupt, gcerrors.InvalidArgument},
		{"variant space", "_variants/photos/a.jpg/x", patternJPEG(100, 100, nil), nil, blobimage.ErrReservedKey, gcerrors.InvalidArgument},
		{"manifest key", "photos/a.jpg", patternJPEG(100, 100, nil), &blob.WriterOptions{Metadata: map[string]string{"Blobimage": "x"}}, blobimage.ErrReservedKey, gcerrors.InvalidArgument},
		{"manifest key on plain", "docs/a.txt", []byte("x"), &blob.WriterOptions{Metadata: map[string]string{"blobimage": "x"}}, blobimage.ErrReservedKey, gcerrors.InvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Limits.MaxBytes = 1 << 20
			s, inner := newStore(t, cfg)
			put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
			before := snap(t, inner)
			beforeFile := imageFile(t, s, "photos/a.jpg")

			opts := tc.opts
			if opts == nil {
				opts = &blob.WriterOptions{}
			}
			start := time.Now()
			err := s.Bucket.WriteAll(ctx, tc.key, tc.data, opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if code := gcerrors.Code(err); code != tc.code {
				t.Errorf("code = %v, want %v (err %v)", code, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q does not name the key", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusal took %v", d)
			}
			if d := cmp.Diff(before, snap(t, inner)); d != "" {
				t.Errorf("bucket changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(beforeFile, imageFile(t, s, "photos/a.jpg"), cmpopts.IgnoreUnexported(blobimage.ImageFile{})); d != "" {
				t.Errorf("ImageFile changed:\n%s", d)
			}
		})
	}
	t.Run("limit named", func(t *testing.T) {
		s, _ := newStore(t, testConfig())
		err := s.Bucket.WriteAll(ctx, "photos/huge.png", huge, nil)
		if !strings.Contains(err.Error(), "max_pixels") && !strings.Contains(err.Error(), "max_side") {
			t.Errorf("error %q names no limit", err)
		}
	})
}

// pngHeader is a PNG signature and IHDR chunk declaring w×h, and no pixels.
func pngHeader(w, h uint32) []byte {
	img := testimage.PNG(image.NewGray(image.Rect(0, 0, 1, 1)))
	// Rewrite IHDR's width and height and its CRC.
	out := bytes.Clone(img[:33])
	be := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	be(out[16:20], w)
	be(out[20:24], h)
	be(out[29:33], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func TestMD5MismatchStoresNothing(t *testing.T) {
	s, inner := newStore(t, testConfig())
	data := patternJPEG(400, 300, nil)
	wrong := md5.Sum([]byte("something else"))
	err := s.Bucket.WriteAll(context.Background(), "photos/m.jpg", data, &blob.WriterOptions{ContentMD5: wrong[:]})
	if err == nil {
		t.Fatal("write with a wrong ContentMD5 succeeded")
	}
	if ks := keys(t, inner); len(ks) != 0 {
		t.Errorf("stored %v", ks)
	}
}

func TestOverwriteLeavesNoStaleVariant(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	first := imageFile(t, s, "photos/a.jpg")
	// The same bytes again, then different bytes.
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	put(t, s, "photos/a.jpg", patternJPEG(1200, 300, nil))
	f := imageFile(t, s, "photos/a.jpg")
	if f.Width != 1200 || f.Variants["small"].Height != 100 {
		t.Errorf("after overwrite: %dx%d, small %dx%d", f.Width, f.Height, f.Variants["small"].Width, f.Variants["small"].Height)
	}
	ks := keys(t, inner)
	if len(ks) != 4 {
		t.Errorf("inner bucket holds %d objects: %v", len(ks), ks)
	}
	for _, v := range first.Variants {
		if ok, _ := inner.Exists(ctx, v.Key); ok {
			t.Errorf("stale variant %s survived", v.Key)
		}
	}
	for _, v := range f.Variants {
		if ok, _ := inner.Exists(ctx, v.Key); !ok {
			t.Errorf("variant %s missing", v.Key)
		}
	}
	// Overwriting an image key with a plain object is refused (it is an
	// image key), and the set stays.
	if err := s.Bucket.WriteAll(ctx, "photos/a.jpg", []byte("text"), nil); !errors.Is(err, blobimage.ErrNotImage) {
		t.Errorf("err = %v", err)
	}
	if got := len(keys(t, inner)); got != 4 {
		t.Errorf("%d objects after refused overwrite", got)
	}
}

func TestDeleteCascades(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	put(t, s, "photos/b.jpg", patternJPEG(800, 600, nil))
	if err := s.Bucket.Delete(ctx, "photos/a.jpg"); err != nil {
		t.Fatal(err)
	}
	ks := keys(t, inner)
	if len(ks) != 4 || ks[len(ks)-1] != "photos/b.jpg" {
		t.Errorf("after delete: %v", ks)
	}
	for _, k := range ks {
		if strings.Contains(k, "photos/a.jpg") {
			t.Errorf("left behind %s", k)
		}
	}
	if err := s.Bucket.Delete(ctx, "photos/a.jpg"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("second delete: %v", err)
	}
	// Variants cannot be deleted on their own.
	f := imageFile(t, s, "photos/b.jpg")
	if err := s.Bucket.Delete(ctx, f.Variants["small"].Key); !errors.Is(err, blobimage.ErrReservedKey) {
		t.Errorf("deleting a variant: %v", err)
	}
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
	src := imageFile(t, s, "photos/a.jpg")

	t.Run("set to same rule", func(t *testing.T) {
		if err := s.Bucket.Copy(ctx, "photos/b.jpg", "photos/a.jpg", nil); err != nil {
			t.Fatal(err)
		}
		dst := imageFile(t, s, "photos/b.jpg")
		if len(dst.Variants) != 3 || dst.Width != src.Width {
			t.Fatalf("copy: %+v", dst)
		}
		for name, v := range dst.Variants {
			if v.Key == src.Variants[name].Key || !strings.Contains(v.Key, "photos/b.jpg/") {
				t.Errorf("%s: copy's variant key %s", name, v.Key)
			}
			a, _ := s.Bucket.ReadAll(ctx, v.Key)
			b, _ := s.Bucket.ReadAll(ctx, src.Variants[name].Key)
			mustEqualBytes(t, name, a, b)
		}
		if n := len(keys(t, inner)); n != 8 {
			t.Errorf("%d objects after copy, want 8", n)
		}
	})
	t.Run("set to a plain key", func(t *testing.T) {
		if err := s.Bucket.Copy(ctx, "backup/a.jpg", "photos/a.jpg", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Image(ctx, "backup/a.jpg"); !errors.Is(err, blobimage.ErrUnmanaged) {
			t.Errorf("plain copy has a manifest: %v", err)
		}
		a, _ := s.Bucket.ReadAll(ctx, "backup/a.jpg")
		b, _ := s.Bucket.ReadAll(ctx, "photos/a.jpg")
		mustEqualBytes(t, "plain copy", a, b)
		if n := len(keys(t, inner)); n != 9 {
			t.Errorf("%d objects, want 9", n)
		}
	})
	t.Run("plain object to an image key", func(t *testing.T) {
		put(t, s, "incoming/x.jpg", patternJPEG(640, 480, nil))
		if err := s.Bucket.Copy(ctx, "photos/x.jpg", "incoming/x.jpg", nil); err != nil {
			t.Fatal(err)
		}
		f := imageFile(t, s, "photos/x.jpg")
		if f.Variants["small"].Width != 400 {
			t.Errorf("copied-in image has variants %+v", f.Variants)
		}
		put(t, s, "incoming/t.txt", []byte("not an image"))
		if err := s.Bucket.Copy(ctx, "photos/t.jpg", "incoming/t.txt", nil); !errors.Is(err, blobimage.ErrNotImage) {
			t.Errorf("copying text to an image key: %v", err)
		}
	})
	t.Run("to the variant space", func(t *testing.T) {
		if err := s.Bucket.Copy(ctx, "_variants/x", "photos/a.jpg", nil); !errors.Is(err, blobimage.ErrReservedKey) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("over an existing set", func(t *testing.T) {
		before := imageFile(t, s, "photos/b.jpg")
		if err := s.Bucket.Copy(ctx, "photos/b.jpg", "photos/x.jpg", nil); err != nil {
			t.Fatal(err)
		}
		for _, v := range before.Variants {
			if ok, _ := inner.Exists(ctx, v.Key); ok {
				t.Errorf("stale %s", v.Key)
			}
		}
	})
}

func TestPassThrough(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	// Image bytes under a key no rule matches: stored as they are.
	data := patternJPEG(300, 200, nil)
	if err := s.Bucket.WriteAll(ctx, "docs/scan.jpg", data, &blob.WriterOptions{Metadata: map[string]string{"owner": "ann"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := inner.ReadAll(ctx, "docs/scan.jpg")
	mustEqualBytes(t, "pass-through", got, data)
	a, err := s.Bucket.Attributes(ctx, "docs/scan.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != "image/jpeg" || a.Metadata["owner"] != "ann" {
		t.Errorf("attributes %+v", a)
	}
	if ks := keys(t, inner); len(ks) != 1 {
		t.Errorf("pass-through made %v", ks)
	}
	if _, err := s.Image(ctx, "docs/scan.jpg"); !errors.Is(err, blobimage.ErrUnmanaged) || blobimage.ErrorCode(err) != gcerrors.FailedPrecondition {
		t.Errorf("Image of a plain object: %v", err)
	}
	// The manifest is not visible in an original's attributes.
	put(t, s, "photos/a.jpg", patternJPEG(300, 200, nil))
	a, err = s.Bucket.Attributes(ctx, "photos/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Metadata) != 0 {
		t.Errorf("metadata shows %v", a.Metadata)
	}
}

func TestListHidesVariants(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, testConfig())
	var want []string
	for i := range 7 {
		k := fmt.Sprintf("photos/%02d.jpg", i)
		put(t, s, k, patternJPEG(120, 80, nil))
		want = append(want, k)
	}
	put(t, s, "a.txt", []byte("a"))
	put(t, s, "z.txt", []byte("z"))
	want = append([]string{"a.txt"}, append(want, "z.txt")...)
	// Page by page, in pages of 2.
	var got []string
	token := blob.FirstPageToken
	for len(token) > 0 {
		objs, next, err := s.Bucket.ListPage(ctx, token, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			got = append(got, o.Key)
		}
		token = next
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("paged list (-want +got):\n%s", d)
	}
	// With a delimiter: no variant folder at the root.
	var dirs []string
	it := s.Bucket.List(&blob.ListOptions{Delimiter: "/"})
	for {
		o, err := it.Next(ctx)
		if err != nil {
			break
		}
		dirs = append(dirs, o.Key)
	}
	if d := cmp.Diff([]string{"a.txt", "photos/", "z.txt"}, dirs); d != "" {
		t.Errorf("root listing (-want +got):\n%s", d)
	}
	// Listing inside the variant space shows nothing.
	if ks := keys(t, blob.PrefixedBucket(s.Bucket, "_variants/")); len(ks) != 0 {
		t.Errorf("variant space listed: %v", ks)
	}
}

func TestFrom(t *testing.T) {
	s, _ := newStore(t, testConfig())
	got, ok := blobimage.From(s.Bucket)
	if !ok || got != s {
		t.Errorf("From = %v, %v", got, ok)
	}
	if _, ok := blobimage.From(s.Inner()); ok {
		t.Error("From found a Store behind the inner bucket")
	}
}

func TestIfNotExist(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, testConfig())
	opts := &blob.WriterOptions{IfNotExist: true}
	if err := s.Bucket.WriteAll(ctx, "photos/a.jpg", patternJPEG(300, 200, nil), opts); err != nil {
		t.Fatal(err)
	}
	err := s.Bucket.WriteAll(ctx, "photos/a.jpg", patternJPEG(600, 200, nil), opts)
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("second IfNotExist write: %v (code %v)", err, gcerrors.Code(err))
	}
	if f := imageFile(t, s, "photos/a.jpg"); f.Width != 300 {
		t.Errorf("overwritten: %d", f.Width)
	}
	if n := len(keys(t, inner)); n != 4 {
		t.Errorf("%d objects", n)
	}
}

func TestURLs(t *testing.T) {
	ctx := context.Background()
	t.Run("public", func(t *testing.T) {
		cfg := testConfig()
		cfg.PublicURL = "https://cdn.example.com/media/"
		s, _ := newStore(t, cfg)
		put(t, s, "photos/a b.jpg", patternJPEG(800, 600, nil))
		f := imageFile(t, s, "photos/a b.jpg")
		small := f.Variants["small"]
		want := "https://cdn.example.com/media/" + strings.ReplaceAll(small.Key, " ", "%20")
		if small.URL != want {
			t.Errorf("URL = %s, want %s", small.URL, want)
		}
		if u, err := f.URL(ctx, "small"); err != nil || u != want {
			t.Errorf("f.URL = %s, %v", u, err)
		}
		if u, err := f.URL(ctx, ""); err != nil || u != "https://cdn.example.com/media/photos/a%20b.jpg" {
			t.Errorf("original URL = %s, %v", u, err)
		}
		if _, err := f.URL(ctx, "huge"); !errors.Is(err, blobimage.ErrNoVariant) {
			t.Errorf("unknown variant: %v", err)
		}
	})
	t.Run("unsigned backend", func(t *testing.T) {
		s, _ := newStore(t, testConfig()) // memblob cannot sign
		put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
		f := imageFile(t, s, "photos/a.jpg")
		if f.Variants["small"].URL != "" {
			t.Errorf("URL %q from a bucket that cannot sign", f.Variants["small"].URL)
		}
		_, err := f.URL(ctx, "small")
		if !errors.Is(err, blobimage.ErrNoURL) || blobimage.ErrorCode(err) != gcerrors.Unimplemented {
			t.Errorf("err = %v", err)
		}
	})
}

// TestMemoryBudget: an image whose decoded pixels alone exceed the budget is
// refused before decoding; images that fit one at a time are all stored
// when written concurrently, waiting their turn.
func TestMemoryBudget(t *testing.T) {
	cfg := testConfig()
	cfg.MemoryBudget = 120 * 100 * (5 + 4) // one 120×100 baseline JPEG: decoder and working copy
	s, inner := newStore(t, cfg)

	err := s.Bucket.WriteAll(context.Background(), "photos/big.jpg", patternJPEG(200, 100, nil), nil)
	if !errors.Is(err, blobimage.ErrTooLarge) || !strings.Contains(err.Error(), "memory_budget") {
		t.Fatalf("over budget: %v, want ErrTooLarge naming memory_budget", err)
	}
	if got := keys(t, inner); len(got) != 0 {
		t.Fatalf("refused write stored %v", got)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Bucket.WriteAll(context.Background(), fmt.Sprintf("photos/%d.jpg", i), patternJPEG(120, 100, nil), nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d within budget: %v", i, err)
		}
	}
	if got := len(snap(t, s.Bucket)); got != 4 {
		t.Errorf("wrapped bucket lists %d objects, want 4", got)
	}
}
