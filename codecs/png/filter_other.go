//go:build !amd64 || purego

package png

// filterVec is never read here, where there are no SIMD loops; the tests
// set it as they do on amd64.
var filterVec = false

// The vec functions do nothing here: the Go loops unfilter every pixel.

func paethRGBToRGBAVec(dst, cur, prev []byte, w int) int   { return 0 }
func averageRGBToRGBAVec(dst, cur, prev []byte, w int) int { return 0 }
func subRGBToRGBAVec(dst, cur []byte, w int) int           { return 0 }
func upRGBToRGBAVec(dst, cur, prev []byte, w int) int      { return 0 }
func paeth4Vec(cur, prev []byte, w int) int                { return 0 }
func average4Vec(cur, prev []byte, w int) int              { return 0 }
func paeth3Vec(cur, prev []byte, w int) int                { return 0 }
func average3Vec(cur, prev []byte, w int) int              { return 0 }
