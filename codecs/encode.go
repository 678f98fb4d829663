package codecs

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
)

// EncodeOptions tune Encode.
type EncodeOptions struct {
	// Quality is 1–100 on the encoder's own scale (JPEG's, libwebp's,
	// libavif's); 0 means the format's default (DefaultQuality for JPEG).
	Quality int
	// Lossless asks for the lossless mode of a format that has one
	// (WebP); others ignore it.
	Lossless bool
	// Speed trades encoding time for size where the encoder has such a
	// setting (AVIF: 1 slowest and smallest … 10 fastest); 0 means the
	// encoder's default.
	Speed int
	// Compression is the PNG compression level; the zero value is
	// png.DefaultCompression.
	Compression png.CompressionLevel
	// Background is painted under transparent pixels when the format cannot
	// store alpha (JPEG); nil means white.
	Background color.Color
}

// DefaultQuality is the JPEG quality used when none is given.
const DefaultQuality = 85

// Encode writes img to w in format f. An image with transparency is
// flattened onto o.Background when f cannot store alpha. It returns an
// error matching ErrUnsupportedFormat when f has no encoder.
//
// JPEG: baseline 4:2:0 (grey for *image.Gray) by this module's own encoder
// (package codecs/jpeg, about 3× faster than image/jpeg at the same size and
// quality). Quality outside 1–100 is clamped. A fully opaque image (see
// Opaque) goes to the encoder as it is, without a copy; an opaque *image.NRGBA or
// *image.NYCbCrA is handed over as the *image.RGBA or *image.YCbCr it is
// equivalent to, sharing its pixels, so the encoder takes its fast path.
// Otherwise the image is composited over the background into a new
// *image.RGBA: straight-alpha sources (NRGBA, NYCbCrA, Paletted) are
// weighted by their alpha, premultiplied ones (RGBA) have the background
// added under them. A translucent Background is itself first composited
// over white; its alpha never reaches the file.
//
// PNG: lossless, alpha kept, at o.Compression; compression buffers are
// reused between calls.
func Encode(w io.Writer, img image.Image, f Format, o EncodeOptions) error {
	return EncodeContext(context.Background(), w, img, f, o)
}

// EncodeContext is Encode, stopped when ctx is done where the encoder can
// be (Codec.EncodeContext); the error then matches ctx.Err().
func EncodeContext(ctx context.Context, w io.Writer, img image.Image, f Format, o EncodeOptions) error {
	c, ok := Lookup(f)
	if !ok {
		return fmt.Errorf("codecs: encode %q: %w: not registered", f, ErrUnsupportedFormat)
	}
	if c.Encode == nil && c.EncodeContext == nil {
		return fmt.Errorf("codecs: encode %s: %w: decode only", f, ErrUnsupportedFormat)
	}
	if img == nil || img.Bounds().Empty() {
		return fmt.Errorf("codecs: encode %s: empty image", f)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("codecs: encode %s: %w", f, err)
	}
	var err error
	if c.EncodeContext != nil {
		err = c.EncodeContext(ctx, w, img, o)
	} else {
		err = c.Encode(w, img, o)
	}
	if err != nil {
		return fmt.Errorf("codecs: encode %s: %w", f, err)
	}
	return nil
}

// Opaque reports whether every pixel of img is fully opaque. It uses the
// image's own Opaque method where it has one.
//
// Otherwise it scans the pixels through At, stopping at the first one that
// is not fully opaque.
func Opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// jpegSource returns what to hand the JPEG encoder for img: img itself, or an
// equivalent view of it, when it is opaque; img flattened onto bg
// otherwise.
func jpegSource(img image.Image, bg color.Color) image.Image {
	if Opaque(img) {
		switch m := img.(type) {
		case *image.NRGBA:
			// Opaque straight alpha is premultiplied alpha.
			return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		case *image.NYCbCrA:
			return &m.YCbCr
		}
		return img
	}
	return flatten(img, bg)
}

// opaqueBackground returns bg composited over white, as 8-bit RGB; nil is
// white.
func opaqueBackground(bg color.Color) [3]uint32 {
	if bg == nil {
		return [3]uint32{0xff, 0xff, 0xff}
	}
	r, g, b, a := bg.RGBA() // premultiplied, 16-bit
	under := 0xffff - a     // white showing through
	return [3]uint32{(r + under) >> 8, (g + under) >> 8, (b + under) >> 8}
}

// over composites the straight-alpha colour c with alpha a over the opaque
// background channel bg, all 8-bit, rounding to nearest.
func over(c, a, bg uint32) uint8 {
	return uint8((c*a + bg*(255-a) + 127) / 255)
}

// flatten composites img over the opaque colour bg into a new *image.RGBA.
func flatten(img image.Image, bgc color.Color) *image.RGBA {
	bg := opaqueBackground(bgc)
	b := img.Bounds()
	dst := image.NewRGBA(b)
	w := b.Dx()
	row := func(y int) []uint8 { return dst.Pix[dst.PixOffset(b.Min.X, y):][:4*w] }
	switch m := img.(type) {
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			d, s := row(y), m.Pix[m.PixOffset(b.Min.X, y):][:4*w]
			for i := 0; i < len(s); i += 4 {
				a := uint32(s[i+3])
				d[i+0] = over(uint32(s[i+0]), a, bg[0])
				d[i+1] = over(uint32(s[i+1]), a, bg[1])
				d[i+2] = over(uint32(s[i+2]), a, bg[2])
				d[i+3] = 0xff
			}
		}
	case *image.RGBA:
		// Premultiplied: out = c + bg × (1 − a).
		for y := b.Min.Y; y < b.Max.Y; y++ {
			d, s := row(y), m.Pix[m.PixOffset(b.Min.X, y):][:4*w]
			for i := 0; i < len(s); i += 4 {
				under := 255 - uint32(s[i+3])
				for k := range 3 {
					d[i+k] = uint8(min(uint32(s[i+k])+(bg[k]*under+127)/255, 255))
				}
				d[i+3] = 0xff
			}
		}
	case *image.Paletted:
		lut := paletteOver(m.Palette, bg)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			d, s := row(y), m.Pix[m.PixOffset(b.Min.X, y):][:w]
			for x, idx := range s {
				c := lut[idx]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c[0], c[1], c[2], 0xff
			}
		}
	case *image.NYCbCrA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			d := row(y)
			for x := range w {
				px := b.Min.X + x
				ci := m.COffset(px, y)
				r, g, bl := color.YCbCrToRGB(m.Y[m.YOffset(px, y)], m.Cb[ci], m.Cr[ci])
				a := uint32(m.A[m.AOffset(px, y)])
				d[4*x+0] = over(uint32(r), a, bg[0])
				d[4*x+1] = over(uint32(g), a, bg[1])
				d[4*x+2] = over(uint32(bl), a, bg[2])
				d[4*x+3] = 0xff
			}
		}
	default:
		// Any other image, through At: premultiplied 16-bit values.
		var bg16 [3]uint32
		for k := range bg16 {
			bg16[k] = bg[k] * 0x101
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			d := row(y)
			for x := range w {
				r, g, bl, a := img.At(b.Min.X+x, y).RGBA()
				under := 0xffff - a
				for k, c := range [3]uint32{r, g, bl} {
					d[4*x+k] = uint8(min(c+(bg16[k]*under+0x7fff)/0xffff, 0xffff) >> 8)
				}
				d[4*x+3] = 0xff
			}
		}
	}
	return dst
}

// paletteOver flattens every palette entry over bg.
func paletteOver(p color.Palette, bg [3]uint32) *[256][3]uint8 {
	var lut [256][3]uint8
	for i := range lut {
		lut[i] = [3]uint8{uint8(bg[0]), uint8(bg[1]), uint8(bg[2])}
	}
	for i, c := range p {
		if i >= len(lut) {
			break
		}
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		a := uint32(n.A)
		lut[i] = [3]uint8{over(uint32(n.R), a, bg[0]), over(uint32(n.G), a, bg[1]), over(uint32(n.B), a, bg[2])}
	}
	return &lut
}
