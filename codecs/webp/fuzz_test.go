package webp_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os/exec"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// fuzzLimits keep the fuzzer's allocations small.
var fuzzLimits = codecs.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 2048, MaxFrames: 64}

// FuzzDecodeAnimated checks that Probe, Decode and DecodeAll never panic
// on WebP input, animated or not, that their errors are the package's
// kinds, and that what they decode agrees with what Probe reported: the
// still and every frame of the canvas's bounds, no more frames than
// Info.Frames, the still the first frame. Seeds: the animations the tests
// build chunk by chunk, img2webp's when it is installed, EncodeAll's, and
// a still.
func FuzzDecodeAnimated(f *testing.F) {
	c := color.NRGBA{10, 200, 30, 128}
	head := []any{"VP8X", vp8x(vp8xAnim|vp8xAlpha, 16, 12), "ANIM", animLoops(0, 3)}
	solid := func(w, h int, c color.NRGBA) []byte { return testimage.SolidVP8L(w, h, c) }
	for _, seed := range [][]byte{
		riff(append(head, "ANMF", anmfWith(0, 0, 16, 12, 10, noBlend, "VP8L", solid(16, 12, color.NRGBA{200, 100, 50, 255})),
			"ANMF", anmfWith(2, 2, 8, 6, 20, dispose, "VP8L", solid(8, 6, c)),
			"ANMF", anmfWith(4, 4, 10, 8, 30, 0, "VP8L", solid(10, 8, c)))...),
		riff(append(head, "ANMF", anmf(0, 0, 8, 8), "ANMF", anmf(2, 2, 4, 4, "VP8L", solid(4, 4, c), "JUNK", []byte{4}))...),
		riff(append(head, "ANMF", anmf(0, 0, 4, 4, "VP8L", solid(4, 4, c)), "ANMF", anmf(14, 10, 4, 4, "VP8L", solid(4, 4, c)))...),
		riff(append(head, "ANMF", anmf(0, 0, 4, 4, "ALPH", make([]byte, 17), "VP8 ", []byte{0x10, 0, 0, 0x9d, 1, 0x2a, 4, 0, 4, 0}))...),
		manyFrames(5, 64, 64),
		testimage.WebP(testimage.Pattern(8, 6), nil),
	} {
		f.Add(seed)
	}
	if _, err := exec.LookPath("img2webp"); err == nil {
		f.Add(img2webp(f, sprites(3, 40, 30, false), []int{50, 80}, "-lossless", "-loop", "2"))
		f.Add(img2webp(f, sprites(3, 40, 30, false), nil, "-lossy", "-q", "50"))
	}
	var buf bytes.Buffer
	err := codecs.EncodeAll(context.Background(), &buf, &codecs.Animation{Frames: sprites(3, 32, 24, true), Delays: delaysMS(3, 40)}, codecs.WebP, codecs.EncodeOptions{Quality: 50})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())

	f.Fuzz(func(t *testing.T, data []byte) {
		kind := func(what string, err error) {
			if !errors.Is(err, codecs.ErrNotImage) && !errors.Is(err, codecs.ErrUnsupportedFormat) &&
				!errors.Is(err, codecs.ErrTooLarge) && !errors.Is(err, codecs.ErrCorrupt) {
				t.Fatalf("%s: unclassified error: %v", what, err)
			}
		}
		info, perr := codecs.Probe(data, fuzzLimits)
		img, _, err := codecs.Decode(context.Background(), data, fuzzLimits)
		a, _, aerr := codecs.DecodeAll(context.Background(), data, fuzzLimits)
		if perr != nil {
			kind("Probe", perr)
			if err == nil || aerr == nil {
				t.Fatalf("Probe refused (%v) but Decode (%v) or DecodeAll (%v) accepted", perr, err, aerr)
			}
			return
		}
		canvas := image.Rect(0, 0, info.Width, info.Height)
		if err != nil {
			kind("Decode", err)
		} else if img.Bounds() != canvas {
			t.Fatalf("Decode: bounds %v, Probe says %v", img.Bounds(), canvas)
		}
		if aerr != nil {
			kind("DecodeAll", aerr)
			return
		}
		if len(a.Frames) == 0 || len(a.Frames) > info.Frames || len(a.Delays) != len(a.Frames) {
			t.Fatalf("DecodeAll: %d frames, %d delays, Info.Frames %d", len(a.Frames), len(a.Delays), info.Frames)
		}
		for i, fr := range a.Frames {
			if fr.Bounds() != canvas {
				t.Fatalf("frame %d: bounds %v, Probe says %v", i, fr.Bounds(), canvas)
			}
		}
		if err == nil && info.Frames > 1 && diff(img, a.Frames[0], true) != "" {
			t.Fatalf("Decode's still differs from DecodeAll's first frame: %s", diff(img, a.Frames[0], true))
		}
	})
}
