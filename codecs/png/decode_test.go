package png

import (
	"bytes"
	"fmt"
	"image"
	stdpng "image/png"
	"io"
	"reflect"
	"testing"
)

func (p testPNG) String() string {
	il := ""
	if p.interlaced {
		il = "/adam7"
	}
	return fmt.Sprintf("ct%d/%dbit%s/f%d/trns%d/%dx%d", p.colorType, p.depth, il, p.filter, len(p.trns), p.w, p.h)
}

// TestDecodeMatrix decodes PNGs of every colour type, bit depth, tRNS,
// interlacing and filter type, through a reader with a Len method (the
// image allocated whole) and through one without (grown as rows arrive),
// and compares with image/png: the same image type, palette and pixels.
func TestDecodeMatrix(t *testing.T) {
	for _, p := range matrix() {
		data := p.encode()
		want, err := stdpng.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: image/png: %v", p, err)
		}
		for _, r := range []func() interface{ Read([]byte) (int, error) }{
			func() interface{ Read([]byte) (int, error) } { return bytes.NewReader(data) },
			func() interface{ Read([]byte) (int, error) } { return &plainReader{data: data} },
		} {
			got, err := Decode(r())
			if err != nil {
				t.Fatalf("%v: %v", p, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v: %T differs from image/png's %T%s", p, got, want, firstDiff(got, want))
			}
		}
		cfg, err := DecodeConfig(bytes.NewReader(data))
		wantCfg, _ := stdpng.DecodeConfig(bytes.NewReader(data))
		if err != nil || !reflect.DeepEqual(cfg, wantCfg) {
			t.Fatalf("%v: DecodeConfig %+v, %v; image/png %+v", p, cfg, err, wantCfg)
		}
	}
}

// plainReader reads data in short pieces, and has no other method.
type plainReader struct {
	data []byte
	off  int
}

func (r *plainReader) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 333)], r.data[r.off:])
	r.off += n
	return n, nil
}

// firstDiff describes where two images first differ.
func firstDiff(a, b image.Image) string {
	if a.Bounds() != b.Bounds() {
		return fmt.Sprintf(": bounds %v, %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ca, cb := a.At(x, y), b.At(x, y); ca != cb {
				return fmt.Sprintf(": at (%d,%d) %v, want %v", x, y, ca, cb)
			}
		}
	}
	if pa, ok := a.(*image.Paletted); ok {
		return fmt.Sprintf(": palettes of %d and %d", len(pa.Palette), len(b.(*image.Paletted).Palette))
	}
	return ""
}
