//go:build !(cgo && turbojpeg)

package turbojpeg

// Available reports whether the codec is compiled in: true only in builds
// with cgo and the build tag turbojpeg.
const Available = false
