package blobimage

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/blobimage/blobimage/thumbhash"
	"github.com/blobimage/blobimage/variants"
)

// A page paints something before an image's bytes arrive: every manifest
// carries a ThumbHash of the displayed picture and its average colour
// (ImageFile.Placeholder and Color). Both come from one more rendering in
// the write's own render: the whole picture fitted within
// thumbhash.MaxSide, which variants.RenderStored makes from the smallest
// adequate image the write already has (a variant, or the decoded source
// box-reduced), so an upload is never decoded twice for it.

// placeholderSpec is the rendering the placeholder is made from. Its name
// is never a variant's key: it is not written anywhere.
var placeholderSpec = variants.Spec{
	Name:       "placeholder",
	Processors: []variants.Processor{variants.Fit{Width: thumbhash.MaxSide, Height: thumbhash.MaxSide}},
}

// placeholder is what the manifest records of the placeholder rendering.
type placeholder struct {
	hash  []byte      // the ThumbHash
	color color.NRGBA // the average colour, opaque
}

// makePlaceholder summarises img, the placeholder rendering.
func makePlaceholder(img image.Image) (placeholder, error) {
	m := toNRGBA(img)
	hash, err := thumbhash.Encode(m)
	if err != nil {
		return placeholder{}, err
	}
	return placeholder{hash: hash, color: averageColor(m)}, nil
}

// toNRGBA returns img as an *image.NRGBA, converting it once (the
// rendering is at most thumbhash.MaxSide square) so that the hash and the
// average read its bytes directly.
func toNRGBA(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok {
		return m
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	at := func(x, y int) color.NRGBA { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) }
	if m, ok := img.(*image.YCbCr); ok { // a JPEG's rendering: no allocation per pixel
		at = func(x, y int) color.NRGBA {
			yc := m.YCbCrAt(x, y)
			r, g, b := color.YCbCrToRGB(yc.Y, yc.Cb, yc.Cr)
			return color.NRGBA{R: r, G: g, B: b, A: 255}
		}
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetNRGBA(x, y, at(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// averageColor is the mean of img's sRGB values, weighted by alpha so that
// the colour of transparent pixels does not count; a picture with no
// visible pixel averages its colours plainly.
func averageColor(img *image.NRGBA) color.NRGBA {
	b := img.Bounds()
	var r, g, bl, a, pr, pg, pb float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):][:4*b.Dx()]
		for i := 0; i < len(row); i += 4 {
			w := float64(row[i+3])
			r += w * float64(row[i])
			g += w * float64(row[i+1])
			bl += w * float64(row[i+2])
			a += w
			pr += float64(row[i])
			pg += float64(row[i+1])
			pb += float64(row[i+2])
		}
	}
	if a == 0 {
		n := float64(max(1, b.Dx()*b.Dy()))
		r, g, bl, a = pr/n*255, pg/n*255, pb/n*255, 255
	}
	round := func(v float64) uint8 { return uint8(min(255, v/a+0.5)) }
	return color.NRGBA{R: round(r), G: round(g), B: round(bl), A: 255}
}

// hexColor writes c as "#rrggbb".
func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// parseHexColor reads "rrggbb" (the manifest's form, without '#').
func parseHexColor(s string) (color.NRGBA, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 3 || strings.ToLower(s) != s {
		return color.NRGBA{}, false
	}
	return color.NRGBA{R: b[0], G: b[1], B: b[2], A: 255}, true
}

// placeholderString is the ImageFile form of a hash: standard base64, as
// the published ThumbHash decoders take it.
func placeholderString(hash []byte) string {
	if len(hash) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(hash)
}
