package codecs

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"sync"

	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
)

// The default codecs. JPEG is read and written by codecs/jpeg (with scaled
// decoding); each other decoder is the format's own package function;
// the image package's registry (which other imports may have extended with
// TIFF or BMP) is never consulted. WebP is registered by codecs/webp.
func init() {
	jpegCodec := Codec{
		Format:       JPEG,
		MediaType:    "image/jpeg",
		Ext:          ".jpg",
		Match:        matchJPEG,
		DecodeConfig: jpegcodec.DecodeConfig,
		Decode:       jpegcodec.Decode,
		DecodeScaled: jpegcodec.DecodeScaled,
		Encode:       encodeJPEG,
	}
	accelerateJPEG(&jpegCodec)
	Register(jpegCodec)
	Register(Codec{
		Format:       PNG,
		MediaType:    "image/png",
		Ext:          ".png",
		Match:        matchPNG,
		DecodeConfig: png.DecodeConfig,
		Decode:       png.Decode,
		Encode:       encodePNG,
	})
	Register(Codec{
		Format:       GIF,
		MediaType:    "image/gif",
		Ext:          ".gif",
		Match:        matchGIF,
		DecodeConfig: gif.DecodeConfig,
		Decode:       decodeGIF,
	})
}

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
)

// matchJPEG matches the SOI marker followed by the first byte of the next
// marker.
func matchJPEG(head []byte) bool {
	return len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF
}

// matchPNG matches the 8-byte PNG signature.
func matchPNG(head []byte) bool { return bytes.HasPrefix(head, pngSignature) }

// matchGIF matches both GIF versions.
func matchGIF(head []byte) bool {
	return bytes.HasPrefix(head, []byte("GIF87a")) || bytes.HasPrefix(head, []byte("GIF89a"))
}

// screenRecorder keeps the first bytes read through it: the GIF header and
// the start of the logical screen descriptor.
type screenRecorder struct {
	r    io.Reader
	head [10]byte
	n    int
}

func (s *screenRecorder) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.n < len(s.head) {
		s.n += copy(s.head[s.n:], p[:n])
	}
	return n, err
}

// decodeGIF decodes the first frame of a GIF and, when the frame does not
// cover the logical screen, places it at its offset on a transparent canvas
// of the screen's size: an *image.Paletted when the palette has or can take
// a transparent entry, an *image.NRGBA otherwise.
func decodeGIF(r io.Reader) (image.Image, error) {
	rec := &screenRecorder{r: r}
	m, err := gif.Decode(rec)
	if err != nil {
		return nil, err
	}
	if rec.n < len(rec.head) {
		return nil, fmt.Errorf("gif: short header")
	}
	w := int(rec.head[6]) | int(rec.head[7])<<8
	h := int(rec.head[8]) | int(rec.head[9])<<8
	screen := image.Rect(0, 0, w, h)
	frame, ok := m.(*image.Paletted)
	if !ok || frame.Rect == screen {
		return m, nil
	}
	if !frame.Rect.In(screen) {
		return nil, fmt.Errorf("gif: frame %v outside the logical screen %dx%d", frame.Rect, w, h)
	}
	return gifCanvas(frame, screen), nil
}

// gifCanvas draws frame onto a transparent canvas covering screen.
func gifCanvas(frame *image.Paletted, screen image.Rectangle) image.Image {
	pal := frame.Palette
	ti := -1
	for i, c := range pal {
		if _, _, _, a := c.RGBA(); a == 0 {
			ti = i
			break
		}
	}
	if ti < 0 && len(pal) < 256 {
		pal = append(pal[:len(pal):len(pal)], color.RGBA{})
		ti = len(pal) - 1
	}
	fr := frame.Rect
	if ti >= 0 {
		c := image.NewPaletted(screen, pal)
		if ti != 0 {
			for i := range c.Pix {
				c.Pix[i] = uint8(ti)
			}
		}
		for y := fr.Min.Y; y < fr.Max.Y; y++ {
			copy(c.Pix[c.PixOffset(fr.Min.X, y):c.PixOffset(fr.Max.X, y)],
				frame.Pix[frame.PixOffset(fr.Min.X, y):frame.PixOffset(fr.Max.X, y)])
		}
		return c
	}
	// A full palette of opaque colours: no index is free for transparency.
	var lut [256]color.NRGBA
	for i, c := range pal {
		lut[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
	}
	c := image.NewNRGBA(screen)
	for y := fr.Min.Y; y < fr.Max.Y; y++ {
		src := frame.Pix[frame.PixOffset(fr.Min.X, y):frame.PixOffset(fr.Max.X, y)]
		dst := c.Pix[c.PixOffset(fr.Min.X, y):]
		for x, idx := range src {
			p := lut[idx]
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = p.R, p.G, p.B, p.A
		}
	}
	return c
}

// pngBuffers lets successive PNG encodes reuse their compression buffers.
type pngBuffers struct{ p sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *pngBuffers) Put(e *png.EncoderBuffer) { b.p.Put(e) }

var pngPool = &pngBuffers{}

func encodePNG(w io.Writer, img image.Image, o EncodeOptions) error {
	enc := png.Encoder{CompressionLevel: o.Compression, BufferPool: pngPool}
	return enc.Encode(w, img)
}

func encodeJPEG(w io.Writer, img image.Image, o EncodeOptions) error {
	return jpegcodec.Encode(w, jpegSource(img, o.Background), &jpegcodec.Options{Quality: jpegQuality(o.Quality)})
}

// jpegQuality is the JPEG quality for EncodeOptions.Quality q: 0 means
// DefaultQuality, and values are clamped to 1–100.
func jpegQuality(q int) int {
	if q == 0 {
		return DefaultQuality
	}
	return min(max(q, 1), 100)
}
