package variants

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestLzH2Vec checks lzH2 with its SIMD path (where the machine has one)
// against lzH2Packed, to the bit, for rows of many lengths filtered down
// and up by many ratios, with noise and with runs of 0 and 255 that push
// sums past the byte range, and that the SIMD path did the bulk of it.
func TestLzH2Vec(t *testing.T) {
	if !lzVec {
		t.Skip("no SIMD path on this machine or build")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	vecPairs := 0
	for _, sw := range []int{1, 2, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 3264} {
		for range 6 {
			dw := 1 + rng.IntN(sw)
			if rng.IntN(3) == 0 {
				dw = 1 + rng.IntN(3*sw)
			}
			a, b := make([]byte, sw), make([]byte, sw)
			for i := range a {
				a[i], b[i] = uint8(rng.Uint32()), uint8(rng.Uint32())
				if (i/5)%3 == 0 {
					a[i], b[i] = 255*uint8(i/15%2), 255-255*uint8(i/15%2)
				}
			}
			k := newLzFixed(newLzKernel(dw, sw, lzBitsHi), sw, 2)
			if k.w16 == nil {
				t.Fatal("newLzFixed made no int16 weights")
			}
			pairs := len(k.start) / 2
			want := [2][]uint64{make([]uint64, pairs), make([]uint64, pairs)}
			lzH2Packed(want[0], want[1], a, b, k, make([]uint64, sw))
			got := [2][]uint64{make([]uint64, pairs), make([]uint64, pairs)}
			lzH2(got[0], got[1], a, b, k, make([]uint64, sw))
			for r := range got {
				for i := range got[r] {
					if got[r][i] != want[r][i] {
						t.Fatalf("%d→%d (n=%d), row %d, pair %d: %#x, want %#x", sw, dw, k.n, r, i, got[r][i], want[r][i])
					}
				}
			}
			for i := range pairs {
				if k.start[2*i+1]+k.n16 <= sw {
					vecPairs++
				}
			}
		}
	}
	if vecPairs < 1000 {
		t.Errorf("the SIMD path filtered only %d column pairs", vecPairs)
	}
}

// BenchmarkLzH2 filters two 3264-sample rows down to 1000 (the luma of an
// 8 MP photo for a 1000-pixel variant) with lzH2 and with lzH2Packed.
func BenchmarkLzH2(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{3264, 1000}, {2304, 1000}, {1000, 400}} {
		sw, dw := sz[0], sz[1]
		x, y := make([]byte, sw), make([]byte, sw)
		for i := range x {
			x[i], y[i] = uint8(rng.Uint32()), uint8(rng.Uint32())
		}
		k := newLzFixed(newLzKernel(dw, sw, lzBitsHi), sw, 2)
		da, db, p := make([]uint64, len(k.start)/2), make([]uint64, len(k.start)/2), make([]uint64, sw)
		b.Run(fmt.Sprintf("%d→%d/impl=lzH2", sw, dw), func(b *testing.B) {
			for b.Loop() {
				lzH2(da, db, x, y, k, p)
			}
		})
		b.Run(fmt.Sprintf("%d→%d/impl=packed", sw, dw), func(b *testing.B) {
			for b.Loop() {
				lzH2Packed(da, db, x, y, k, p)
			}
		})
	}
}

// TestLzH3Vec checks lzH3 with its SIMD path against lzH3Packed, to the
// bit, as TestLzH2Vec does for lzH2, with lzBits weights (the chroma
// planes').
func TestLzH3Vec(t *testing.T) {
	if !lzVec {
		t.Skip("no SIMD path on this machine or build")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	vecTriples := 0
	for _, sw := range []int{1, 2, 3, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 1632} {
		for range 6 {
			dw := 1 + rng.IntN(sw)
			if rng.IntN(3) == 0 {
				dw = 1 + rng.IntN(3*sw)
			}
			var in [3][]byte
			for r := range in {
				in[r] = make([]byte, sw)
				for i := range in[r] {
					in[r][i] = uint8(rng.Uint32())
					if (i/5+r)%3 == 0 {
						in[r][i] = 255 * uint8((i/15+r)%2)
					}
				}
			}
			k := newLzFixed(newLzKernelScale(dw, sw, 2*float64(sw)/float64(dw)/2, lzBits), sw, 3)
			m := len(k.start) / 3
			var want, got [3][]uint64
			for r := range 3 {
				want[r], got[r] = make([]uint64, m), make([]uint64, m)
			}
			lzH3Packed(want, in, k, make([]uint64, sw))
			lzH3(got, in, k, make([]uint64, sw))
			for r := range got {
				for i := range got[r] {
					if got[r][i] != want[r][i] {
						t.Fatalf("%d→%d (n=%d), row %d, triple %d: %#x, want %#x", sw, dw, k.n, r, i, got[r][i], want[r][i])
					}
				}
			}
			for i := range m {
				if k.start[3*i+2]+k.n16 <= sw {
					vecTriples++
				}
			}
		}
	}
	if vecTriples < 1000 {
		t.Errorf("the SIMD path filtered only %d column triples", vecTriples)
	}
}

// BenchmarkLzH3 filters three 1632-sample chroma rows (an 8 MP 4:2:0
// photo's) down to 500 with lzH3 and with lzH3Packed.
func BenchmarkLzH3(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	sw, dw := 1632, 500
	var in [3][]byte
	var dst [3][]uint64
	k := newLzFixed(newLzKernel(dw, sw, lzBits), sw, 3)
	for r := range in {
		in[r] = make([]byte, sw)
		for i := range in[r] {
			in[r][i] = uint8(rng.Uint32())
		}
		dst[r] = make([]uint64, len(k.start)/3)
	}
	p := make([]uint64, sw)
	b.Run("impl=lzH3", func(b *testing.B) {
		for b.Loop() {
			lzH3(dst, in, k, p)
		}
	})
	b.Run("impl=packed", func(b *testing.B) {
		for b.Loop() {
			lzH3Packed(dst, in, k, p)
		}
	})
}
