package codecs_test

import (
	"bytes"
	"context"
	"image"
	"strings"
	"testing"

	// imaging registers TIFF and BMP decoders with the image package; codecs
	// must refuse those formats all the same.
	_ "github.com/disintegration/imaging"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/blobimage/blobimage/codecs"
)

func TestTIFFAndBMPRefusedWithImagingImported(t *testing.T) {
	img := quads(16, 16)
	var tb, bb bytes.Buffer
	if err := tiff.Encode(&tb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bb, img); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"tiff", tb.Bytes()}, {"bmp", bb.Bytes()}} {
		t.Run(tc.name, func(t *testing.T) {
			// Precondition: the image package would decode it.
			if _, name, err := image.Decode(bytes.NewReader(tc.data)); err != nil || name != tc.name {
				t.Fatalf("image.Decode = %q, %v: the test does not prove anything", name, err)
			}
			_, err := codecs.Sniff(tc.data)
			wantErr(t, err, codecs.ErrUnsupportedFormat, "")
			if !strings.HasSuffix(err.Error(), ": "+tc.name) {
				t.Errorf("Sniff: %v, want it to name %s", err, tc.name)
			}
			_, err = codecs.Probe(tc.data, codecs.Limits{})
			wantErr(t, err, codecs.ErrUnsupportedFormat, "")
			m, _, err := codecs.Decode(context.Background(), tc.data, codecs.Limits{})
			wantErr(t, err, codecs.ErrUnsupportedFormat, "")
			if m != nil {
				t.Error("Decode returned an image")
			}
		})
	}
}
