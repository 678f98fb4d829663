package blobimage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// multi is a fit variant encoded in formats, most preferred first.
func multi(name string, box int, formats ...codecs.Format) variants.Spec {
	s := fitSpec(name, box)
	s.Formats = formats
	return s
}

// TestAlternates: a variant with several formats is rendered once and
// stored in each; the ImageFile describes the fallback (the last format)
// in the variant's own fields and the others as alternates, in the
// config's order; delete, copy and overwrite cover every encoding.
func TestAlternates(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, configWith(multi("small", 120, codecs.PNG, codecs.JPEG), fitSpec("medium", 200)))
	put(t, s, "photos/a.jpg", patternJPEG(640, 480, nil))
	f := imageFile(t, s, "photos/a.jpg")
	v := f.Variants["small"]
	if v.Format != codecs.JPEG || v.ContentType != "image/jpeg" || len(v.Alternates) != 1 || v.Alternates[0].Format != codecs.PNG {
		t.Fatalf("small = %+v, want a JPEG fallback with a PNG alternate", v)
	}
	if alt := v.Alternates[0]; alt.ContentType != "image/png" || alt.Key == v.Key || alt.Size <= 0 {
		t.Errorf("alternate %+v", alt)
	}
	if len(f.Variants["medium"].Alternates) != 0 {
		t.Errorf("medium has alternates %+v", f.Variants["medium"].Alternates)
	}
	// Both encodings are the same rendering.
	jpg, _ := decodeKey(t, inner, v.Key)
	png, _ := decodeKey(t, inner, v.Alternates[0].Key)
	if jpg.Bounds() != png.Bounds() || jpg.Bounds().Dx() != 120 {
		t.Errorf("fallback %v, alternate %v", jpg.Bounds(), png.Bounds())
	}
	if d := meanAbsDiff(jpg, png); d > 3 {
		t.Errorf("the encodings differ by %.1f per channel: not one rendering", d)
	}
	checkComplete(t, s, inner, map[string]int{"small": 120, "medium": 200})

	// Copy copies every encoding; an overwrite leaves none of the old
	// version's; delete removes them all.
	if err := s.Bucket.Copy(ctx, "photos/b.jpg", "photos/a.jpg", nil); err != nil {
		t.Fatal(err)
	}
	put(t, s, "photos/a.jpg", patternJPEG(480, 640, nil))
	checkComplete(t, s, inner, map[string]int{"small": 120, "medium": 200})
	for _, k := range []string{"photos/a.jpg", "photos/b.jpg"} {
		if err := s.Bucket.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if left := keys(t, inner); len(left) != 0 {
		t.Errorf("left after deleting both: %v", left)
	}
}

// TestAlternatesLifecycle: with lazy fan-out the alternates are listed as
// pending; a read of an alternate's key makes the variant (every
// encoding); an encoding deleted out of band is restored by regen and by
// a read; a formats change regenerates the variant.
func TestAlternatesLifecycle(t *testing.T) {
	ctx := context.Background()
	cfg := configWith(multi("small", 120, codecs.PNG, codecs.JPEG))
	cfg.FanOut = blobimage.Lazy
	s, inner := newStore(t, cfg)
	put(t, s, "photos/a.jpg", patternJPEG(640, 480, nil))
	v := imageFile(t, s, "photos/a.jpg").Variants["small"]
	if v.State != blobimage.Pending || len(v.Alternates) != 1 || v.Alternates[0].Size != 0 {
		t.Fatalf("lazy small = %+v, want pending with one unsized alternate", v)
	}
	data, err := s.Bucket.ReadAll(ctx, v.Alternates[0].Key)
	if err != nil {
		t.Fatalf("read of a pending alternate: %v", err)
	}
	if f, err := codecs.Sniff(data); err != nil || f != codecs.PNG {
		t.Errorf("alternate read as %s, %v", f, err)
	}
	if ok, _ := inner.Exists(ctx, v.Key); !ok {
		t.Error("making the alternate did not make the fallback")
	}
	if st := reconcile(t, s, blobimage.ReconcileOptions{}); st.Created != 1 {
		t.Errorf("regen after a lazy read: %+v, want the variant recorded as created", st)
	}
	checkComplete(t, s, inner, map[string]int{"small": 120})

	// An alternate deleted out of band.
	v = imageFile(t, s, "photos/a.jpg").Variants["small"]
	if err := inner.Delete(ctx, v.Alternates[0].Key); err != nil {
		t.Fatal(err)
	}
	if st := reconcile(t, s, blobimage.ReconcileOptions{}); st.Restored != 1 {
		t.Errorf("regen after an alternate was deleted: %+v, want 1 restored", st)
	}
	checkComplete(t, s, inner, map[string]int{"small": 120})
	if err := inner.Delete(ctx, v.Alternates[0].Key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bucket.ReadAll(ctx, v.Alternates[0].Key); err != nil {
		t.Errorf("a read did not restore the alternate: %v", err)
	}

	// Dropping the alternate changes the spec: regen remakes the variant
	// and removes the old encodings.
	s2 := wrapWith(t, inner, configWith(fitSpec("small", 120)))
	if st := reconcile(t, s2, blobimage.ReconcileOptions{}); st.Regenerated != 1 {
		t.Errorf("regen after formats changed: %+v, want 1 regenerated", st)
	}
	checkComplete(t, s2, inner, map[string]int{"small": 120})
	if n := len(keys(t, inner)); n != 2 {
		t.Errorf("%d objects, want the original and one encoding", n)
	}
}

// TestNegotiate: the first alternate the Accept header names explicitly
// with q > 0, else the fallback; wildcards admit only the fallback.
func TestNegotiate(t *testing.T) {
	v := blobimage.Variant{Format: codecs.JPEG, ContentType: "image/jpeg", Key: "k.jpg", Alternates: []blobimage.Encoding{
		{Format: codecs.AVIF, ContentType: "image/avif", Key: "k.avif"},
		{Format: codecs.WebP, ContentType: "image/webp", Key: "k.webp"},
	}}
	for _, tc := range []struct {
		accept string
		want   codecs.Format
	}{
		{"", codecs.JPEG},
		{"*/*", codecs.JPEG},
		{"image/*", codecs.JPEG},
		{"image/webp,*/*", codecs.WebP},
		{"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", codecs.AVIF}, // Chrome
		{"image/webp,image/avif", codecs.AVIF},                                            // the config's order decides, not the header's
		{"image/avif;q=0, image/webp;q=0.5", codecs.WebP},
		{"IMAGE/AVIF", codecs.AVIF},
		{" image/avif ; q=0.1 ", codecs.AVIF},
		{"image/avif;q=bad", codecs.JPEG},
		{"image/avif;q=0.000", codecs.JPEG},
		{"image/jpeg", codecs.JPEG},
		{"text/html", codecs.JPEG},
	} {
		if got := v.Negotiate(tc.accept); got.Format != tc.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tc.accept, got.Format, tc.want)
		}
	}
	if e, ok := v.Encoding(codecs.WebP); !ok || e.Key != "k.webp" {
		t.Errorf("Encoding(webp) = %+v, %v", e, ok)
	}
	if e, ok := v.Encoding(codecs.JPEG); !ok || e.Key != "k.jpg" {
		t.Errorf("Encoding(jpeg) = %+v, %v", e, ok)
	}
	if _, ok := v.Encoding(codecs.PNG); ok {
		t.Error("Encoding(png) found an encoding the variant does not have")
	}
	f := &blobimage.ImageFile{Key: "a.jpg", Variants: map[string]blobimage.Variant{"small": v}}
	if _, err := f.EncodingURL(context.Background(), "small", codecs.PNG); !errors.Is(err, blobimage.ErrNoVariant) {
		t.Errorf("EncodingURL in a format the variant lacks: %v, want ErrNoVariant", err)
	}
}
