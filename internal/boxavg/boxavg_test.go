package boxavg

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPairs checks Pairs (with its SIMD loop where it runs) against the
// definition, for every length up to a few blocks and offsets that
// misalign the rows, on noise and on runs of 0 and 255.
func TestPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 200; n++ {
		for _, off := range []int{0, 1, 7} {
			a, b := make([]byte, off+2*n+3), make([]byte, off+2*n+5)
			for i := range a {
				a[i] = uint8(rng.Uint32())
				if i%11 < 3 {
					a[i] = 255
				}
			}
			for i := range b {
				b[i] = uint8(rng.Uint32())
				if i%13 < 4 {
					b[i] = 255 * uint8(i%2)
				}
			}
			got := make([]byte, n)
			Pairs(got, a[off:], b[off:])
			want := make([]byte, n)
			for j := range want {
				s := int(a[off+2*j]) + int(a[off+2*j+1]) + int(b[off+2*j]) + int(b[off+2*j+1])
				want[j] = uint8((s + 2) / 4)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("n=%d off=%d:\ngot  %v\nwant %v", n, off, got, want)
			}
		}
	}
}

// TestPairsShortRows checks that rows shorter than twice dst panic
// instead of reading past them.
func TestPairsShortRows(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Pairs(make([]byte, 40), make([]byte, 80), make([]byte, 79))
}

// BenchmarkPairs averages two 5760-sample rows (a 22 MP photo's) into
// 2880, with Pairs and in Go.
func BenchmarkPairs(b *testing.B) {
	a, c := make([]byte, 5760), make([]byte, 5760)
	for i := range a {
		a[i], c[i] = byte(i*7), byte(i*13)
	}
	dst := make([]byte, 2880)
	for _, impl := range []struct {
		name string
		f    func(dst, a, b []byte)
	}{{"Pairs", Pairs}, {"go", pairsGo}} {
		b.Run(fmt.Sprintf("impl=%s", impl.name), func(b *testing.B) {
			b.SetBytes(int64(2 * len(a)))
			for b.Loop() {
				impl.f(dst, a, c)
			}
		})
	}
}

// TestRows checks Rows against the definition for every length up to a
// few blocks and misaligned offsets.
func TestRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 150; n++ {
		for _, off := range []int{0, 3} {
			a, b := make([]byte, off+n+2), make([]byte, off+n)
			for i := range a {
				a[i] = uint8(rng.Uint32())
			}
			for i := range b {
				b[i] = uint8(rng.Uint32()) | uint8(i%2)*255
			}
			got := make([]byte, n)
			Rows(got, a[off:], b[off:])
			for j := range got {
				if want := uint8((int(a[off+j]) + int(b[off+j]) + 1) / 2); got[j] != want {
					t.Fatalf("n=%d off=%d: dst[%d] = %d, want %d", n, off, j, got[j], want)
				}
			}
		}
	}
}
