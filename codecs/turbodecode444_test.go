//go:build cgo && turbojpeg

package codecs

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/blobimage/blobimage/codecs/turbojpeg"
	"github.com/blobimage/blobimage/internal/boxavg"
)

// TestTurboDecode444 checks that a 4:4:4 JPEG decoded by libjpeg-turbo at
// 1/2 and 1/4 comes back 4:2:0, its chroma that of libjpeg-turbo's 4:4:4
// decode merged by boxavg.To420 and its luma unchanged, as the pure-Go build's
// DecodeResize gives it; at full size and 1/8 it stays 4:4:4.
func TestTurboDecode444(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := image.NewYCbCr(image.Rect(0, 0, 203, 141), image.YCbCrSubsampleRatio444)
	for y := range 141 {
		for x := range 203 {
			i := m.YOffset(x, y)
			m.Y[i], m.Cb[i], m.Cr[i] = uint8(x+y), uint8(128+x/4-y/3), uint8(100+y/2+rng.IntN(3))
		}
	}
	var buf bytes.Buffer
	if err := turbojpeg.Encode(&buf, m, 90); err != nil {
		t.Fatal(err)
	}
	for _, denom := range []int{1, 2, 4, 8} {
		ref, err := turbojpeg.DecodeScaled(buf.Bytes(), denom)
		if err != nil {
			t.Fatal(err)
		}
		if r := ref.(*image.YCbCr).SubsampleRatio; r != image.YCbCrSubsampleRatio444 {
			t.Fatalf("libjpeg-turbo wrote or read %v, want 4:4:4", r)
		}
		got, err := turboDecode(bytes.NewReader(buf.Bytes()), denom)
		if err != nil {
			t.Fatal(err)
		}
		want := ref
		if denom == 2 || denom == 4 {
			want = boxavg.To420(ref.(*image.YCbCr))
		}
		g, w := got.(*image.YCbCr), want.(*image.YCbCr)
		if g.SubsampleRatio != w.SubsampleRatio || g.Rect != w.Rect || !bytes.Equal(g.Y, w.Y) || !bytes.Equal(g.Cb, w.Cb) || !bytes.Equal(g.Cr, w.Cr) {
			t.Errorf("1/%d: %v %v, want %v %v and the same samples", denom, g.SubsampleRatio, g.Rect, w.SubsampleRatio, w.Rect)
		}
	}
}
