package blobimage_test

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// iccSegment is a JPEG APP2 segment carrying the whole profile.
func iccSegment(profile []byte) testimage.Segment {
	return testimage.Segment{Marker: 0xE2, Payload: append([]byte("ICC_PROFILE\x00\x01\x01"), profile...)}
}

// TestPrivacyDefaults: with the built-in config, a phone photo's stored
// original has no GPS position (EXIF or XMP) but keeps its other metadata
// and its pixels; variants carry no EXIF or XMP at all; the position is in
// no object metadata (which backends return as headers on every GET) and
// Image does not report it; Put reports it to the writer.
func TestPrivacyDefaults(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, config{Config: *variants.DefaultConfig()})
	exif := testimage.EXIF{Orientation: 6, Make: "Apple", Model: "iPhone 6",
		Taken: time.Date(2015, 4, 10, 20, 12, 23, 0, time.UTC), GPS: &testimage.GPS{Lat: 40.4469722, Lon: -3.7247528}}
	xmp := testimage.XMP(map[string]string{"exif:GPSLatitude": "40,26.818N", "exif:GPSLongitude": "3,43.485W"})
	upload := testimage.JPEG(testimage.Stored(testimage.Pattern(640, 480), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()}, testimage.Segment{Marker: 0xE1, Payload: xmp})
	pf, err := s.Put(ctx, "IMG_0001.jpg", bytes.NewReader(upload), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Metadata.GPS == nil || math.Abs(pf.Metadata.GPS.Lat-40.4469722) > 1e-6 {
		t.Errorf("Put does not report the upload's position to the writer: %+v", pf.Metadata.GPS)
	}

	stored, err := inner.ReadAll(ctx, "IMG_0001.jpg")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := metadata.Read(codecs.JPEG, stored)
	if md.GPS != nil || bytes.Contains(stored, []byte("GPSLatitude")) {
		t.Errorf("stored original still carries a position: %+v", md.GPS)
	}
	if md.Model != "iPhone 6" || md.Orientation != 6 {
		t.Errorf("stripping lost other metadata: %+v", md)
	}
	a, _, _ := codecs.Decode(ctx, upload, codecs.Limits{})
	b, _, _ := codecs.Decode(ctx, stored, codecs.Limits{})
	if !pixelsEqual(a, b) {
		t.Error("the original was re-encoded to strip GPS")
	}

	f := imageFile(t, s, "IMG_0001.jpg")
	if f.Metadata.GPS != nil || f.Metadata.Model != "iPhone 6" {
		t.Errorf("Image metadata %+v: want the camera, no position", f.Metadata)
	}
	for _, k := range keys(t, inner) {
		a, err := inner.Attributes(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if leak := drivertest.ShowsPosition(a.Metadata, "40.44", "-3.72"); leak != "" {
			t.Errorf("%s: object metadata carries the position: %s", k, leak)
		}
	}
	for name, v := range f.Variants {
		data, err := inner.ReadAll(ctx, v.Key)
		if err != nil {
			t.Fatal(err)
		}
		if vmd, _ := metadata.Read(codecs.JPEG, data); vmd != (metadata.Metadata{}) {
			t.Errorf("variant %s carries metadata %+v", name, vmd)
		}
		if bytes.Contains(data, []byte("Exif\x00")) || bytes.Contains(data, []byte("xmpmeta")) {
			t.Errorf("variant %s carries an EXIF or XMP block", name)
		}
	}
}

// TestColourProfiles: a wide-gamut (Display P3) profile is kept in the
// original and carried into every variant, whose pixels are in that space;
// an sRGB profile is kept in the original and left out of variants, since
// viewers assume sRGB.
func TestColourProfiles(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		desc       string
		inVariants bool
	}{{"Display P3", true}, {"sRGB IEC61966-2.1", false}} {
		t.Run(tc.desc, func(t *testing.T) {
			s, inner := newStore(t, testConfig())
			icc := testimage.ICC(tc.desc)
			put(t, s, "photos/p3.jpg", testimage.JPEG(testimage.Pattern(600, 400), 90, iccSegment(icc)))
			stored, err := inner.ReadAll(ctx, "photos/p3.jpg")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := metadata.ICCProfile(codecs.JPEG, stored); err != nil || !bytes.Equal(got, icc) {
				t.Errorf("original's profile: %d bytes, err %v; want the uploaded %d bytes", len(got), err, len(icc))
			}
			for name, v := range imageFile(t, s, "photos/p3.jpg").Variants {
				data, err := inner.ReadAll(ctx, v.Key)
				if err != nil {
					t.Fatal(err)
				}
				got, err := metadata.ICCProfile(v.Format, data)
				if err != nil {
					t.Fatalf("variant %s: %v", name, err)
				}
				if tc.inVariants != bytes.Equal(got, icc) || (!tc.inVariants && got != nil) {
					t.Errorf("variant %s: profile of %d bytes, want carried=%v", name, len(got), tc.inVariants)
				}
			}
		})
	}
}

// TestPositionKeptWhereTheFileKeepsIt: a rule that stores the original
// with its metadata (strip: none) publishes the position in the file
// anyway, so the manifest keeps it and Image reports it.
func TestPositionKeptWhereTheFileKeepsIt(t *testing.T) {
	cfg := config{Config: variants.Config{Rules: []variants.Rule{{Match: "**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripNone},
		Variants: []variants.Spec{{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 64, Height: 64}}}}}}}}
	s, _ := newStore(t, cfg)
	exif := testimage.EXIF{Make: "Nikon", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	put(t, s, "a.jpg", testimage.JPEG(testimage.Pattern(160, 120), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()}))
	if g := imageFile(t, s, "a.jpg").Metadata.GPS; g == nil || math.Abs(g.Lat-43.4671) > 1e-6 {
		t.Errorf("GPS = %+v, want the position the stored file carries", g)
	}
}
