package variants

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/png"
	"reflect"
	"testing"

	pngcodec "github.com/blobimage/blobimage/codecs/png"
)

// TestBoxReducePNGScaled checks the contract codecs/png's DecodeScaled
// keeps with boxReduce: decoding a PNG at 1/k gives the very image that
// boxReduce makes of the full decode, for each image type image/png writes.
func TestBoxReducePNGScaled(t *testing.T) {
	r := image.Rect(0, 0, 37, 29)
	at := func(x, y int) (uint8, uint8, uint8, uint8) {
		return uint8(x*7 + y), uint8(x * y), uint8(200 - 3*y), uint8(x*x + 5*y)
	}
	gray, rgba, nrgba := image.NewGray(r), image.NewRGBA(r), image.NewNRGBA(r)
	gray16, rgba64, nrgba64 := image.NewGray16(r), image.NewRGBA64(r), image.NewNRGBA64(r)
	pal := make(color.Palette, 256)
	for i := range pal {
		c := palette.Plan9[i].(color.RGBA)
		pal[i] = color.NRGBA{c.R, c.G, c.B, uint8(i * 37)}
	}
	pm := image.NewPaletted(r, pal)
	for y := range 29 {
		for x := range 37 {
			R, G, B, A := at(x, y)
			gray.SetGray(x, y, color.Gray{R})
			rgba.SetRGBA(x, y, color.RGBA{R, G, B, 255})
			nrgba.SetNRGBA(x, y, color.NRGBA{R, G, B, A})
			gray16.SetGray16(x, y, color.Gray16{uint16(R)<<8 | uint16(G)})
			rgba64.SetRGBA64(x, y, color.RGBA64{uint16(R) << 8, uint16(G)<<8 | 3, uint16(B), 0xffff})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(R)<<8 | 0x80, uint16(G) << 8, uint16(B) << 4, uint16(A)<<8 | uint16(R)})
			pm.SetColorIndex(x, y, R^G)
		}
	}
	for _, src := range []image.Image{gray, rgba, nrgba, gray16, rgba64, nrgba64, pm} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, src); err != nil {
			t.Fatal(err)
		}
		full, err := pngcodec.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{2, 4, 8} {
			got, err := pngcodec.DecodeScaled(bytes.NewReader(buf.Bytes()), k)
			if err != nil {
				t.Fatal(err)
			}
			if want := boxReduce(full, k); !reflect.DeepEqual(got, want) {
				t.Errorf("%T (decoded as %T) at 1/%d: DecodeScaled differs from boxReduce", src, full, k)
			}
		}
	}
}
