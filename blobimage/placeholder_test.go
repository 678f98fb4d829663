package blobimage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
	"testing"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/thumbhash"
)

// placeholderOf decodes f's placeholder, failing unless it is a ThumbHash
// in standard base64 and f.Color is "#rrggbb".
func placeholderOf(t *testing.T, f *blobimage.ImageFile) (hash []byte, avg color.NRGBA) {
	t.Helper()
	hash, err := base64.StdEncoding.DecodeString(f.Placeholder)
	if err != nil || len(hash) < 5 || len(hash) > 25 {
		t.Fatalf("%s: placeholder %q (%d bytes, %v), want a ThumbHash in standard base64", f.Key, f.Placeholder, len(hash), err)
	}
	if _, err := fmt.Sscanf(f.Color, "#%02x%02x%02x", &avg.R, &avg.G, &avg.B); err != nil || len(f.Color) != 7 {
		t.Fatalf("%s: color %q, want #rrggbb", f.Key, f.Color)
	}
	avg.A = 255
	return hash, avg
}

// solid is a w×h image of one colour.
func solid(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{c.R, c.G, c.B, c.A})
	}
	return img
}

// TestPlaceholderColour: an upload of one colour has that average colour,
// in the ImageFile's color and in its ThumbHash's header, in every write
// mode: kept, recompressed, and with variants left pending (Lazy).
func TestPlaceholderColour(t *testing.T) {
	c := color.NRGBA{R: 200, G: 120, B: 40, A: 255}
	for _, fan := range []blobimage.FanOut{blobimage.Eager, blobimage.Lazy} {
		cfg := testConfig()
		cfg.FanOut = fan
		s, _ := newStore(t, cfg)
		uploads := map[string][]byte{
			"photos/a.jpg":  testimage.JPEG(solid(640, 480, c), 95),
			"avatars/b.png": testimage.PNG(solid(300, 500, c)),
			"raw/c.gif":     testimage.GIF(solid(64, 64, color.NRGBA{R: 255, A: 255})), // a Plan 9 palette entry
		}
		for key, data := range uploads {
			put(t, s, key, data)
			f := imageFile(t, s, key)
			hash, avg := placeholderOf(t, f)
			want := c
			if key == "raw/c.gif" {
				want = color.NRGBA{R: 255, A: 255}
			}
			if !testimage.Near(avg, want, 3) {
				t.Errorf("%v %s: color %s, want near %v", fan, key, f.Color, want)
			}
			header, err := thumbhash.AverageColor(hash)
			if err != nil || !testimage.Near(header, want, 6) {
				t.Errorf("%v %s: ThumbHash average %v (%v), want near %v", fan, key, header, err, want)
			}
			aspect, err := thumbhash.AspectRatio(hash)
			if wantAspect := float64(f.Width) / float64(f.Height); err != nil || math.Abs(aspect-wantAspect) > 0.1*wantAspect {
				t.Errorf("%v %s: ThumbHash aspect %.3f (%v), want %.3f", fan, key, aspect, err, wantAspect)
			}
			if f.Frames != 0 {
				t.Errorf("%v %s: frames %d for a still image", fan, key, f.Frames)
			}
		}
	}
}

// TestPlaceholderAlphaWeighted: transparent pixels do not colour the
// average; the ThumbHash says the picture has alpha.
func TestPlaceholderAlphaWeighted(t *testing.T) {
	s, _ := newStore(t, testConfig())
	img := solid(200, 100, color.NRGBA{R: 10, G: 200, B: 30, A: 255})
	for y := 0; y < 100; y++ {
		for x := 100; x < 200; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: 255, G: 0, B: 255, A: 0}) // invisible magenta
		}
	}
	put(t, s, "raw/half.png", testimage.PNG(img))
	f := imageFile(t, s, "raw/half.png")
	hash, avg := placeholderOf(t, f)
	if !testimage.Near(avg, color.NRGBA{R: 10, G: 200, B: 30, A: 255}, 3) {
		t.Errorf("color %s: the transparent half counted", f.Color)
	}
	header, err := thumbhash.AverageColor(hash)
	if err != nil || header.A > 160 || header.A < 96 {
		t.Errorf("ThumbHash average %v (%v), want about half opaque", header, err)
	}
}

// TestPlaceholderOrientation: the ThumbHash is of the displayed picture.
// For each EXIF orientation of a 320×160 stored Pattern the hash has the
// displayed aspect (transposed for 5–8), and its decoded preview shows the
// Pattern's quadrants upright.
func TestPlaceholderOrientation(t *testing.T) {
	s, _ := newStore(t, testConfig())
	// A ThumbHash's aspect is coarse (component counts up to 7 a side):
	// 2:1 is stored as 7:4.
	upright, err := thumbhash.Encode(testimage.Pattern(100, 50))
	if err != nil {
		t.Fatal(err)
	}
	uprightAspect, _ := thumbhash.AspectRatio(upright)
	for o := 1; o <= 8; o++ {
		key := fmt.Sprintf("raw/o%d.jpg", o)
		stored := testimage.Stored(testimage.Pattern(320, 160), o)
		exif := testimage.EXIF{Orientation: o}
		put(t, s, key, testimage.JPEG(stored, 95, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()}))
		f := imageFile(t, s, key)
		if f.Width != 320 || f.Height != 160 {
			t.Fatalf("%s: displayed %d×%d, want 320×160", key, f.Width, f.Height)
		}
		hash, _ := placeholderOf(t, f)
		aspect, err := thumbhash.AspectRatio(hash)
		if err != nil || aspect != uprightAspect {
			t.Errorf("%s: ThumbHash aspect %.2f (%v), want %.2f as for the upright picture", key, aspect, err, uprightAspect)
		}
		preview, err := thumbhash.Decode(hash)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		// A ThumbHash keeps only low frequencies: each quadrant centre is
		// nearest its own colour of the four, not equal to it.
		want := [4]color.NRGBA{testimage.TopLeft, testimage.TopRight, testimage.BottomLeft, testimage.BottomRight}
		for i, got := range testimage.Quadrants(preview) {
			best, bestD := 0, math.MaxFloat64
			for j, w := range want {
				if d := colorDistance(got, w); d < bestD {
					best, bestD = j, d
				}
			}
			if best != i {
				t.Errorf("%s: preview quadrant %d is %v, nearest %v, want %v", key, i, got, want[best], want[i])
			}
		}
	}
}

func colorDistance(a, b color.NRGBA) float64 {
	dr, dg, db := float64(a.R)-float64(b.R), float64(a.G)-float64(b.G), float64(a.B)-float64(b.B)
	return dr*dr + dg*dg + db*db
}

// TestPlaceholderFrames: an animated GIF's ImageFile counts its frames; a
// single-frame GIF has none listed.
func TestPlaceholderFrames(t *testing.T) {
	s, _ := newStore(t, testConfig())
	anim := &gif.GIF{}
	for i := 0; i < 3; i++ {
		frame := image.NewPaletted(image.Rect(0, 0, 40, 30), color.Palette{color.Black, color.White, color.NRGBA{R: 255, A: 255}})
		for j := range frame.Pix {
			frame.Pix[j] = uint8((i + j) % 3)
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	put(t, s, "raw/anim.gif", buf.Bytes())
	if f := imageFile(t, s, "raw/anim.gif"); f.Frames != 3 || f.Width != 40 || f.Height != 30 {
		t.Errorf("animated GIF: frames %d, %d×%d; want 3 frames, 40×30", f.Frames, f.Width, f.Height)
	}
	put(t, s, "raw/still.gif", testimage.GIF(testimage.Pattern(40, 30)))
	if f := imageFile(t, s, "raw/still.gif"); f.Frames != 0 {
		t.Errorf("still GIF: frames %d, want 0 (not listed)", f.Frames)
	}
}

// TestPlaceholderWithRegen: regen of a key whose variants are pending
// leaves the placeholder the write made; a deleted variant restored by a
// read keeps it too.
func TestPlaceholderWithRegen(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.FanOut = blobimage.Lazy
	s, _ := newStore(t, cfg)
	put(t, s, "photos/p.jpg", patternJPEG(800, 600, nil))
	before := imageFile(t, s, "photos/p.jpg")
	if _, err := s.Regenerate(ctx, "photos/p.jpg"); err != nil {
		t.Fatal(err)
	}
	after := imageFile(t, s, "photos/p.jpg")
	if after.Placeholder != before.Placeholder || after.Color != before.Color {
		t.Errorf("regen changed the placeholder: %s %s → %s %s", before.Placeholder, before.Color, after.Placeholder, after.Color)
	}
	if len(after.Variants) != len(photoRule().Variants) {
		t.Errorf("regen made %d variants", len(after.Variants))
	}
}
