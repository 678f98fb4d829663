package codecs

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"

	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
	pngcodec "github.com/blobimage/blobimage/codecs/png"
)

// The default codecs. JPEG is read and written by codecs/jpeg and PNG is
// read by codecs/png (both with scaled decoding); each other decoder is
// the format's own package function; the image package's registry (which
// other imports may have extended with TIFF or BMP) is never consulted.
// WebP is registered by codecs/webp.
func init() {
	jpegCodec := Codec{
		Format:       JPEG,
		MediaType:    "image/jpeg",
		Ext:          ".jpg",
		Match:        matchJPEG,
		DecodeConfig: jpegcodec.DecodeConfig,
		Decode:       jpegcodec.Decode,
		DecodeScaled: jpegcodec.DecodeResize,
		DecodeStrips: decodeJPEGStrips,
		Encode:       encodeJPEG,
	}
	accelerateJPEG(&jpegCodec)
	Register(jpegCodec)
	Register(Codec{
		Format:    PNG,
		MediaType: "image/png",
		Ext:       ".png",
		Match:     matchPNG,
		DecodeConfig: func(r io.Reader) (image.Config, error) {
			cfg, err := pngcodec.DecodeConfig(r)
			return cfg, pngError(err)
		},
		Decode: func(r io.Reader) (image.Image, error) {
			img, err := pngcodec.Decode(r)
			return img, pngError(err)
		},
		DecodeScaled: func(r io.Reader, denom int) (image.Image, error) {
			img, err := pngcodec.DecodeScaled(r, denom)
			return img, pngError(err)
		},
		Memory: pngMemory,
		Encode: encodePNG,
	})
	Register(Codec{
		Format:       GIF,
		MediaType:    "image/gif",
		Ext:          ".gif",
		Match:        matchGIF,
		DecodeConfig: decodeGIFConfig,
		Decode:       decodeGIF,
		Frames:       gifFrames,
		DecodeAll:    decodeGIFAll,
		EncodeAll:    encodeGIFAll,
		Encode:       encodeGIF,
	})
}

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
)

// pngError classifies codecs/png's UnsupportedError (a colour type and
// depth that PNG does not define, an unknown compression or filter method)
// as ErrUnsupportedFormat; classify makes every other error ErrCorrupt.
func pngError(err error) error {
	var u pngcodec.UnsupportedError
	if errors.As(err, &u) {
		return fmt.Errorf("%w: %w", ErrUnsupportedFormat, err)
	}
	return err
}

// pngMemory is the memory estimate of an interlaced PNG: its full size
// (plus the reduced image), at every scale, since DecodeScaled decodes the
// Adam7 passes into the full image before reducing it. It is 0, the
// estimate by colour model, for the others, which DecodeScaled streams.
func pngMemory(data []byte, cfg image.Config) int64 {
	const interlaceByte = len("\x89PNG\r\n\x1a\n") + 8 + 12 // in IHDR
	if len(data) <= interlaceByte || data[interlaceByte] != 1 {
		return 0
	}
	m := Info{Width: cfg.Width, Height: cfg.Height, ColorModel: cfg.ColorModel}.DecodeMemory()
	return m + m/4
}

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

// decodeJPEGStrips is codecs/jpeg's DecodeResizeStrips (the strips of
// DecodeResize's picture), its ErrNoStrips reported as the package's.
func decodeJPEGStrips(r io.Reader, denom int, emit func(image.Image) error) error {
	err := jpegcodec.DecodeResizeStrips(r, denom, emit)
	if errors.Is(err, jpegcodec.ErrNoStrips) {
		return fmt.Errorf("%w: %w", ErrNoStrips, err)
	}
	return err
}
