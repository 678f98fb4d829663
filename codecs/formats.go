package codecs

import (
	"bytes"
	"image"
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
