package codecs_test

import (
	"bytes"
	"context"
	"image"
	"io"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// photo12MP returns a 4000×3000 JPEG with smooth gradients and some noise,
// so it compresses roughly like a photograph.
var photo12MP = sync.OnceValue(func() []byte {
	const w, h = 4000, 3000
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	n := noise(w, h, 12)
	for y := range h {
		for x := range w {
			i := m.PixOffset(x, y)
			m.Pix[i+0] = uint8(x*255/w) ^ n.Pix[i]&15
			m.Pix[i+1] = uint8(y*255/h) ^ n.Pix[i+1]&15
			m.Pix[i+2] = uint8((x+y)*255/(w+h)) ^ n.Pix[i+2]&15
			m.Pix[i+3] = 255
		}
	}
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, m, codecs.JPEG, codecs.EncodeOptions{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func BenchmarkDecodeJPEG12MP(b *testing.B) {
	data := photo12MP()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := codecs.Decode(context.Background(), data, codecs.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProbeJPEG12MP(b *testing.B) {
	data := photo12MP()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codecs.Probe(data, codecs.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeJPEG12MP encodes the decoded photograph (an *image.YCbCr,
// opaque: handed to image/jpeg as it is).
func BenchmarkEncodeJPEG12MP(b *testing.B) {
	img, _, err := codecs.Decode(context.Background(), photo12MP(), codecs.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := codecs.Encode(io.Discard, img, codecs.JPEG, codecs.EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeJPEG12MPFlatten encodes a 12 MP NRGBA with transparency,
// which is flattened onto white first.
func BenchmarkEncodeJPEG12MPFlatten(b *testing.B) {
	img := noise(4000, 3000, 4)
	for i := 3; i < len(img.Pix); i += 4 * 5 {
		img.Pix[i] = 128
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := codecs.Encode(io.Discard, img, codecs.JPEG, codecs.EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
