package png

import (
	"bytes"
	"image"
	"image/draw"
	"reflect"
	"testing"
)

// boxReduce is the reduction DecodeScaled must match, written the plain
// way after variants' box reduction: *image.Gray and *image.RGBA stay as
// they are, each channel the mean of the block rounded to nearest; every
// other image is converted to *image.NRGBA with draw.Draw and averaged
// with alpha weights, its alpha the rounded mean.
func boxReduce(img image.Image, k int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	W, H := (w+k-1)/k, (h+k-1)/k
	var src []byte
	var c int
	var out image.Image
	var pix []byte
	switch m := img.(type) {
	case *image.Gray:
		src, c = m.Pix, 1
		o := image.NewGray(image.Rect(0, 0, W, H))
		out, pix = o, o.Pix
	case *image.RGBA:
		src, c = m.Pix, 4
		o := image.NewRGBA(image.Rect(0, 0, W, H))
		out, pix = o, o.Pix
	default:
		n := image.NewNRGBA(b)
		draw.Draw(n, b, img, b.Min, draw.Src)
		o := image.NewNRGBA(image.Rect(0, 0, W, H))
		src, out, pix = n.Pix, o, o.Pix
	}
	for Y := range H {
		for X := range W {
			var sum [4]uint64
			var n uint64
			for y := Y * k; y < min(Y*k+k, h); y++ {
				for x := X * k; x < min(X*k+k, w); x++ {
					n++
					if c != 0 {
						for j := range c {
							sum[j] += uint64(src[(y*w+x)*c+j])
						}
						continue
					}
					p := src[(y*w+x)*4:]
					a := uint64(p[3])
					sum[3] += a
					for j := range 3 {
						sum[j] += uint64(p[j]) * a
					}
				}
			}
			if c != 0 {
				for j := range c {
					pix[(Y*W+X)*c+j] = uint8((sum[j] + n/2) / n)
				}
				continue
			}
			o := pix[(Y*W+X)*4:]
			if sum[3] == 0 {
				continue
			}
			for j := range 3 {
				o[j] = uint8((sum[j] + sum[3]/2) / sum[3])
			}
			o[3] = uint8((sum[3] + n/2) / n)
		}
	}
	return out
}

// TestDecodeScaledMatrix checks DecodeScaled at 1/2, 1/4 and 1/8 against
// the box reduction of Decode's image, pixel for pixel, on every colour
// type, depth, tRNS, filter and interlacing, through readers with and
// without a Len method.
func TestDecodeScaledMatrix(t *testing.T) {
	for _, p := range matrix() {
		data := p.encode()
		full, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		for _, k := range []int{2, 4, 8} {
			want := boxReduce(full, k)
			for _, r := range []interface{ Read([]byte) (int, error) }{bytes.NewReader(data), &plainReader{data: data}} {
				got, err := DecodeScaled(r, k)
				if err != nil {
					t.Fatalf("%v 1/%d: %v", p, k, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%v 1/%d: %T differs from the box reduction's %T%s", p, k, got, want, firstDiff(got, want))
				}
			}
		}
	}
}

func TestDecodeScaledDenominators(t *testing.T) {
	data := testPNG{w: 9, h: 7, colorType: ctRGB, depth: 8, filter: -1, seed: 3}.encode()
	for _, k := range []int{0, 3, 16, -2} {
		if _, err := DecodeScaled(bytes.NewReader(data), k); err == nil {
			t.Errorf("DecodeScaled(%d): no error", k)
		}
	}
	a, err := DecodeScaled(bytes.NewReader(data), 1)
	b, _ := Decode(bytes.NewReader(data))
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("DecodeScaled(1) is not Decode: %v", err)
	}
}
