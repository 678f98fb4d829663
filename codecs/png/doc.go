// Package png decodes PNG images (W3C PNG, third edition; RFC 2083), at
// full size like image/png or, for variants, at 1/2, 1/4 or 1/8 of the size
// with the reduction streamed with the row filter.
//
// # Decoding
//
// Decode and DecodeConfig read every PNG that image/png reads, to the same
// image types and pixels, and refuse what it refuses:
//
//   - gray of 1, 2, 4 or 8 bits: *image.Gray (depths below 8 scaled to 8
//     bits); with a tRNS chunk, *image.NRGBA;
//   - gray of 16 bits: *image.Gray16; with tRNS, *image.NRGBA64;
//   - RGB of 8 bits: *image.RGBA; with tRNS, *image.NRGBA;
//   - RGB of 16 bits: *image.RGBA64; with tRNS, *image.NRGBA64;
//   - palette of 1, 2, 4 or 8 bits: *image.Paletted, whose palette holds
//     color.RGBA entries and color.NRGBA ones for those a tRNS chunk gives
//     an alpha; an index past the palette makes it grow with opaque
//     black, as in image/png and libpng;
//   - gray+alpha and RGBA of 8 bits: *image.NRGBA; of 16 bits:
//     *image.NRGBA64;
//   - Adam7 interlacing, and every filter type.
//
// Like image/png, it checks every chunk's CRC (a mismatch is an error) and
// the zlib stream's Adler-32, enforces the order IHDR, PLTE, tRNS, IDAT,
// IEND, skips chunks it does not know and IDAT chunks after the image
// data, and compares a gray or RGB tRNS colour as image/png does (the low
// byte of each sample below 16 bits). Errors are a FormatError for a
// damaged file and an UnsupportedError for an undefined colour type and
// bit depth or an unknown compression or filter method.
//
// The image data is inflated by codecs/internal/inflate (about twice as
// fast as compress/zlib, and accepting the same streams) over the IDAT
// chunks, pooled with the row buffers from one decode to the next, one raw
// row at a time. Each row is unfiltered by a loop of its own filter type
// (Paeth in a form without branches) and written straight into the image;
// 8-bit RGB rows are read in place in the inflater's window and unfiltered
// from there into the RGBA image row, against the image row above, with no
// copy of the raw row.
//
// # Scaled decoding
//
// DecodeScaled(r, n) for n = 2, 4 or 8 decodes to bounds (0,0)–(⌈w/n⌉,
// ⌈h/n⌉), each pixel the mean of the n×n pixels it covers (fewer at the
// right and bottom edges): exactly the box reduction blobimage's variants
// make of Decode's image, on gamma-encoded values as for JPEG's DCT
// scaling. Gray images stay *image.Gray and 8-bit RGB stays *image.RGBA,
// each channel the mean rounded to nearest. Every other type becomes
// 8-bit *image.NRGBA, each pixel converted as image/draw converts it, the
// colours averaged with alpha weights (so that the colour of transparent
// pixels does not bleed) and the alpha the rounded mean: 16-bit samples are
// reduced to 8 bits, which the variants do to them anyway, and a palette
// cannot hold the means.
//
// A non-interlaced image is reduced as it is decoded: besides the reduced
// image, only the raw row being unfiltered, the row before it, one row
// converted to the output's type and one accumulator row of the reduced
// width are held. An interlaced image cannot be reduced by rows, as each
// pass covers the whole image: it is decoded whole and then reduced.
//
// # Untrusted input
//
// The decoder never panics on bad input and never inflates much more than
// the image needs: after the last row it decodes one deflate symbol more
// (at most 258 bytes), and data there is an error ("too much pixel data",
// as in image/png), however much it would inflate to. Before allocating the image it weighs the size its
// header declares against the input left: an image larger than 1032 times
// that (deflate's largest ratio) cannot be there and is refused at once.
// The input left is known when the reader has a Len method (bytes.Reader,
// and the reader codecs.Decode gives its decoders); from other readers the
// rest of the input is read into memory first. Within that bound the image
// is allocated as its header declares, so a caller decoding untrusted input
// checks the size with DecodeConfig first, as codecs.Probe does.
package png
