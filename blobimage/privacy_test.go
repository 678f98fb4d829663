package blobimage_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
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
// and its pixels; variants carry no EXIF or XMP at all; the manifest still
// reports the position to the application.
func TestPrivacyDefaults(t *testing.T) {
	ctx := context.Background()
	s, inner := newStore(t, blobimage.Config{Config: *variants.DefaultConfig()})
	exif := testimage.EXIF{Orientation: 6, Make: "Apple", Model: "iPhone 6",
		Taken: time.Date(2015, 4, 10, 20, 12, 23, 0, time.UTC), GPS: &testimage.GPS{Lat: 40.4469722, Lon: -3.7247528}}
	xmp := testimage.XMP(map[string]string{"exif:GPSLatitude": "40,26.818N", "exif:GPSLongitude": "3,43.485W"})
	upload := testimage.JPEG(testimage.Stored(testimage.Pattern(640, 480), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()}, testimage.Segment{Marker: 0xE1, Payload: xmp})
	put(t, s, "IMG_0001.jpg", upload)

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
	if f.Metadata.GPS == nil {
		t.Error("the manifest lost the position the application may use")
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
