//go:build !linux

package wasm

func systemBacking() backing { return heapBacking{} }

// heapBacking grows Go slices: the portable fallback.
type heapBacking struct{}

func (heapBacking) grow(buf []byte, size int) []byte {
	if size <= cap(buf) {
		return buf[:size]
	}
	b := make([]byte, size)
	copy(b, buf)
	return b
}

func (heapBacking) free([]byte) {}
