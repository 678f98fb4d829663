package blobimage

import (
	"context"
	"image/color"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// TestRegenSummarisesOldManifests: a manifest written before placeholders
// were kept gets the placeholder, colour and frame count from Reconcile,
// the same a write gives, with the stored bytes and variants untouched; a
// second pass finds nothing to do.
func TestRegenSummarisesOldManifests(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	defer inner.Close()
	small := variants.Spec{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 64, Height: 64}}}
	s, err := Wrap(inner, &variants.Config{Rules: []variants.Rule{{Match: "**", Variants: []variants.Spec{small}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	exif := testimage.EXIF{Orientation: 6}
	upload := testimage.JPEG(testimage.Stored(testimage.Pattern(300, 200), 6), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	for _, k := range []string{"a.jpg", "b.jpg"} {
		if err := s.Bucket.WriteAll(ctx, k, upload, nil); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := s.Image(ctx, "a.jpg")
	if err != nil || fresh.Placeholder == "" {
		t.Fatalf("fresh write: %+v, %v; want a placeholder", fresh, err)
	}

	// Write a.jpg's manifest back as it was before placeholders.
	rewriteManifest(t, inner, "a.jpg", func(m *manifest) { m.Placeholder, m.Color, m.Frames = nil, color.NRGBA{}, 0 })
	if f, err := s.Image(ctx, "a.jpg"); err != nil || f.Placeholder != "" || f.Color != "" {
		t.Fatalf("old manifest: %+v, %v; want no placeholder", f, err)
	}
	before := objects(t, inner)

	st, err := s.Reconcile(ctx, ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Summarised != 1 || st.Unchanged != 1 || st.Created+st.Regenerated+st.Dropped+st.Restored != 0 {
		t.Errorf("reconcile: %+v, want 1 summarised, 1 unchanged", st)
	}
	f, err := s.Image(ctx, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if f.Placeholder != fresh.Placeholder || f.Color != fresh.Color {
		t.Errorf("summarised: %s %s, want what the write made: %s %s", f.Placeholder, f.Color, fresh.Placeholder, fresh.Color)
	}
	checkUnchanged(t, before, objects(t, inner))
	if st, err := s.Reconcile(ctx, ReconcileOptions{}); err != nil || st.Unchanged != 2 {
		t.Errorf("second reconcile: %+v, %v; want everything unchanged", st, err)
	}
}
