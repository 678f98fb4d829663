//go:build cgo && turbojpeg

package turbojpeg_test

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
	"github.com/blobimage/blobimage/codecs/turbojpeg"
)

// TestProgressiveReduced checks which decoder the registered JPEG codec of
// the turbojpeg build uses for a progressive JPEG (see turboDecode in
// codecs/turbojpeg_on.go): from 1 MP, the pure-Go one at reduced scale,
// where it keeps a fraction of the coefficients libjpeg-turbo keeps, and
// libjpeg-turbo at full size; below 1 MP, libjpeg-turbo. At reduced scale
// the two decoders' images differ slightly, which tells them apart; at
// full size they may agree exactly (the pure-Go decoder's full-size
// inverse DCT is libjpeg's), and then either answer is right. 1/8 is left
// out: both give each block's DC value.
func TestProgressiveReduced(t *testing.T) {
	for _, c := range []struct {
		w, h   int
		pureGo bool // at reduced scale
	}{
		{1283, 819, true},
		{643, 481, false},
	} {
		var buf bytes.Buffer
		if err := turbojpeg.EncodeProgressive(&buf, turbojpeg.TestPhoto(c.w, c.h, 31), 90); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		for _, denom := range []int{1, 2, 4} {
			min := image.Point{}
			if denom > 1 {
				min = image.Pt(c.w/denom-1, c.h/denom-1)
				if got := codecs.Scale(c.w, c.h, min); got != denom {
					t.Fatalf("Scale for %v is 1/%d, want 1/%d", min, got, denom)
				}
			}
			got, info, err := codecs.DecodeReduced(context.Background(), data, codecs.Limits{}, min)
			if err != nil {
				t.Fatal(err)
			}
			if !info.Progressive {
				t.Fatal("Probe does not see a progressive JPEG")
			}
			pure, err := jpegcodec.DecodeScaled(bytes.NewReader(data), denom)
			if err != nil {
				t.Fatal(err)
			}
			turbo, err := turbojpeg.DecodeScaled(data, denom)
			if err != nil {
				t.Fatal(err)
			}
			if same(pure, turbo) {
				if denom == 1 {
					if !same(got, turbo) {
						t.Errorf("%d×%d at 1/1: the codec's image is neither decoder's", c.w, c.h)
					}
					continue
				}
				t.Fatalf("%d×%d at 1/%d: the two decoders agree exactly; the test cannot tell them apart", c.w, c.h, denom)
			}
			want, name := turbo, "libjpeg-turbo"
			if denom > 1 && c.pureGo {
				want, name = pure, "the pure-Go decoder"
			}
			if !same(got, want) {
				t.Errorf("%d×%d at 1/%d: the codec's image is not %s's", c.w, c.h, denom, name)
			}
		}
	}
}

// same reports whether a and b have the same bounds and RGBA pixels.
func same(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	return bytes.Equal(toRGBA(a).Pix, toRGBA(b).Pix)
}

func toRGBA(m image.Image) *image.RGBA {
	c := image.NewRGBA(m.Bounds())
	draw.Draw(c, c.Rect, m, m.Bounds().Min, draw.Src)
	return c
}
