// Package jpeg encodes and decodes JPEG images (ITU T.81).
//
// # Decoding
//
// Decode, DecodeConfig and DecodeScaled read the DCT processes of ITU
// T.81 with 8-bit samples, Huffman- or arithmetic-coded:
//
//   - baseline sequential (SOF0) and extended sequential (SOF1, and SOF9
//     arithmetic-coded), with interleaved or non-interleaved scans spread
//     over any number of scans;
//   - progressive (SOF2, and SOF10 arithmetic-coded): spectral selection
//     and successive approximation, first and refinement scans of DC and
//     AC coefficients, end-of-band runs;
//   - arithmetic coding (Annex D, F.1.4.4, F.2.4, G.1.3) with the
//     conditioning of DAC segments; like libjpeg, 16 conditioning tables
//     of each class (T.81 has 4) and any value of Kx;
//   - restart intervals (DRI, RST0–RST7), fill bytes before markers, byte
//     stuffing, Huffman and quantisation tables (8- or 16-bit) redefined
//     between scans;
//   - Huffman tables 0 and 1 that no DHT segment defines are the typical
//     tables of ITU T.81 K.3, as in libjpeg: Motion-JPEG frames leave out
//     their DHT segments;
//   - a height of 0 in the frame header, with the height in a DNL segment
//     after the first scan (B.2.5), as scanners write; libjpeg refuses
//     such files. Other DNL segments are ignored, as in libjpeg;
//   - one component (gray), three (YCbCr, or RGB when an Adobe APP14 segment
//     says transform 0 or the component ids are 'R', 'G', 'B') and four
//     (Adobe CMYK, or YCCK when the APP14 transform is not 0), each with
//     sampling factors 1 to 4.
//
// The lossless (SOF3, SOF7, SOF11, SOF15) and hierarchical (SOF5, SOF6,
// SOF13, SOF14) processes and 12-bit samples are refused with an
// UnsupportedError.
//
// The output types are those of the standard library's image/jpeg:
// *image.Gray for one component; *image.YCbCr for YCbCr whose chroma
// subsampling is 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1 or 4:1:0, and *image.RGBA
// for RGB and for YCbCr with any other sampling (chroma is then upsampled by
// repetition); *image.CMYK for four components. The full-size inverse DCT
// is libjpeg's integer one (islow), so the samples of a plane (gray, or
// Y, Cb and Cr) are djpeg's own; converted ones agree with image/jpeg's to
// within one level (the two inverse DCTs round differently), which YCCK's
// conversion to CMYK can make up to three.
//
// # Scaled decoding
//
// DecodeScaled(r, n) for n = 2, 4 or 8 decodes the image at 1/n of its size
// in each direction, in the DCT domain: each 8×8 block of coefficients
// becomes a k×k block of samples, k = 8/n, computed from only the k×k
// lowest-frequency coefficients of the block. Each output sample is the
// average of the n×n pixels it covers in the picture those low frequencies
// describe (the reduced inverse DCT includes the box filter's attenuation
// of each frequency), so the result is close to a box-filtered full decode;
// at 1/8 it is exactly the block's DC value. The entropy decoding still
// reads every coefficient, but the inverse DCT and the colour planes are
// 1/n² of the full-size work and memory, and the planes are allocated at
// the reduced size only.
//
// DecodeResize is DecodeScaled for a picture that is then shrunk by 2 or
// more to a 4:2:0 image (a variant): a 4:4:4 sequential YCbCr file at 1/2
// or 1/4 comes back 4:2:0, its chroma decoded at half the luma's scale,
// which halves the planes' memory.
//
// DecodeResizeStrips decodes the same picture but hands it over one MCU
// row at a time, for a resampler that consumes the rows as they come:
// only one MCU row of samples is ever allocated (64 KB for a 12 MP photo
// at 1/2, against 4.5 MB of planes). It takes single-scan sequential
// YCbCr and grey files, and refuses the others (ErrNoStrips) before
// decoding any data.
//
// A progressive image must keep its coefficients until the last scan. At
// full size that is 64 int16 values per 8×8 block (128 bytes, about 2 or 3
// bytes per pixel); scaled, only the zig-zag prefix of coefficients that
// the reduced inverse DCT reads is kept (1 value at 1/8, 5 at 1/4, 25 at
// 1/2), plus a 64-bit mask per block recording which coefficients are
// non-zero, which is all that a refinement scan needs to know of those not
// kept (and lets it skip the zero ones): 18 bytes per block at 1/4, so a
// 24-megapixel 4:2:0 photo needs about 10 MB of coefficients instead of
// 76 MB.
//
// # Speed
//
// On amd64 with AVX2, the 8×8 and 4×4 inverse DCTs and the encoder's
// forward DCT and quantisation run in Go assembly, eight (or four) rows or
// columns at once; elsewhere, or with the purego build tag, the same
// arithmetic runs in Go, to the same bits.
//
// # Untrusted input
//
// The decoder never panics and always terminates. Damaged entropy-coded
// data is an error (a FormatError) where libjpeg warns and makes up the
// rest of the segment: Huffman-coded data that ends early (at a marker
// or at the end of the input), as in image/jpeg, found at the latest at
// the end of the MCU row in which it happens; bits that are no Huffman
// code; arithmetic-coded decisions that make a magnitude over 2^15 or a
// coefficient past the end of the band; a marker other than the expected
// restart marker at the end of a restart interval. Arithmetic-coded data
// that ends early is not an error: T.81 lets the encoder leave out its
// final zero bytes, so the decoder, like libjpeg, reads zeros to the end
// of the frame, and a file of a few hundred bytes can be a whole flat
// image of the size its header declares. It allocates what the frame
// header declares — the sample planes,
// width×height×components bytes at full size, and for progressive images
// the coefficients above — before it has seen whether the data is there,
// so a tiny file can declare a 65535×65535 image and ask for gigabytes.
// Callers that decode untrusted input should check the dimensions that
// DecodeConfig reports first; for a height given by a DNL segment, that
// is the segment's, which DecodeConfig finds by reading through the first
// scan. To find it, Decode keeps the whole first scan in its buffer, so
// its buffer grows to the size of the first scan, which is at most the
// size of the input. At most 1000 scans are accepted.
//
// # Differences from image/jpeg
//
// Besides accepting more sampling factors, this decoder follows ITU T.81
// in two places where image/jpeg does not: a restart interval in a
// non-interleaved scan counts 8×8 blocks (the scan's MCUs), and a
// non-interleaved scan of a component whose sampling factors lie strictly
// between 1 and the maximum covers ceil(ceil(X·H/Hmax)/8) blocks per line.
// Huffman tables whose code lengths over-subscribe the code space are
// refused with a FormatError.
package jpeg
