// Package turbojpeg is an optional JPEG codec backed by libjpeg-turbo's
// TurboJPEG 2.x C API, through a small cgo binding of its own.
//
// It is compiled only with cgo enabled and the build tag turbojpeg
// (go build -tags turbojpeg), and then needs libturbojpeg at link and run
// time (Debian: libturbojpeg0-dev to build, libturbojpeg0 to run). Without
// the tag the package holds only the constant Available, false, so the
// default build stays pure Go and free of C dependencies. Code that uses the
// codec belongs in a file with the same build constraint, cgo && turbojpeg.
//
// With the tag the package provides DecodeConfig, DecodeScaled and Encode.
//
// With the tag, on glibc, the package also sets one process-wide malloc
// parameter when it is initialised: it pins the mmap threshold at glibc's
// initial 128 KiB (mallopt M_MMAP_THRESHOLD), which turns off glibc's
// dynamic threshold. Otherwise the multi-megabyte working memory that
// libjpeg-turbo mallocs and frees on each call (for a progressive JPEG, the
// coefficients of the whole image) comes, after the first such free, from
// per-thread malloc arenas that keep it resident once freed: with two
// workers that made the peak RSS up to 1.8× the pure-Go build's. The
// setting applies to all C code in the process; a process that sets its
// own threshold (MALLOC_MMAP_THRESHOLD_, or glibc.malloc.mmap_threshold in
// GLIBC_TUNABLES) keeps it.
//
// Decoding returns the image types image/jpeg returns: *image.YCbCr for
// colour JPEGs (4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1 planes are filled by
// TurboJPEG directly, without colour conversion or copying), *image.Gray for
// grayscale, *image.CMYK for CMYK and YCCK (with the Adobe inversion undone
// as image/jpeg does) and *image.RGBA for Adobe RGB-transform JPEGs. Pixel
// values may differ from image/jpeg's by a level or two, since libjpeg-turbo
// uses other (SIMD) IDCT and upsampling code.
//
// Decoding is more lenient than image/jpeg: libjpeg-turbo repairs damaged
// entropy-coded data and fills in a truncated scan (grey or the last
// decoded rows), reporting a warning, and such a warning does not fail the
// decode when a whole image was produced. A file cut inside its headers, or
// with a fatal error, still fails.
package turbojpeg
