package inflate

import (
	"compress/flate"
	"testing"
)

// FuzzInflate checks that the Reader accepts exactly the streams
// compress/zlib accepts, with the same output, and never panics.
func FuzzInflate(f *testing.F) {
	for _, data := range samples() {
		if len(data) > 3000 {
			data = data[:3000]
		}
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.BestCompression} {
			f.Add(compress(f, data, level))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compare(t, "fuzz input", data)
	})
}
