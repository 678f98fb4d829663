//go:build !(cgo && turbojpeg)

package codecs

// TurboJPEG reports whether JPEG is decoded and encoded by libjpeg-turbo
// (the build tag turbojpeg, with cgo). It is false in the default, pure-Go
// build.
const TurboJPEG = false

// accelerateJPEG leaves the pure-Go JPEG codec as it is.
func accelerateJPEG(*Codec) {}
