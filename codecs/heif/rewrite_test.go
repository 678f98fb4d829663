package heif_test

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
)

// samePixels fails unless a and b have the same size and pixels.
func samePixels(tb testing.TB, what string, a, b image.Image) {
	tb.Helper()
	if a.Bounds() != b.Bounds() {
		tb.Fatalf("%s: bounds %v and %v", what, a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				tb.Fatalf("%s: pixel (%d,%d) differs", what, x, y)
			}
		}
	}
}

// metadataIDs returns the IDs of the Exif and XMP items.
func metadataIDs(f *heif.File) (exif, xmp uint32) {
	for _, m := range f.MetadataItems() {
		switch {
		case m.Type == "Exif":
			exif = m.ID
		case m.ContentType == "application/rdf+xml":
			xmp = m.ID
		}
	}
	return exif, xmp
}

func TestRewriteDropsAndReplaces(t *testing.T) {
	cases := map[string]func(testing.TB) []byte{
		"heic": heicWithExif,
		"avif": func(tb testing.TB) []byte { d, _ := avifWithMetadata(tb); return d },
		"iphone": func(tb testing.TB) []byte {
			if testing.Short() {
				tb.Skip("short")
			}
			return corpusHEIC(tb)
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			data := make(t)
			// Padding and trailing bytes that nothing refers to.
			data = append(append([]byte{}, data...), "\x00\x00\x00\x10freeJUNKJUNKtrailing garbage"...)
			f := mustParse(t, data)
			ref := heifConvert(t, data)
			exifID, xmpID := metadataIDs(f)
			if exifID == 0 {
				t.Fatal("no Exif item")
			}

			// Drop every metadata item.
			drop := map[uint32]bool{exifID: true}
			if xmpID != 0 {
				drop[xmpID] = true
			}
			out, err := f.Rewrite(nil, drop)
			if err != nil {
				t.Fatal(err)
			}
			g := mustParse(t, out)
			if ex, err := g.Exif(); ex != nil || err != nil {
				t.Errorf("Exif after dropping it: %d bytes, %v", len(ex), err)
			}
			if x, err := g.XMP(); x != nil || err != nil {
				t.Errorf("XMP after dropping it: %d bytes, %v", len(x), err)
			}
			if len(g.Items()) != len(f.Items())-len(drop) {
				t.Errorf("%d items, want %d", len(g.Items()), len(f.Items())-len(drop))
			}
			if len(out) >= len(data)-len("trailing garbage") {
				t.Errorf("rewritten %d bytes from %d: padding kept?", len(out), len(data))
			}
			if bytes.Contains(out, []byte("trailing garbage")) || bytes.Contains(out, []byte("JUNK")) {
				t.Error("unreferenced bytes kept")
			}
			samePixels(t, "after drop", ref, heifConvert(t, out))
			if !bytes.Equal(f.ICC(), g.ICC()) {
				t.Error("ICC profile changed")
			}

			// Replace the Exif item.
			old := f.MetadataItems()
			var payload []byte
			for _, m := range old {
				if m.ID == exifID {
					payload = append(append([]byte{}, m.Data[:m.TIFFOffset]...), "MM\x00*\x00\x00\x00\x08\x00\x00"...)
				}
			}
			out, err = f.Rewrite(map[uint32][]byte{exifID: payload}, nil)
			if err != nil {
				t.Fatal(err)
			}
			g = mustParse(t, out)
			if ex, err := g.Exif(); err != nil || string(ex) != "MM\x00*\x00\x00\x00\x08\x00\x00" {
				t.Errorf("Exif after replacing it: %q, %v", ex, err)
			}
			samePixels(t, "after replace", ref, heifConvert(t, out))

			// A rewrite of a rewrite is the same file.
			again, err := g.Rewrite(nil, nil)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("rewriting a rewritten file changed it (%v)", err)
			}
		})
	}
}

func TestRewriteRefuses(t *testing.T) {
	f := mustParse(t, heicWithExif(t))
	if _, err := f.Rewrite(nil, map[uint32]bool{f.Primary().ID: true}); !errors.Is(err, codecs.ErrUnsupportedFormat) {
		t.Errorf("dropping the primary: %v", err)
	}
	if _, err := f.Rewrite(map[uint32][]byte{9999: nil}, nil); !errors.Is(err, codecs.ErrUnsupportedFormat) {
		t.Errorf("replacing a missing item: %v", err)
	}
}

// TestRewriteKeepsEncoderLayout rebuilds files as avifenc writes them
// (with an alpha plane whose data comes first in mdat, with Exif and XMP
// items): the result is the input, byte for byte.
func TestRewriteKeepsEncoderLayout(t *testing.T) {
	meta, _ := avifWithMetadata(t)
	for name, data := range map[string][]byte{
		"alpha":    avifEnc(t, photo(96, 64, true), "-y", "420"),
		"metadata": meta,
	} {
		out, err := mustParse(t, data).Rewrite(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, data) {
			t.Errorf("%s: rebuilt %d bytes differ from the %d of avifenc", name, len(out), len(data))
		}
	}
}
