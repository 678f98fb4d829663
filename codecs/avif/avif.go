// Package avif writes AVIF for blobimage's codecs registry; it registers an
// encoder for codecs.AVIF when imported (codecs.RegisterEncoder, so it
// stands beside codecs/heif, which reads AVIF):
//
//	import _ "github.com/blobimage/blobimage/codecs/avif"
//
// Encoding is libaom, by one of two engines (see Engine and EngineEnv):
// the system's library, which is libavif (1.1 or newer) when
// github.com/gen2brain/avif loads it, else libheif (1.15 or newer, this
// package's own purego binding of its encoding API; Debian 12 has it) with
// its AV1 encoder; else the WebAssembly build
// gen2brain/avif embeds (libavif 1.1.1, libaom 3.10.0, libyuv;
// single-threaded, without SIMD) run by wazero, bounded in memory
// (WasmMemory). Both take the same settings: libheif's quality maps to
// libaom's cq-level as libavif's does (TestEncodeMatchesAvifenc holds
// each engine's output within 5% of avifenc's size and 0.3 dB of its
// PSNR).
//
// Output: a still 8-bit AVIF, 4:2:0, BT.601 samples at full range, colour
// primaries and transfer unspecified (read as sRGB), the matrix written as
// BT.601 (6) by libheif and as unspecified (2, read as BT.601) by the
// WebAssembly build; alpha, when the image has any, in an auxiliary image
// coded losslessly, as avifenc and cwebp do by default. Quality is
// libavif's 0–100 scale (quantizer ((100−q)·63+50)/100, libaom's cq-level
// in its constant-quality mode, tuned for SSIM), default 63 as imgproxy's;
// speed is libaom's, 1 (slowest, smallest) to 10, default 9 (see
// DefaultSpeed; libheif takes at most 9, as libavif gives libaom).
// EncodeOptions.Lossless is ignored: a lossless AVIF needs 4:4:4 and an
// identity matrix, which the embedded build is not set up to write.
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
