//go:build cgo && turbojpeg

package codecs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
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

// TestTurboStripsFrom: the libjpeg-turbo build decodes a baseline JPEG
// below pureGoStrips whole (DecodeStrips refuses it before any strip), and
// from it up in the pure-Go decoder's strips, whose picture is
// jpeg.DecodeResize's to the bit.
func TestTurboStripsFrom(t *testing.T) {
	encode := func(w, h int) []byte {
		m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		for y := range h {
			for x := range w {
				m.Y[m.YOffset(x, y)] = uint8(x ^ y)
			}
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i), uint8(i/7)
		}
		var buf bytes.Buffer
		if err := turbojpeg.Encode(&buf, m, 85); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	ctx := context.Background()
	small := encode(1000, 800)
	if info, err := Probe(small, Limits{}); err != nil || DecodesInStrips(info) {
		t.Errorf("1000×800: DecodesInStrips true (%v)", err)
	}
	if _, err := DecodeStrips(ctx, small, Limits{}, image.Pt(500, 400), func(image.Image) error {
		t.Fatal("a strip of a small JPEG")
		return nil
	}); !errors.Is(err, ErrNoStrips) {
		t.Errorf("1000×800: %v, want ErrNoStrips", err)
	}

	w, h := 4096, 4100 // just over pureGoStrips
	if w*h < pureGoStrips {
		t.Fatalf("%d×%d is under pureGoStrips", w, h)
	}
	big := encode(w, h)
	info, err := Probe(big, Limits{})
	if err != nil || !DecodesInStrips(info) {
		t.Fatalf("%d×%d: DecodesInStrips false (%v)", w, h, err)
	}
	want, err := jpegcodec.DecodeResize(bytes.NewReader(big), 2)
	if err != nil {
		t.Fatal(err)
	}
	wy := want.(*image.YCbCr)
	rows := 0
	_, err = DecodeStrips(ctx, big, Limits{}, image.Pt(w/2, h/2), func(strip image.Image) error {
		s := strip.(*image.YCbCr)
		for y := s.Rect.Min.Y; y < s.Rect.Max.Y; y++ {
			if !bytes.Equal(s.Y[s.YOffset(0, y):][:s.Rect.Dx()], wy.Y[wy.YOffset(0, y):][:wy.Rect.Dx()]) {
				return fmt.Errorf("row %d differs from DecodeResize's", y)
			}
		}
		rows = s.Rect.Max.Y
		return nil
	})
	if err != nil || rows != wy.Rect.Dy() {
		t.Errorf("%d×%d at 1/2: %v after %d of %d rows", w, h, err, rows, wy.Rect.Dy())
	}
}
