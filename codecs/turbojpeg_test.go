package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
	"github.com/blobimage/blobimage/internal/testimage"
)

// TestJPEGBuildsAgree runs in both builds (go test and go test -tags
// turbojpeg): whichever library decodes, the registered JPEG codec gives the
// pure-Go decoder's image to within a few levels at every scale, and refuses
// a cut file as corrupt.
func TestJPEGBuildsAgree(t *testing.T) {
	t.Logf("libjpeg-turbo: %v", codecs.TurboJPEG)
	data := encJPEG(t, smooth(203, 157), 90)
	ctx := context.Background()
	for _, min := range []image.Point{{}, {100, 70}, {50, 35}, {20, 15}} {
		got, _, err := codecs.DecodeReduced(ctx, data, codecs.Limits{}, min)
		if err != nil {
			t.Fatal(err)
		}
		denom := 1
		if min != (image.Point{}) {
			denom = codecs.Scale(203, 157, min)
		}
		want, err := jpegcodec.DecodeScaled(bytes.NewReader(data), denom)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("1/%d: bounds %v, pure Go %v", denom, got.Bounds(), want.Bounds())
		}
		// libjpeg-turbo's scaled IDCTs and upsampling differ from ours by
		// a level or two on smooth content. The pure-Go build is the
		// pure-Go decoder.
		tol := 0.0
		if codecs.TurboJPEG {
			tol = 2
		}
		if d := meanDiff(got, want); d > tol {
			t.Errorf("1/%d: mean channel difference %.2f from the pure-Go decode, want ≤ %.0f", denom, d, tol)
		} else {
			t.Logf("1/%d: mean channel difference %.2f", denom, d)
		}
	}
	if _, _, err := codecs.DecodeReduced(ctx, data[:len(data)*2/3], codecs.Limits{}, image.Point{}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("truncated JPEG: %v, want ErrCorrupt", err)
	}
}

// smooth is an image of gradients and slow waves, the content a scaled
// decode is for (on sharp edges libjpeg-turbo's smaller IDCTs ring where
// ours average).
func smooth(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			b := 128 + 100*math.Sin(float64(x)/9)*math.Cos(float64(y)/7)
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8(b), 255})
		}
	}
	return m
}

// meanDiff is the mean absolute difference of a's and b's colour channels.
func meanDiff(a, b image.Image) float64 {
	sum := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p, q := nrgbaAt(a, x, y), nrgbaAt(b, x, y)
			for _, v := range []int{int(p.R) - int(q.R), int(p.G) - int(q.G), int(p.B) - int(q.B)} {
				sum += max(v, -v)
			}
		}
	}
	return float64(sum) / float64(3*r.Dx()*r.Dy())
}

// TestJPEGEncodes420: whichever library encodes, a YCbCr image with 4:4:4,
// 4:2:2 or 4:4:0 chroma (a decoded camera JPEG) is written 4:2:0, as every
// other colour image, with its colours kept.
func TestJPEGEncodes420(t *testing.T) {
	src := smooth(203, 157)
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440} {
		m := testimage.YCbCr(src, r)
		var buf bytes.Buffer
		if err := codecs.Encode(&buf, m, codecs.JPEG, codecs.EncodeOptions{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		got, err := jpegcodec.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if y, ok := got.(*image.YCbCr); !ok || y.SubsampleRatio != image.YCbCrSubsampleRatio420 {
			t.Errorf("%v: encoded as %T %v, want 4:2:0", r, got, y.SubsampleRatio)
		}
		if d := meanDiff(got, src); d > 3 { // q90 and 4:2:0 chroma on fine colour detail: ≈2
			t.Errorf("%v: mean channel difference %.2f after encoding", r, d)
		}
	}
}
