package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"testing"
	"time"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// frameColours are the colours of animatedGIF's frames, in order.
var frameColours = []color.NRGBA{{R: 255, A: 255}, {G: 255, A: 255}, {B: 255, A: 255}}

// animatedGIF is a w×h GIF of one solid frame per frameColours entry,
// shown 10, 20 and 30 hundredths of a second, looping forever.
func animatedGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	pal := color.Palette{color.NRGBA{A: 255}}
	for _, c := range frameColours {
		pal = append(pal, c)
	}
	anim := &gif.GIF{LoopCount: 0}
	for i := range frameColours {
		frame := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for j := range frame.Pix {
			frame.Pix[j] = uint8(i + 1)
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 10*(i+1))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// animationRule: "moving" keeps the frames (GIF from a GIF), "still" is
// the first frame.
func animationConfig() config {
	fit := []variants.Processor{variants.Fit{Width: 20, Height: 20}}
	return config{Config: variants.Config{Rules: []variants.Rule{{Match: "**", Variants: []variants.Spec{
		{Name: "moving", Processors: fit, Animated: true},
		{Name: "still", Processors: fit},
		{Name: "square", Processors: []variants.Processor{variants.Fill{Width: 12, Height: 12, Anchor: variants.Smart}}, Animated: true},
	}}}}}
}

// checkAnimatedGIF decodes the GIF at key with the standard library's
// reference decoder and checks the frames, their timing and colours.
func checkAnimatedGIF(t *testing.T, s *blobimage.Store, key string, w, h int) {
	t.Helper()
	data, err := s.Bucket.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if len(g.Image) != len(frameColours) || g.LoopCount != 0 {
		t.Fatalf("%s: %d frames, loop count %d; want %d, forever", key, len(g.Image), g.LoopCount, len(frameColours))
	}
	for i, frame := range g.Image {
		if g.Delay[i] != 10*(i+1) {
			t.Errorf("%s: frame %d shows %d cs, want %d", key, i, g.Delay[i], 10*(i+1))
		}
		if g.Config.Width != w || g.Config.Height != h {
			t.Errorf("%s: %d×%d, want %d×%d", key, g.Config.Width, g.Config.Height, w, h)
		}
		if c := frame.At(w/2, h/2); !testimage.Near(c, frameColours[i], 8) {
			t.Errorf("%s: frame %d is %v, want %v", key, i, c, frameColours[i])
		}
	}
}

// TestAnimatedVariant: an animated GIF upload makes an animated GIF
// variant with every frame resized and its timing kept, and a still
// variant of the first frame; the ImageFile counts the frames. The same
// with variants made lazily on their first read.
func TestAnimatedVariant(t *testing.T) {
	for _, fan := range []blobimage.FanOut{blobimage.Eager, blobimage.Lazy} {
		cfg := animationConfig()
		cfg.FanOut = fan
		s, _ := newStore(t, cfg)
		put(t, s, "a.gif", animatedGIF(t, 40, 30))
		f := imageFile(t, s, "a.gif")
		if f.Frames != 3 || f.Width != 40 || f.Height != 30 {
			t.Errorf("%v: ImageFile %d frames, %d×%d", fan, f.Frames, f.Width, f.Height)
		}
		moving, still := f.Variants["moving"], f.Variants["still"]
		if moving.Format != codecs.GIF || moving.Width != 20 || moving.Height != 15 {
			t.Errorf("%v: moving %+v, want a 20×15 GIF", fan, moving)
		}
		checkAnimatedGIF(t, s, moving.Key, 20, 15)
		checkAnimatedGIF(t, s, f.Variants["square"].Key, 12, 12) // smart: the same window for every frame
		img, format := decodeKey(t, s.Bucket, still.Key)
		if format != codecs.PNG || img.Bounds().Dx() != 20 || !testimage.Near(img.At(10, 7), frameColours[0], 8) {
			t.Errorf("%v: still is %s %v %v, want a PNG of the first frame", fan, format, img.Bounds(), img.At(10, 7))
		}
	}
}

// TestAnimatedVariantLimits: the frame limits apply to all frames
// together when a variant keeps them; a config without animated variants
// reads the first frame only and takes the same upload.
func TestAnimatedVariantLimits(t *testing.T) {
	data := animatedGIF(t, 40, 30)
	for _, tc := range []struct {
		name   string
		limits codecs.Limits
		budget int64
	}{
		{"max_frames", codecs.Limits{MaxFrames: 2}, 0},
		{"max_pixels", codecs.Limits{MaxPixels: 40 * 30 * 2}, 0},
		{"memory_budget", codecs.Limits{}, 40*30*4*2 + 40*30*8},
	} {
		cfg := animationConfig()
		cfg.Limits, cfg.MemoryBudget = tc.limits, tc.budget
		s, inner := newStore(t, cfg)
		err := s.Bucket.WriteAll(context.Background(), "a.gif", data, nil)
		var le *codecs.LimitError
		if !errors.Is(err, blobimage.ErrTooLarge) || !errors.As(err, &le) || le.Limit != tc.name {
			t.Errorf("%s: put = %v, want ErrTooLarge naming %s", tc.name, err, tc.name)
		}
		if ks := keys(t, inner); len(ks) != 0 {
			t.Errorf("%s: a refused write left %q", tc.name, ks)
		}
		for i := range cfg.Rules[0].Variants {
			cfg.Rules[0].Variants[i].Animated = false
		}
		s, _ = newStore(t, cfg)
		put(t, s, "a.gif", data)
		if f := imageFile(t, s, "a.gif"); f.Frames != 3 || f.Variants["moving"].Format != codecs.PNG {
			t.Errorf("%s: without animated variants: %+v", tc.name, f)
		}
	}
}

// checkAnimation decodes the animation at key (codecs.DecodeAll) and
// checks its format, frames, timing and colours.
func checkAnimation(t *testing.T, s *blobimage.Store, key string, format codecs.Format, w, h int) {
	t.Helper()
	data, err := s.Bucket.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	a, info, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{})
	if err != nil || info.Format != format || info.Frames != len(frameColours) || a.Size() != image.Pt(w, h) || a.Loops != 0 {
		t.Fatalf("%s: %v %s, %d frames, %v, loops %d; want a %d×%d %s of %d frames looping forever",
			key, err, info.Format, info.Frames, a.Size(), a.Loops, w, h, format, len(frameColours))
	}
	for i, frame := range a.Frames {
		if want := time.Duration(i+1) * 100 * time.Millisecond; a.Delays[i] != want {
			t.Errorf("%s: frame %d shows %v, want %v", key, i, a.Delays[i], want)
		}
		if c := frame.At(w/2, h/2); !testimage.Near(c, frameColours[i], 12) {
			t.Errorf("%s: frame %d is %v, want %v", key, i, c, frameColours[i])
		}
	}
}

// TestAnimatedWebP: a GIF's animated variant with format webp is an
// animated WebP; an animated WebP upload keeps its frames in WebP by
// default and in GIF when asked, and counts them on its ImageFile.
func TestAnimatedWebP(t *testing.T) {
	fit := []variants.Processor{variants.Fit{Width: 20, Height: 20}}
	cfg := config{Config: variants.Config{Rules: []variants.Rule{{Match: "**", Variants: []variants.Spec{
		{Name: "webp", Processors: fit, Animated: true, Format: codecs.WebP, Lossless: true},
		{Name: "same", Processors: fit, Animated: true},
		{Name: "gif", Processors: fit, Animated: true, Format: codecs.GIF},
	}}}}}
	s, _ := newStore(t, cfg)
	put(t, s, "a.gif", animatedGIF(t, 40, 30))
	f := imageFile(t, s, "a.gif")
	checkAnimation(t, s, f.Variants["webp"].Key, codecs.WebP, 20, 15)
	checkAnimation(t, s, f.Variants["same"].Key, codecs.GIF, 20, 15)

	// An animated WebP upload, made from the GIF's frames.
	src, _, err := codecs.DecodeAll(context.Background(), animatedGIF(t, 40, 30), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := codecs.EncodeAll(context.Background(), &buf, src, codecs.WebP, codecs.EncodeOptions{Lossless: true}); err != nil {
		t.Fatal(err)
	}
	put(t, s, "b.webp", buf.Bytes())
	f = imageFile(t, s, "b.webp")
	if f.Frames != 3 || f.Format != codecs.WebP || f.Width != 40 {
		t.Errorf("animated WebP upload: %d frames, %s %d×%d", f.Frames, f.Format, f.Width, f.Height)
	}
	checkAnimation(t, s, f.Variants["same"].Key, codecs.WebP, 20, 15)
	checkAnimation(t, s, f.Variants["gif"].Key, codecs.GIF, 20, 15)
}
