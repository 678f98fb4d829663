// Package codecs is blobimage's registry of image formats: it recognises
// formats by their magic bytes, reads headers before any pixel is allocated,
// decodes within limits, and encodes with a quality setting.
//
// It is modelled on the standard library's image registry, with three
// differences that matter for untrusted uploads:
//
//   - Sniff looks at content only. File names and declared content types are
//     never consulted.
//   - Decode always calls the registered format's own decoder, never
//     image.Decode, so formats registered with the image package by other
//     imports (disintegration/imaging registers TIFF and BMP) stay refused.
//   - Decode checks the header against Limits with DecodeConfig first, turns a
//     decoder panic into ErrCorrupt, and feeds the decoder through a reader
//     that stops when the context is done.
//
// The formats registered by this package are JPEG, PNG and GIF (Decode
// gives the first frame; DecodeAll and EncodeAll the whole animation, see
// Animation). Other formats live in sub-packages that register themselves when
// imported, as image/png does with the image package: codecs/webp (WebP),
// codecs/heif (HEIC, HEIF and AVIF decoding) and codecs/avif (AVIF
// encoding). Register replaces a format's codec, so a faster decoder can be
// plugged in without touching callers; RegisterEncoder adds an encoder for a
// format apart from its decoder, so a format's reading and writing may live
// in different packages.
package codecs

import (
	"context"
	"image"
	"io"
	"sort"
	"sync"
)

// Format names an image format. Its values are the short lower-case names
// used in configuration files and in ImageFile JSON: "jpeg", "png", "gif",
// "webp", "heic", "heif", "avif".
type Format string

// The formats blobimage knows. Which of them can be read and written is
// what is registered (Lookup, CanEncode).
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	// HEIC is HEIF whose primary image is coded with HEVC (H.265): what
	// phones write.
	HEIC Format = "heic"
	// HEIF is HEIF with another coding of its primary image.
	HEIF Format = "heif"
	// AVIF is HEIF whose primary image is coded with AV1.
	AVIF Format = "avif"
)

// Codec describes one registered format.
type Codec struct {
	// Format is the format's short name.
	Format Format
	// MediaType is its IANA media type, e.g. "image/jpeg".
	MediaType string
	// Ext is the usual file extension, with its dot, e.g. ".jpg".
	Ext string
	// Match reports whether head, the first bytes of a file (at least
	// SniffLen of them when the file is that long), starts with this
	// format's signature.
	Match func(head []byte) bool
	// DecodeConfig reads the header: the dimensions and colour model,
	// without decoding pixels.
	DecodeConfig func(r io.Reader) (image.Config, error)
	// Decode decodes the image (the first frame of an animation).
	Decode func(r io.Reader) (image.Image, error)
	// DecodeScaled, when set, decodes the image at 1/denom of its size
	// (denom 2, 4 or 8), to bounds ScaledSize(width, height, denom), for
	// less work and memory than Decode (JPEG: by inverse DCTs of the
	// low-frequency coefficients only). DecodeReduced uses it, for a
	// picture that is then shrunk by at least 2 (variants.Need), so its
	// chroma may be coarser than Decode's at that scale, down to half the
	// luma's resolution (JPEG: a 4:4:4 baseline file comes back 4:2:0;
	// see codecs/jpeg.DecodeResize).
	DecodeScaled func(r io.Reader, denom int) (image.Image, error)
	// DecodeStrips, when set, decodes the picture DecodeScaled(r, denom)
	// (Decode's for denom 1) would return, but hands it to emit in
	// horizontal strips, top to bottom, each an *image.YCbCr or
	// *image.Gray whose bounds start where the previous strip's ended,
	// so that the whole picture is never held; a strip's pixels may be
	// reused once emit returns. It returns an error matching ErrNoStrips,
	// before emit is called, for an image it cannot deliver so (JPEG: a
	// progressive or multi-scan file). DecodeStrips of the package calls
	// it.
	DecodeStrips func(r io.Reader, denom int, emit func(strip image.Image) error) error
	// StripsMinPixels, when set, is the size in pixels (width × height)
	// below which a picture is not decoded in strips but whole, for a
	// codec whose whole decode is faster (see DecodesInStrips).
	StripsMinPixels int
	// Encode writes img in this format. It is nil for formats that can be
	// read but not written.
	Encode func(w io.Writer, img image.Image, o EncodeOptions) error

	// DecodeContext, when set, decodes instead of Decode: it gets the whole
	// file, the Info that Probe made of it, and a context that must stop
	// it when done. It is for decoders that read their input at once and
	// work long after (the WebAssembly builds of C libraries), which a
	// reader checking the context cannot stop; they are expected to keep
	// within i.Memory bytes and to fail with an error matching ErrTooLarge
	// when the input needs more.
	DecodeContext func(ctx context.Context, data []byte, i Info) (image.Image, error)
	// EncodeContext, when set, encodes instead of Encode and stops when
	// ctx is done: for slow encoders (AVIF).
	EncodeContext func(ctx context.Context, w io.Writer, img image.Image, o EncodeOptions) error
	// Memory, when set, estimates the bytes the decoder needs for data,
	// whose header DecodeConfig read as cfg; it replaces Info.DecodeMemory's
	// estimate by colour model (see Info.Memory).
	Memory func(data []byte, cfg image.Config) int64
	// TimeScale multiplies Limits.DecodeTimeout for this format's
	// decoder; 0 or 1 leaves it as it is. The WebAssembly decoders run
	// 10–15 times slower than native code, and a 12 MP phone photo would
	// not decode within the 10 s that fit every native decoder.
	TimeScale int
	// Oriented reports a container that carries its own orientation and
	// a decoder that applies it (HEIF's irot, imir and clap): DecodeConfig
	// reports the displayed size and the decoded image is upright, so an
	// EXIF orientation inside the file describes it but must not be
	// applied again (Info.Oriented).
	Oriented bool
	// Frames, when set, counts the frames of an animation from the
	// container alone, without decoding any (Info.Frames); a file it
	// cannot walk to the end counts the frames it reached, at least 1.
	Frames func(data []byte) int
	// DecodeAll, when set, decodes every frame of an animation as it is
	// displayed (see Animation), for the Info Probe made of data (its
	// Frames counted, the limits checked for all of them). It must stop
	// when ctx is done and keep within AnimationMemory of the canvas and
	// frame count. DecodeAll of the package calls it.
	DecodeAll func(ctx context.Context, data []byte, i Info, lim Limits) (*Animation, error)
	// EncodeAll, when set, writes an animation (EncodeAll of the package).
	EncodeAll func(ctx context.Context, w io.Writer, a *Animation, o EncodeOptions) error
}

// SniffLen is how many leading bytes Sniff needs to recognise every format
// it knows.
const SniffLen = 64

var (
	registryMu sync.RWMutex
	registry   = map[Format]Codec{}
	encoders   = map[Format]Encoder{}
)

// Register adds c to the registry, replacing any codec registered for the
// same Format. It panics if c has no Format, Match, DecodeConfig, or Decode
// or DecodeContext.
func Register(c Codec) {
	if c.Format == "" || c.Match == nil || c.DecodeConfig == nil || (c.Decode == nil && c.DecodeContext == nil) {
		panic("codecs: Register needs Format, Match, DecodeConfig, and Decode or DecodeContext")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[c.Format] = c
}

// Encoder is an encoder registered for a format apart from its decoder,
// with RegisterEncoder: for a format one package writes and another reads
// (codecs/avif writes AVIF, codecs/heif reads it), so that neither
// registration overwrites the other.
type Encoder struct {
	// Format is the format written.
	Format Format
	// MediaType and Ext describe the format while no decoder is
	// registered for it (see Codec); a registered decoder's own are kept.
	MediaType string
	Ext       string
	// Encode and EncodeContext are as in Codec; at least one is set.
	Encode        func(w io.Writer, img image.Image, o EncodeOptions) error
	EncodeContext func(ctx context.Context, w io.Writer, img image.Image, o EncodeOptions) error
	// EncodeAll, when set, writes animations, as in Codec.
	EncodeAll func(ctx context.Context, w io.Writer, a *Animation, o EncodeOptions) error
}

// RegisterEncoder adds e to the registry, replacing any encoder registered
// for the same Format with RegisterEncoder. Lookup merges it with the codec
// that Register registered for the format, if any: e's Encode and
// EncodeContext take the place of the codec's own. A format with an encoder
// and no decoder can be written but is not recognised by Sniff, so it is
// never decoded. RegisterEncoder panics if e has no Format, MediaType or
// Ext, or neither Encode nor EncodeContext.
func RegisterEncoder(e Encoder) {
	if e.Format == "" || e.MediaType == "" || e.Ext == "" || (e.Encode == nil && e.EncodeContext == nil) {
		panic("codecs: RegisterEncoder needs Format, MediaType, Ext, and Encode or EncodeContext")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	encoders[e.Format] = e
}

// Lookup returns the codec registered for f: the decoder that Register
// registered, with the encoder of RegisterEncoder in place of its own when
// there is one. For a format that has only an encoder, the codec has
// Format, MediaType, Ext and the encoder's functions, and no Match or
// decoder.
func Lookup(f Format) (Codec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	c, dec := registry[f]
	e, enc := encoders[f]
	switch {
	case !dec && !enc:
		return Codec{}, false
	case !dec:
		c = Codec{Format: f, MediaType: e.MediaType, Ext: e.Ext}
	}
	if enc {
		c.Encode, c.EncodeContext = e.Encode, e.EncodeContext
		if e.EncodeAll != nil {
			c.EncodeAll = e.EncodeAll
		}
	}
	return c, true
}

// Formats returns the registered formats, read or written, in alphabetical
// order.
func Formats() []Format {
	registryMu.RLock()
	defer registryMu.RUnlock()
	fs := make([]Format, 0, len(registry)+len(encoders))
	for f := range registry {
		fs = append(fs, f)
	}
	for f := range encoders {
		if _, dup := registry[f]; !dup {
			fs = append(fs, f)
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i] < fs[j] })
	return fs
}

// CanEncode reports whether f is registered with an encoder.
func CanEncode(f Format) bool {
	c, ok := Lookup(f)
	return ok && (c.Encode != nil || c.EncodeContext != nil)
}

// MediaType returns the media type of a registered format, or "" if f is not
// registered.
func (f Format) MediaType() string {
	c, _ := Lookup(f)
	return c.MediaType
}

// Ext returns the usual file extension of a registered format, with its dot,
// or "" if f is not registered.
func (f Format) Ext() string {
	c, _ := Lookup(f)
	return c.Ext
}
