// Package webp reads and writes WebP for blobimage's codecs registry; it
// registers codecs.WebP when imported:
//
//	import _ "github.com/blobimage/blobimage/codecs/webp"
//
// Decoding is golang.org/x/image/webp's (pure Go), except that a lossy
// still without alpha, the WebP of photographs, goes to the system's
// libwebp where it loads (unix, libwebp 1.0 or later), about three times
// as fast, with the same samples on the files encoders make (Decode,
// DecodeEngine). A lossy (VP8)
// picture is returned as an image.YCbCr (NYCbCrA with alpha) whose
// samples are brought from VP8's limited range (Y' 16–235, chroma 16–240)
// to the full range image.YCbCr means, so its pixels are the ones
// libwebp's own decoder (dwebp) produces, up to rounding and chroma
// upsampling; without that step a lossy WebP loses about 14% of its
// contrast.
//
// An animated WebP decodes (Decode) to a still image of its first frame on
// the animation's canvas, as Pillow, libvips and imgproxy give it; its
// frames are counted from the container (codecs.Info.Frames), and
// codecs.DecodeAll gives every frame composited as libwebp's
// WebPAnimDecoder composites them (see anim.go and animdecode.go). A
// container that libwebp's demuxer refuses is refused whichever frame is
// broken, as Pillow, libvips and browsers refuse it; a file cut short
// keeps its whole frames, and a later frame whose bitstream is damaged
// ends the animation there, as browsers show such files (libwebp's
// animation decoder, and Pillow, fail the whole animation). The first
// frame cut short or damaged is ErrCorrupt. codecs.EncodeAll writes an
// animated WebP (EncodeAll).
//
// Encoding is libwebp's, by one of two engines (see Engine and EngineEnv):
// the system's libwebp when it is loaded (dynamically linked binaries),
// else its WebAssembly build run by wazero, bounded in memory (WasmMemory)
// and stopped by the context. Options: quality 1–100 on libwebp's scale
// (default 75, as cwebp and libvips), lossless, and a speed mapped to
// libwebp's method (default 4, as cwebp).
package webp

import "github.com/blobimage/blobimage/codecs"

func init() {
	codecs.Register(codecs.Codec{
		Format:        codecs.WebP,
		MediaType:     "image/webp",
		Ext:           ".webp",
		Match:         match,
		DecodeConfig:  DecodeConfig,
		Decode:        Decode,
		Memory:        memory,
		Encode:        Encode,
		EncodeContext: EncodeContext,
		Frames:        frameCount,
		DecodeAll:     decodeAll,
		EncodeAll:     EncodeAll,
	})
}
