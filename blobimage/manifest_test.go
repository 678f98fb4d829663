package blobimage

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
)

func richManifest(nVariants int, name string) *manifest {
	alt := 312.5
	m := &manifest{
		Hash: "0123456789abcdef", Token: "89abcdef", Rule: "deadbeef", Format: codecs.JPEG, Width: 1536, Height: 2048,
		Source: codecs.PNG, Alpha: true,
		Meta: metadata.Metadata{
			Taken: time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600)),
			Make:  "Canon", Model: "Canon PowerShot SX60 HS", Lens: "Objectif Zoom — Ø 4,3–279,5 mm",
			Orientation: 6, ExposureTime: 1.0 / 250, FNumber: 3.5, ISO: 100, FocalLength: 4.3,
			GPS: &metadata.GPS{Lat: 43.4671, Lon: -11.8853, Alt: &alt},
		},
	}
	for i := range nVariants {
		m.Variants = append(m.Variants, manifestVariant{Name: name + string(rune('a'+i)), FP: "7c1e20aa", Format: codecs.JPEG, Width: 300, Height: 400, Size: 29118})
	}
	return m
}

func TestManifestRoundTrip(t *testing.T) {
	m := richManifest(3, "v")
	s, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeManifest(s)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}

	// Pending variants have no size yet; a source format equal to the
	// stored one is implied.
	m.Variants[1] = manifestVariant{Name: "vb", FP: "7c1e20aa", Format: codecs.PNG, Pending: true}
	m.Source, m.Alpha = codecs.JPEG, false
	if s, err = m.encode(); err != nil {
		t.Fatal(err)
	}
	if got, err = decodeManifest(s); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("round trip with a pending variant (-want +got):\n%s", d)
	}
	// base64url only: nothing for a backend to escape.
	if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("manifest has characters outside base64url: %s", s)
	}
	t.Logf("manifest of a photo with full EXIF and 3 variants: %d bytes", len(s))
}

// TestManifestBudget: the most variants Wrap accepts, with the longest
// names and the longest metadata strings, still fits; metadata gives way
// before variants do.
func TestManifestBudget(t *testing.T) {
	m := richManifest(16, strings.Repeat("n", 31))
	m.Meta.Make = strings.Repeat("é", 200)
	m.Meta.Model = strings.Repeat("M", 500)
	s, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(s) > ManifestBudget {
		t.Fatalf("%d bytes", len(s))
	}
	got, err := decodeManifest(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Variants) != 16 || got.Meta.Orientation != 6 {
		t.Errorf("essentials lost: %d variants, orientation %d", len(got.Variants), got.Meta.Orientation)
	}
	if len(got.Meta.Make) > maxMetaString || len(got.Meta.Model) > maxMetaString {
		t.Errorf("strings not capped: %d, %d", len(got.Meta.Make), len(got.Meta.Model))
	}
	// Far too many variants is an error, not a silently cut list.
	if _, err := richManifest(40, strings.Repeat("n", 31)).encode(); err == nil {
		t.Error("40 variants fit the budget?")
	}
}

// TestManifestAlternates: alternate encodings round-trip, made and
// pending, and each adds little to the manifest.
func TestManifestAlternates(t *testing.T) {
	m := richManifest(2, "v")
	m.Variants[0].Alts = []manifestAlt{{Format: codecs.PNG, Size: 9120}, {Format: codecs.GIF, Size: 11000}}
	m.Variants[1] = manifestVariant{Name: "vb", FP: "7c1e20aa", Format: codecs.JPEG, Pending: true,
		Alts: []manifestAlt{{Format: codecs.PNG}}}
	s, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeManifest(s)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	want := []string{
		"_variants/a.jpg/0123456789abcdef-89abcdef/va-7c1e20aa.png",
		"_variants/a.jpg/0123456789abcdef-89abcdef/va-7c1e20aa.gif",
		"_variants/a.jpg/0123456789abcdef-89abcdef/va-7c1e20aa.jpg",
		"_variants/a.jpg/0123456789abcdef-89abcdef/vb-7c1e20aa.png",
		"_variants/a.jpg/0123456789abcdef-89abcdef/vb-7c1e20aa.jpg",
	}
	if d := cmp.Diff(want, m.keys("_variants/", "a.jpg")); d != "" {
		t.Errorf("keys (-want +got):\n%s", d)
	}
	plain := richManifest(2, "v")
	p, _ := plain.encode()
	t.Logf("two alternates on one variant and one on a pending one: %d bytes more", len(s)-len(p))
}

func TestManifestMalformed(t *testing.T) {
	good, _ := richManifest(1, "v").encode()
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, v := range map[string]string{
		"not base64":        "%%%",
		"not json":          enc("{"),
		"version":           strings.Replace(good, good, enc(strings.Replace(string(raw), `"v":1`, `"v":9`, 1)), 1),
		"bad hash":          enc(strings.Replace(string(raw), "0123456789abcdef", "0123", 1)),
		"variant path":      enc(strings.Replace(string(raw), `"va"`, `"../x"`, 1)),
		"negative width":    enc(strings.Replace(string(raw), `"w":1536`, `"w":-1`, 1)),
		"short row":         enc(strings.Replace(string(raw), `,29118]`, `]`, 1)),
		"unknown format":    enc(strings.Replace(string(raw), `"jpeg",300`, `"tiff",300`, 1)),
		"unknown source":    enc(strings.Replace(string(raw), `"s":"png"`, `"s":"tiff"`, 1)),
		"pending sized":     enc(strings.Replace(string(raw), `,29118]`, `,29118,"p"]`, 1)),
		"bad state":         enc(strings.Replace(string(raw), `,29118]`, `,29118,"x"]`, 1)),
		"ready unsized":     enc(strings.Replace(string(raw), `300,400,29118]`, `0,0,0]`, 1)),
		"alt is fallback":   enc(strings.Replace(string(raw), `,29118]`, `,29118,[["jpeg",5]]]`, 1)),
		"alt twice":         enc(strings.Replace(string(raw), `,29118]`, `,29118,[["png",5],["png",6]]]`, 1)),
		"alt unknown":       enc(strings.Replace(string(raw), `,29118]`, `,29118,[["tiff",5]]]`, 1)),
		"alt path":          enc(strings.Replace(string(raw), `,29118]`, `,29118,[["../png",5]]]`, 1)),
		"alt empty":         enc(strings.Replace(string(raw), `,29118]`, `,29118,[]]`, 1)),
		"alt after p":       enc(strings.Replace(string(raw), `300,400,29118]`, `0,0,0,"p",[["png",0]]]`, 1)),
		"pending alt sized": enc(strings.Replace(string(raw), `300,400,29118]`, `0,0,0,[["png",3]],"p"]`, 1)),
	} {
		if _, err := decodeManifest(v); !errors.Is(err, errManifest) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestVariantKeys(t *testing.T) {
	k := variantKey("_variants/", "photos/2024/cat.jpg", "0123456789abcdef", "89abcdef", "small", "7c1e20aa", codecs.JPEG)
	if want := "_variants/photos/2024/cat.jpg/0123456789abcdef-89abcdef/small-7c1e20aa.jpg"; k != want {
		t.Errorf("key %s, want %s", k, want)
	}
	if orig, ok := originalOf("_variants/", k); !ok || orig != "photos/2024/cat.jpg" {
		t.Errorf("originalOf = %q, %v", orig, ok)
	}
	for _, bad := range []string{"photos/cat.jpg", "_variants/x", "_variants/a/b/c.jpg", "_variants//0123456789abcdef-89abcdef/s.jpg"} {
		if _, ok := originalOf("_variants/", bad); ok {
			t.Errorf("originalOf(%q) ok", bad)
		}
	}
}
