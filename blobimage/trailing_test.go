package blobimage_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// TestNoPayloadsRideAlong: whatever follows an image in its upload (20 MiB
// of zeros, an HTML page) is not stored, under every strip policy of a
// kept original, for every format; the stored image is otherwise the
// upload's (byte for byte under strip: none) and decodes to the same
// pixels.
func TestNoPayloadsRideAlong(t *testing.T) {
	ctx := context.Background()
	pic := testimage.Pattern(64, 48)
	images := map[codecs.Format][]byte{
		codecs.JPEG: testimage.JPEG(pic, 90),
		codecs.PNG:  testimage.PNG(pic),
		codecs.GIF:  testimage.GIF(pic),
		codecs.WebP: testimage.WebP(pic, nil),
	}
	payloads := map[string][]byte{
		"zeros": make([]byte, 20<<20),
		"html":  []byte("<html><script>alert(document.cookie)</script></html>"),
	}
	for _, strip := range []variants.Strip{variants.StripNone, variants.StripGPS, variants.StripAll} {
		cfg := config{Config: variants.Config{Rules: []variants.Rule{{Match: "**",
			Original: variants.Original{Mode: variants.Keep, Strip: strip},
			Variants: []variants.Spec{{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 32, Height: 32}}}}}}}}
		s, inner := newStore(t, cfg)
		for f, img := range images {
			for name, payload := range payloads {
				key := string(strip) + "/" + name + "." + string(f)
				upload := append(bytes.Clone(img), payload...)
				put(t, s, key, upload)
				stored, err := inner.ReadAll(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if len(stored) > len(img) || (strip == variants.StripNone && !bytes.Equal(stored, img)) {
					t.Errorf("%s: stored %d bytes of a %d-byte image followed by %d", key, len(stored), len(img), len(payload))
				}
				if name == "html" && bytes.Contains(stored, []byte("<script>")) {
					t.Errorf("%s: the payload was stored", key)
				}
				a, _, err1 := codecs.Decode(ctx, img, codecs.Limits{})
				b, _, err2 := codecs.Decode(ctx, stored, codecs.Limits{})
				if err1 != nil || err2 != nil || !pixelsEqual(a, b) {
					t.Errorf("%s: stored pixels differ from the upload's (%v, %v)", key, err1, err2)
				}
			}
		}
	}
}
