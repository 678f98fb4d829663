package png

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// specPaeth is the Paeth predictor as §9.4 writes it.
func specPaeth(a, b, c int) int {
	p := a + b - c
	pa, pb, pc := p-a, p-b, p-c
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

// TestPaethExhaustive checks paeth against the spec's form for every a, b
// and c.
func TestPaethExhaustive(t *testing.T) {
	for a := range 256 {
		for b := range 256 {
			for c := range 256 {
				if got, want := paeth(a, b, c), specPaeth(a, b, c); got != want {
					t.Fatalf("paeth(%d, %d, %d) = %d, want %d", a, b, c, got, want)
				}
			}
		}
	}
}

// TestUnPaeth checks each Paeth loop against the spec's predictor, byte
// by byte, on random rows of several lengths.
func TestUnPaeth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, bpp := range []int{1, 2, 3, 4, 6, 8} {
		for _, n := range []int{0, 1, 2, 3, 4, 7, 8, 12, 24, 30, 999} {
			n -= n % bpp
			cur, prev := make([]byte, n), make([]byte, n)
			for i := range cur {
				cur[i], prev[i] = byte(rng.Uint32()), byte(rng.Uint32())
			}
			want := bytes.Clone(cur)
			for i := range want {
				var a, c int
				if i >= bpp {
					a, c = int(want[i-bpp]), int(prev[i-bpp])
				}
				want[i] += uint8(specPaeth(a, int(prev[i]), c))
			}
			if err := unfilter(ftPaeth, cur, prev, bpp); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cur, want) {
				t.Fatalf("bpp %d, %d bytes: differs from the spec's Paeth", bpp, n)
			}
		}
	}
}

// BenchmarkUnPaeth3 unfilters one Paeth row of a 5120-pixel RGB image.
func BenchmarkUnPaeth3(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	c0, prev := make([]byte, 3*5120), make([]byte, 3*5120)
	for i := range c0 {
		c0[i], prev[i] = byte(rng.Uint32()), byte(rng.Uint32())
	}
	cur := bytes.Clone(c0)
	b.SetBytes(int64(len(cur)))
	for b.Loop() {
		copy(cur, c0)
		unPaeth3(cur, prev)
	}
}
