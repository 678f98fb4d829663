package adler32

import (
	"bytes"
	"fmt"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

// randomBytes returns n bytes of noise from rng.
func randomBytes(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = uint8(rng.Uint32())
	}
	return p
}

// ref is Update by the definition, one byte and one reduction at a time.
func ref(adler uint32, p []byte) uint32 {
	s1, s2 := adler&0xffff, adler>>16
	for _, c := range p {
		s1 = (s1 + uint32(c)) % mod
		s2 = (s2 + s1) % mod
	}
	return s2<<16 | s1
}

// TestLengths checks Checksum against hash/adler32 for every length up
// to 1100 (the SIMD blocks and every tail) at offsets that misalign the
// start, and Update from a few starting sums against the definition.
func TestLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := randomBytes(rng, 1100+64)
	for n := 0; n <= 1100; n++ {
		for _, off := range []int{0, 1, 3, 31, 33, 63} {
			p := buf[off : off+n]
			if got, want := Checksum(p), adler32.Checksum(p); got != want {
				t.Fatalf("Checksum(n=%d off=%d) = %#08x, want %#08x", n, off, got, want)
			}
		}
		for _, adler := range []uint32{0, 0xfff0fff0, 0x1234abcd} {
			p := buf[5 : 5+n]
			if got, want := Update(adler, p), ref(adler, p); got != want {
				t.Fatalf("Update(%#08x, n=%d) = %#08x, want %#08x", adler, n, got, want)
			}
		}
	}
}

// TestLarge checks Checksum against hash/adler32 on noise of a few
// megabytes, over many stretches of the SIMD loop.
func TestLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1 << 20, 5 << 20, 5<<20 + 61} {
		p := randomBytes(rng, n)
		if got, want := Checksum(p), adler32.Checksum(p); got != want {
			t.Errorf("Checksum(%d random bytes) = %#08x, want %#08x", n, got, want)
		}
	}
}

// TestSaturated checks the overflow worst case: 0xFF everywhere, from the
// largest starting sums, at lengths around multiples of nmax, of the
// 64-byte block and of the SIMD loop's 256 KiB stretch.
func TestSaturated(t *testing.T) {
	ones := bytes.Repeat([]byte{0xff}, 5<<20+100)
	for _, n := range []int{
		63, 64, 65, 5551, 5552, 5553, 2 * 5552, 2*5552 + 1, 65535, 65536, 65537,
		1<<18 - 1, 1 << 18, 1<<18 + 64, 1<<18 + 65, 1<<19 + 1, 1<<20 + 7,
		2_900_000, 5 << 20, 5<<20 + 100,
	} {
		p := ones[:n]
		if got, want := Checksum(p), adler32.Checksum(p); got != want {
			t.Errorf("Checksum(%d×0xFF) = %#08x, want %#08x", n, got, want)
		}
		const top = (mod-1)<<16 | (mod - 1)
		if got, want := Update(top, p), ref(top, p); got != want {
			t.Errorf("Update(%#08x, %d×0xFF) = %#08x, want %#08x", uint32(top), n, got, want)
		}
	}
}

// TestChained checks that Update over the pieces of a split buffer gives
// the one-shot checksum, for random split points.
func TestChained(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := randomBytes(rng, 300_000)
	want := adler32.Checksum(p)
	for range 200 {
		adler := uint32(1)
		for q := p; len(q) > 0; {
			var k int
			switch rng.IntN(3) {
			case 0:
				k = rng.IntN(100)
			case 1:
				k = rng.IntN(10_000)
			default:
				k = rng.IntN(200_000)
			}
			k = min(k, len(q))
			adler = Update(adler, q[:k])
			q = q[k:]
		}
		if adler != want {
			t.Fatalf("chained Update = %#08x, want %#08x", adler, want)
		}
	}
}

// TestVecMatchesGo checks that Update (with its SIMD loop where it runs)
// and the Go loop alone agree, on noise and on 0xFF, from random starting
// sums.
func TestVecMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	noise := randomBytes(rng, 1<<19)
	ones := bytes.Repeat([]byte{0xff}, 1<<19)
	for range 300 {
		n := rng.IntN(1 << 19)
		if rng.IntN(2) == 0 {
			n = rng.IntN(2000)
		}
		adler := rng.Uint32N(mod)<<16 | rng.Uint32N(mod)
		for _, p := range [][]byte{noise[:n], ones[:n]} {
			if got, want := Update(adler, p), updateGo(adler, p); got != want {
				t.Fatalf("Update(%#08x, n=%d) = %#08x, Go loop %#08x", adler, n, got, want)
			}
		}
	}
}

// BenchmarkUpdate checksums the chunk sizes a deflate decoder hands over
// (64 KiB) and a whole large image's data (4 MiB), with Update, with
// hash/adler32 and with the Go loop alone.
func BenchmarkUpdate(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, size := range []struct {
		name string
		n    int
	}{{"64KiB", 64 << 10}, {"4MiB", 4 << 20}} {
		p := randomBytes(rng, size.n)
		for _, impl := range []struct {
			name string
			f    func(uint32, []byte) uint32
		}{{"Update", Update}, {"hash-adler32", refStd}, {"go", updateGo}} {
			b.Run(fmt.Sprintf("size=%s/impl=%s", size.name, impl.name), func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				for b.Loop() {
					impl.f(1, p)
				}
			})
		}
	}
}

// refStd is hash/adler32's checksum in Update's shape (from 1 only).
func refStd(_ uint32, p []byte) uint32 { return adler32.Checksum(p) }

func ExampleChecksum() {
	fmt.Printf("%08x\n", Checksum([]byte("Wikipedia")))
	// Chained over pieces, as a decoder sees its output.
	a := Update(1, []byte("Wiki"))
	a = Update(a, []byte("pedia"))
	fmt.Printf("%08x\n", a)
	// Output:
	// 11e60398
	// 11e60398
}
