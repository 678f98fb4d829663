//go:build cgo && turbojpeg

package turbojpeg

/*
#cgo pkg-config: libturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>

// The plane functions take arrays of plane pointers. Go memory handed to C
// must not hold Go pointers, so these wrappers take the planes as separate
// arguments and build the arrays on the C stack.

static int bi_decompress_planes(tjhandle h, const unsigned char *jpeg,
		unsigned long size, unsigned char *y, unsigned char *cb,
		unsigned char *cr, int width, int ystride, int cstride, int height,
		int flags) {
	unsigned char *planes[3] = { y, cb, cr };
	int strides[3] = { ystride, cstride, cstride };
	return tjDecompressToYUVPlanes(h, jpeg, size, planes, width, strides,
		height, flags);
}

static int bi_compress_planes(tjhandle h, const unsigned char *y,
		const unsigned char *cb, const unsigned char *cr, int width,
		int ystride, int cstride, int height, int subsamp,
		unsigned char **out, unsigned long *outSize, int quality, int flags) {
	const unsigned char *planes[3] = { y, cb, cr };
	int strides[3] = { ystride, cstride, cstride };
	return tjCompressFromYUVPlanes(h, planes, width, strides, height, subsamp,
		out, outSize, quality, flags);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// Available reports whether the codec is compiled in: true only in builds
// with cgo and the build tag turbojpeg.
const Available = true

// ErrTooLarge is returned (wrapped) for an image whose dimensions this
// package refuses before allocating: more than MaxPixels pixels, or, to
// Encode, a side longer than libjpeg's limit of 65500.
var ErrTooLarge = errors.New("turbojpeg: image too large")

// MaxPixels is the largest width×height DecodeScaled and Encode accept.
// Callers are expected to apply their own, smaller, limits first.
const MaxPixels = 1 << 30

// Error is an error reported by TurboJPEG.
type Error struct {
	// Op is the TurboJPEG function that failed, e.g. "tjDecompress2".
	Op string
	// Msg is TurboJPEG's message (tjGetErrorStr2).
	Msg string
	// Warning is true when TurboJPEG classed it as a warning
	// (tjGetErrorCode returned TJERR_WARNING): the data is damaged but
	// libjpeg-turbo could carry on. DecodeConfig and DecodeScaled ignore
	// warnings once they have what they need, so an Error with Warning set
	// from them means a header that ended (or broke off) before the image's
	// dimensions; from DecodeScaledStrict it means damaged or truncated
	// data.
	Warning bool
}

func (e *Error) Error() string {
	if strings.HasPrefix(e.Msg, e.Op+"()") { // TurboJPEG's messages mostly name it
		return "turbojpeg: " + e.Msg
	}
	return "turbojpeg: " + e.Op + ": " + e.Msg
}

// handle is a TurboJPEG instance, made for one call and destroyed after it.
// (Pooling handles in a sync.Pool saved about 1 µs per call, measurable
// only on images of a few blocks, so it is not done.)
type handle struct {
	h C.tjhandle
	// strict makes decompressions stop at, and fail on, the first warning.
	strict bool
	// progressive makes compressions write progressive JPEGs (for the
	// tests, through encodeProgressive).
	progressive bool
}

func newHandle(compress bool) (*handle, error) {
	var h C.tjhandle
	op := "tjInitDecompress"
	if compress {
		op = "tjInitCompress"
		h = C.tjInitCompress()
	} else {
		h = C.tjInitDecompress()
	}
	if h == nil {
		return nil, &Error{Op: op, Msg: C.GoString(C.tjGetErrorStr2(nil))}
	}
	return &handle{h: h}, nil
}

func (h *handle) destroy() {
	C.tjDestroy(h.h)
	h.h = nil
}

// lastError returns the handle's last error for op.
func (h *handle) lastError(op string) *Error {
	return &Error{
		Op:      op,
		Msg:     C.GoString(C.tjGetErrorStr2(h.h)),
		Warning: C.tjGetErrorCode(h.h) == C.TJERR_WARNING,
	}
}

// header is what tjDecompressHeader3 reports.
type header struct {
	width, height int
	subsamp       C.int // TJSAMP_*
	colorspace    C.int // TJCS_*
}

func (h *handle) decompressHeader(data []byte) (header, error) {
	var w, ht, ss, cs C.int
	if len(data) == 0 {
		return header{}, &Error{Op: "tjDecompressHeader3", Msg: "empty input"}
	}
	if C.tjDecompressHeader3(h.h, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
		&w, &ht, &ss, &cs) != 0 {
		err := h.lastError("tjDecompressHeader3")
		// A warning while reading the markers (extraneous bytes and the
		// like) is harmless once the frame header has been read.
		if !err.Warning || w <= 0 || ht <= 0 {
			return header{}, err
		}
	}
	if w <= 0 || ht <= 0 {
		return header{}, &Error{Op: "tjDecompressHeader3", Msg: fmt.Sprintf("invalid dimensions %d×%d", w, ht)}
	}
	return header{width: int(w), height: int(ht), subsamp: ss, colorspace: cs}, nil
}

// decodeFlags are the flags of every decompression: TJFLAG_LIMITSCANS
// refuses progressive files with absurd numbers of scans (a denial of
// service otherwise); the default, accurate integer IDCT and fancy
// upsampling are kept.
const decodeFlags = C.TJFLAG_LIMITSCANS

// flags returns the flags of a decompression by h.
func (h *handle) flags() C.int {
	if h.strict {
		return decodeFlags | C.TJFLAG_STOPONWARNING
	}
	return decodeFlags
}

// finish turns the return code of a decompression into an error: nil on
// success, and also on a warning unless h is strict, because the image was
// produced in full (libjpeg-turbo fills in what it could not decode).
func (h *handle) finish(rc C.int, op string) error {
	if rc == 0 {
		return nil
	}
	if err := h.lastError(op); !err.Warning || h.strict {
		return err
	}
	return nil
}

// decompressPlanes decodes data scaled to width×height into the given
// planes (cb, cr nil for grayscale). The caller sized them with
// tjPlaneWidth/tjPlaneHeight and the strides.
func (h *handle) decompressPlanes(data []byte, y, cb, cr []byte, width, ystride, cstride, height int) error {
	var pcb, pcr *C.uchar
	if cb != nil {
		pcb = (*C.uchar)(unsafe.Pointer(&cb[0]))
		pcr = (*C.uchar)(unsafe.Pointer(&cr[0]))
	}
	rc := C.bi_decompress_planes(h.h, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
		(*C.uchar)(unsafe.Pointer(&y[0])), pcb, pcr,
		C.int(width), C.int(ystride), C.int(cstride), C.int(height), h.flags())
	return h.finish(rc, "tjDecompressToYUVPlanes")
}

// decompress decodes data scaled to width×height into dst as packed pixels
// of format pf with the given pitch.
func (h *handle) decompress(data []byte, dst []byte, width, pitch, height int, pf C.int) error {
	rc := C.tjDecompress2(h.h, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
		(*C.uchar)(unsafe.Pointer(&dst[0])), C.int(width), C.int(pitch), C.int(height), pf, h.flags())
	return h.finish(rc, "tjDecompress2")
}

// planeWidth and planeHeight are tjPlaneWidth and tjPlaneHeight: the size
// of plane comp (0 Y, 1 Cb, 2 Cr) of a width×height image, padded as
// TurboJPEG reads and writes it (the luma plane to a whole number of
// chroma samples).
func planeWidth(comp, width int, subsamp C.int) int {
	return int(C.tjPlaneWidth(C.int(comp), C.int(width), subsamp))
}

func planeHeight(comp, height int, subsamp C.int) int {
	return int(C.tjPlaneHeight(C.int(comp), C.int(height), subsamp))
}

// encodeFlags: the accurate integer forward DCT (TurboJPEG would use the
// fast one below quality 96, with more error than image/jpeg), and an output
// buffer that TurboJPEG must not reallocate (see outBuf).
const encodeFlags = C.TJFLAG_ACCURATEDCT | C.TJFLAG_NOREALLOC

// encodeFlags returns the flags of a compression by h.
func (h *handle) encodeFlags() C.int {
	if h.progressive {
		return encodeFlags | C.TJFLAG_PROGRESSIVE
	}
	return encodeFlags
}

// outBuf allocates the output buffer for a compression of a width×height
// image: the worst case, tjBufSize, in C memory, so that TurboJPEG never has
// to grow it (TJFLAG_NOREALLOC, which compress and compressPlanes always
// set) and only the pages written are touched. The caller frees it with
// C.free (TurboJPEG never reallocates or frees a NOREALLOC buffer).
//
// It is not Go memory, although TurboJPEG writes into it only during the
// call: a Go slice of tjBufSize bytes (3 bytes per pixel at 4:2:0, 66 MB
// for a 22 MP photo) is zeroed by the allocator when it reuses heap memory
// and counts in full towards the garbage collector's heap goal, and with it
// the recompress benchmark's peak RSS rose from 423 to 559 MiB. Large
// blocks like this one are mmapped and unmapped by glibc (see malloc.go).
func outBuf(width, height int, subsamp C.int) (*C.uchar, C.ulong, error) {
	n := C.tjBufSize(C.int(width), C.int(height), subsamp)
	if n == 0 || n == C.ulong(math.MaxUint64) {
		return nil, 0, &Error{Op: "tjBufSize", Msg: fmt.Sprintf("invalid dimensions %d×%d", width, height)}
	}
	buf := (*C.uchar)(C.malloc(C.size_t(n)))
	if buf == nil {
		return nil, 0, &Error{Op: "malloc", Msg: fmt.Sprintf("cannot allocate %d bytes", uint64(n))}
	}
	return buf, n, nil
}

// writeOut hands the size compressed bytes at buf to write.
func writeOut(buf *C.uchar, size C.ulong, write func([]byte) error) error {
	if size == 0 {
		return &Error{Op: "tjCompress", Msg: "no output"}
	}
	// The slice aliases C memory that the caller frees on return; io.Writer
	// implementations must not retain it.
	return write(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(size)))
}

// compress encodes packed pixels of format pf.
func (h *handle) compress(src []byte, width, pitch, height int, pf, subsamp C.int, quality int, write func([]byte) error) error {
	buf, size, err := outBuf(width, height, subsamp)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(buf))
	out := buf
	if C.tjCompress2(h.h, (*C.uchar)(unsafe.Pointer(&src[0])), C.int(width), C.int(pitch), C.int(height), pf,
		&out, &size, subsamp, C.int(quality), h.encodeFlags()) != 0 {
		return h.lastError("tjCompress2")
	}
	return writeOut(buf, size, write)
}

// compressPlanes encodes Y'CbCr planes (cb, cr nil for grayscale).
func (h *handle) compressPlanes(y, cb, cr []byte, width, ystride, cstride, height int, subsamp C.int, quality int, write func([]byte) error) error {
	var pcb, pcr *C.uchar
	if cb != nil {
		pcb = (*C.uchar)(unsafe.Pointer(&cb[0]))
		pcr = (*C.uchar)(unsafe.Pointer(&cr[0]))
	}
	buf, size, err := outBuf(width, height, subsamp)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(buf))
	out := buf
	if C.bi_compress_planes(h.h, (*C.uchar)(unsafe.Pointer(&y[0])), pcb, pcr,
		C.int(width), C.int(ystride), C.int(cstride), C.int(height), subsamp,
		&out, &size, C.int(quality), h.encodeFlags()) != 0 {
		return h.lastError("tjCompressFromYUVPlanes")
	}
	return writeOut(buf, size, write)
}
