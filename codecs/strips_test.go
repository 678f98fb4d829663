package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os/exec"
	"runtime"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// collectStrips decodes data with DecodeStrips and returns the strips
// pasted into one picture of DecodeReduced's type, checking that each
// starts where the last ended.
func collectStrips(t *testing.T, data []byte, min image.Point) (image.Image, int, error) {
	t.Helper()
	var whole draw.Image
	var ycc *image.YCbCr
	rows, n := 0, 0
	_, err := codecs.DecodeStrips(context.Background(), data, codecs.Limits{}, min, func(strip image.Image) error {
		b := strip.Bounds()
		if b.Min.Y != rows {
			t.Fatalf("strip %v after %d rows", b, rows)
		}
		rows, n = b.Max.Y, n+1
		switch s := strip.(type) {
		case *image.YCbCr:
			if ycc == nil {
				ycc = image.NewYCbCr(image.Rect(0, 0, b.Dx(), 1<<14), s.SubsampleRatio)
			}
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := 0; x < b.Dx(); x++ {
					ycc.Y[ycc.YOffset(x, y)] = s.Y[s.YOffset(x, y)]
					ycc.Cb[ycc.COffset(x, y)] = s.Cb[s.COffset(x, y)]
					ycc.Cr[ycc.COffset(x, y)] = s.Cr[s.COffset(x, y)]
				}
			}
		case *image.Gray:
			if whole == nil {
				whole = image.NewGray(image.Rect(0, 0, b.Dx(), 1<<14))
			}
			draw.Draw(whole, b, s, b.Min, draw.Src)
		default:
			t.Fatalf("a strip is a %T", strip)
		}
		return nil
	})
	if ycc != nil {
		return ycc.SubImage(image.Rect(0, 0, ycc.Rect.Dx(), rows)), n, err
	}
	if whole != nil {
		return whole.(*image.Gray).SubImage(image.Rect(0, 0, whole.Bounds().Dx(), rows)), n, err
	}
	return nil, n, err
}

// TestDecodeStrips: the strips of a baseline JPEG, pasted together, are
// DecodeReduced's picture to the bit, at full size and reduced, colour and
// grey, in more than one strip.
func TestDecodeStrips(t *testing.T) {
	skipWithoutStrips(t)
	colour := noise(403, 301, 7)
	grey := image.NewGray(colour.Bounds())
	draw.Draw(grey, grey.Rect, colour, image.Point{}, draw.Src)
	for name, data := range map[string][]byte{"colour": encJPEG(t, colour, 90), "grey": encJPEG(t, grey, 90)} {
		for _, min := range []image.Point{{}, {200, 150}, {100, 70}, {40, 30}} {
			want, _, err := codecs.DecodeReduced(context.Background(), data, codecs.Limits{}, min)
			if err != nil {
				t.Fatal(err)
			}
			got, n, err := collectStrips(t, data, min)
			if err != nil {
				t.Fatalf("%s at %v: %v", name, min, err)
			}
			if n < 2 {
				t.Errorf("%s at %v: %d strip", name, min, n)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("%s at %v: strips cover %v, DecodeReduced %v", name, min, got.Bounds(), want.Bounds())
			}
			if !equalPixels(got, want) {
				t.Errorf("%s at %v: the strips differ from DecodeReduced's picture", name, min)
			}
		}
	}
}

// equalPixels compares two images of the same bounds pixel by pixel.
func equalPixels(a, b image.Image) bool {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// TestDecodeStripsRefusals: what cannot come in strips is ErrNoStrips
// before any strip (PNG; a progressive JPEG, made by jpegtran when it is
// installed); the errors are Decode's (limits, damage, a done context),
// and an error of emit stops the decode and comes back as it is.
func TestDecodeStripsRefusals(t *testing.T) {
	skipWithoutStrips(t)
	ctx := context.Background()
	data := encJPEG(t, noise(320, 240, 3), 90)
	never := func(image.Image) error { t.Error("a strip was emitted"); return nil }

	if _, err := codecs.DecodeStrips(ctx, encPNG(t, noise(32, 32, 1)), codecs.Limits{}, image.Point{}, never); !errors.Is(err, codecs.ErrNoStrips) {
		t.Errorf("PNG: %v, want ErrNoStrips", err)
	}
	if path, err := exec.LookPath("jpegtran"); err == nil {
		cmd := exec.Command(path, "-progressive")
		cmd.Stdin = bytes.NewReader(data)
		prog, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := codecs.DecodeStrips(ctx, prog, codecs.Limits{}, image.Point{}, never); !errors.Is(err, codecs.ErrNoStrips) || errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("progressive JPEG: %v, want ErrNoStrips only", err)
		}
	} else {
		t.Log("jpegtran not installed: no progressive case")
	}
	if _, err := codecs.DecodeStrips(ctx, data, codecs.Limits{MaxPixels: 1000}, image.Point{}, never); !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("over MaxPixels: %v, want ErrTooLarge", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := codecs.DecodeStrips(cancelled, data, codecs.Limits{}, image.Point{}, never); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v, want context.Canceled", err)
	}
	if _, err := codecs.DecodeStrips(ctx, data[:len(data)/2], codecs.Limits{}, image.Point{}, func(image.Image) error { return nil }); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("half a file: %v, want ErrCorrupt", err)
	}
	stop := errors.New("enough")
	n := 0
	_, err := codecs.DecodeStrips(ctx, data, codecs.Limits{}, image.Point{}, func(image.Image) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("emit's error: got %v after %d strips, want it as it is after 2", err, n)
	}
}

// skipWithoutStrips skips a test of JPEG strips in a build that decodes
// pictures of the tests' sizes (4 MP at most) whole: libjpeg-turbo's,
// below its StripsMinPixels.
func skipWithoutStrips(t *testing.T) {
	if !codecs.DecodesInStrips(codecs.Info{Format: codecs.JPEG, Width: 2400, Height: 1600}) {
		t.Skip("this build decodes JPEGs of this size whole (-tags turbojpeg)")
	}
}

// TestDecodeMemoryStrips: a decode in strips allocates no more than
// Info.DecodeMemoryStrips at any scale, for Go's 4:2:0 and grey JPEGs and
// for cjpeg's 4:4:4, 4:2:2 and 4:4:0 ones.
func TestDecodeMemoryStrips(t *testing.T) {
	skipWithoutStrips(t)
	src := testimage.Photo(2400, 1600)
	gray := image.NewGray(src.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = src.Pix[4*i+1]
	}
	files := map[string][]byte{"go 4:2:0": encJPEG(t, src, 90), "go grey": encJPEG(t, gray, 90)}
	ppm := fmt.Appendf(nil, "P6\n%d %d\n255\n", src.Rect.Dx(), src.Rect.Dy())
	for i := 0; i < len(src.Pix); i += 4 {
		ppm = append(ppm, src.Pix[i:i+3]...)
	}
	for _, sample := range []string{"1x1", "2x1", "1x2"} {
		files["cjpeg "+sample] = testimage.Convert(t, "cjpeg", ppm, ".ppm", ".jpg", "-sample", sample)
	}
	for name, data := range files {
		info, err := codecs.Probe(data, codecs.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, need := range []int{2400, 1200, 600, 300} {
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			_, err := codecs.DecodeStrips(context.Background(), data, codecs.Limits{}, image.Pt(need, need*2/3), func(image.Image) error { return nil })
			runtime.ReadMemStats(&m1)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, bound := int64(m1.TotalAlloc-m0.TotalAlloc), info.DecodeMemoryStrips()
			t.Logf("%s, need %d: allocated %d bytes, bound %d", name, need, got, bound)
			if got > bound {
				t.Errorf("%s, need %d: allocated %d bytes, more than DecodeMemoryStrips's %d", name, need, got, bound)
			}
		}
	}
}
