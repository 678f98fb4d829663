//go:build amd64 && !purego

package variants

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestLzV2Vec checks lzV2 with its SIMD loop against lzV2 in Go (lzVec
// off), to the bit, for the weights of real kernels over 1 to 40 rows and
// outputs of many widths, with samples at the extremes that push sums
// past the byte range.
func TestLzV2Vec(t *testing.T) {
	if !lzVec {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for trial := range 400 {
		sh := 1 + rng.IntN(200)
		dh := 1 + rng.IntN(sh)
		k := newLzKernel(dh, sh, lzBitsHi)
		y := rng.IntN(dh)
		_, ws := k.weights(y)
		width := 1 + rng.IntN(100)
		pairs := (width + 1) / 2
		rows := make([][]uint64, len(ws))
		for r := range rows {
			rows[r] = make([]uint64, pairs+rng.IntN(3))
			for i := range rows[r] {
				a, b := uint64(rng.IntN(256)), uint64(rng.IntN(256))
				if (i+r+trial)%4 == 0 {
					a, b = 255*uint64(r%2), 255*uint64((r+1)%2)
				}
				rows[r][i] = a | b<<lz2Lane
			}
		}
		got, want := make([]byte, width), make([]byte, width)
		lzV2(got, make([]uint64, pairs), rows, ws)
		lzVec = false
		lzV2(want, make([]uint64, pairs), rows, ws)
		lzVec = true
		if !bytes.Equal(got, want) {
			t.Fatalf("trial %d (%d taps, width %d):\ngot  %v\nwant %v", trial, len(ws), width, got, want)
		}
	}
}
