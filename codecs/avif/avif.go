// Package avif writes AVIF for blobimage's codecs registry; it registers an
// encoder for codecs.AVIF when imported (codecs.RegisterEncoder, so it
// stands beside codecs/heif, which reads AVIF):
//
//	import _ "github.com/blobimage/blobimage/codecs/avif"
//
// Encoding is libavif with libaom, by one of two engines (see Engine and
// EngineEnv): the system's libavif (1.1 or newer) when
// github.com/gen2brain/avif loads it, else the WebAssembly build that
// module embeds (libavif 1.1.1, libaom 3.10.0, libyuv; single-threaded,
// without SIMD) run by wazero, bounded in memory (WasmMemory) and stopped
// by the context.
//
// Output: a still 8-bit AVIF, 4:2:0, BT.601 matrix, full range, colour
// primaries and transfer unspecified (read as sRGB); alpha, when the image
// has any, in an auxiliary image coded losslessly, as avifenc and cwebp do
// by default. Quality is libavif's 0–100 scale (quantizer
// ((100−q)·63+50)/100, libaom's cq-level in its constant-quality mode,
// tuned for SSIM), default 63 as imgproxy's; speed is libaom's, 1 (slowest,
// smallest) to 10, default 9 (see DefaultSpeed). EncodeOptions.Lossless is
// ignored: a lossless AVIF needs 4:4:4 and an identity matrix, which the
// embedded build is not set up to write.
package avif

import "github.com/blobimage/blobimage/codecs"

func init() {
	codecs.RegisterEncoder(codecs.Encoder{
		Format:        codecs.AVIF,
		MediaType:     "image/avif",
		Ext:           ".avif",
		Encode:        Encode,
		EncodeContext: EncodeContext,
	})
}
