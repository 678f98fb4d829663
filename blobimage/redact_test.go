package blobimage

import (
	"bytes"
	"context"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// TestRegenRedactsOldManifests: a manifest written before positions were
// kept out of manifests (a GPS position under a rule that strips it) is
// rewritten by Reconcile without the position, the stored bytes and the
// variants untouched; a second pass finds nothing to do. A rule that keeps
// metadata (strip: none) keeps its position.
func TestRegenRedactsOldManifests(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	defer inner.Close()
	small := variants.Spec{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 64, Height: 64}}}
	s, err := Wrap(inner, &variants.Config{Rules: []variants.Rule{
		{Match: "open/*", Original: variants.Original{Mode: variants.Keep, Strip: variants.StripNone}, Variants: []variants.Spec{small}},
		{Match: "**", Variants: []variants.Spec{small}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	exif := testimage.EXIF{Make: "Nikon", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	upload := testimage.JPEG(testimage.Pattern(160, 120), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	for _, k := range []string{"a.jpg", "open/b.jpg"} {
		if err := s.Bucket.WriteAll(ctx, k, upload, nil); err != nil {
			t.Fatal(err)
		}
	}

	// Put the position back into a.jpg's manifest, as an older version
	// wrote it.
	rewriteManifest(t, inner, "a.jpg", func(m *manifest) {
		if m.Meta.GPS != nil {
			t.Fatalf("a fresh manifest under a stripping rule holds %+v", m.Meta.GPS)
		}
		m.Meta.GPS = &metadata.GPS{Lat: 43.4671, Lon: 11.8853}
	})
	before := objects(t, inner)

	st, err := s.Reconcile(ctx, ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Redacted != 1 || st.Scanned != 2 || st.Unchanged != 1 || st.Created+st.Regenerated+st.Dropped != 0 {
		t.Errorf("reconcile: %+v, want 1 redacted, 1 unchanged", st)
	}
	a, err := inner.Attributes(ctx, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := decodeManifest(a.Metadata[manifestKey]); err != nil || m.Meta.GPS != nil || m.Meta.Make != "Nikon" {
		t.Errorf("after regen: manifest %+v, %v; want the camera and no position", m, err)
	}
	checkUnchanged(t, before, objects(t, inner))
	if f, err := s.Image(ctx, "open/b.jpg"); err != nil || f.Metadata.GPS == nil {
		t.Errorf("strip: none lost its position: %+v, %v", f, err)
	}
	if st, err := s.Reconcile(ctx, ReconcileOptions{}); err != nil || st.Unchanged != 2 {
		t.Errorf("second reconcile: %+v, %v; want everything unchanged", st, err)
	}
}

// objects returns every object of b by key.
func objects(t *testing.T, b *blob.Bucket) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	it := b.List(nil)
	for {
		o, err := it.Next(context.Background())
		if err != nil {
			break
		}
		data, err := b.ReadAll(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = data
	}
	return out
}

// rewriteManifest rewrites the manifest of the object at key in inner as
// edit changes it, the object's bytes as they are: a manifest as an older
// version of blobimage wrote it.
func rewriteManifest(t *testing.T, inner *blob.Bucket, key string, edit func(*manifest)) {
	t.Helper()
	ctx := context.Background()
	a, err := inner.Attributes(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifest(a.Metadata[manifestKey])
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	old, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := inner.ReadAll(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := inner.WriteAll(ctx, key, stored, writerOptionsOf(a, &old)); err != nil {
		t.Fatal(err)
	}
}

// checkUnchanged fails unless after holds the objects of before, byte for
// byte, and no others.
func checkUnchanged(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	for k, v := range before {
		if !bytes.Equal(after[k], v) {
			t.Errorf("%s changed", k)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d objects after, %d before", len(after), len(before))
	}
}
