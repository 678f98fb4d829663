package codecs_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// fuzzLimits keep the fuzzer's allocations small: whatever a header
// claims, no image over a megapixel is decoded.
var fuzzLimits = codecs.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 4096}

// FuzzDecode checks that Decode never panics, that every error it returns
// is one of the package's four kinds, and that a decoded image has exactly
// the bounds Probe reported.
func FuzzDecode(f *testing.F) {
	src := quads(24, 16)
	alpha := noise(20, 12, 9)
	alpha.Pix[3] = 0
	for _, seed := range [][]byte{
		encJPEG(f, src, 90),
		encJPEG(f, image.NewGray(image.Rect(0, 0, 9, 7)), 50),
		encPNG(f, src),
		encPNG(f, alpha),
		encGIF(f, src),
		webpSolid(5, 3, color.NRGBA{10, 20, 30, 40}),
		riffWebP("VP8X", vp8xChunk(0, 5, 3), "VP8L", webpSolid(5, 3, color.NRGBA{})[20:]),
		jpegHeader(60000, 60000),
		pngHeader(60000, 60000),
		gifHeader(100, 100),
		manyScans(3),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, perr := codecs.Probe(data, fuzzLimits)
		img, dinfo, err := codecs.Decode(context.Background(), data, fuzzLimits)
		if perr != nil && err == nil {
			t.Fatalf("Probe refused (%v) but Decode accepted", perr)
		}
		if err != nil {
			if !errors.Is(err, codecs.ErrNotImage) && !errors.Is(err, codecs.ErrUnsupportedFormat) &&
				!errors.Is(err, codecs.ErrTooLarge) && !errors.Is(err, codecs.ErrCorrupt) {
				t.Fatalf("unclassified error: %v", err)
			}
			if img != nil {
				t.Fatalf("image returned with error %v", err)
			}
			return
		}
		if dinfo.Format != info.Format || dinfo.Width != info.Width || dinfo.Height != info.Height {
			t.Fatalf("Decode Info %+v != Probe Info %+v", dinfo, info)
		}
		if want := image.Rect(0, 0, info.Width, info.Height); img.Bounds() != want {
			t.Fatalf("bounds %v, header says %v", img.Bounds(), want)
		}
		if int64(info.Width)*int64(info.Height) > fuzzLimits.MaxPixels {
			t.Fatalf("decoded %d×%d over the limits", info.Width, info.Height)
		}
	})
}
