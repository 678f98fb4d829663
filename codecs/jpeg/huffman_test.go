package jpeg

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBitReaderRefill reads entropy-coded data full of stuffed 0xFF bytes
// and ending at a marker, in random widths, through the word-at-a-time
// refill and through a one-byte-at-a-time reader, and checks both against
// the bits of the unstuffed data followed by zero padding.
func TestBitReaderRefill(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		var data, coded []byte
		for range rng.IntN(300) {
			c := byte(rng.IntN(256))
			if rng.IntN(8) == 0 {
				c = 0xff
			}
			data = append(data, c)
			coded = append(coded, c)
			if c == 0xff {
				coded = append(coded, 0)
			}
		}
		coded = append(coded, 0xff, 0xd9)
		for _, size := range []int{1, 3, 64, 4096} {
			var br decBitReader
			br.init(&decChunkReader{bytes.NewReader(coded), size}, 4096)
			br.resetBits()
			pos := 0 // bit position in data
			for pos < 8*len(data)+64 {
				s := uint8(1 + rng.IntN(16))
				if br.n < 32 {
					br.refill()
				}
				got := br.acc >> (64 - uint(s))
				br.acc <<= s
				br.n -= uint(s)
				var want uint64
				for i := range int(s) {
					bit := uint64(0)
					if p := pos + i; p < 8*len(data) {
						bit = uint64(data[p/8]>>(7-p%8)) & 1
					}
					want = want<<1 | bit
				}
				if got != want {
					t.Fatalf("trial %d, reads of %d: bits %d..%d = %#x, want %#x", trial, size, pos, pos+int(s), got, want)
				}
				pos += int(s)
			}
			if !br.overrun() {
				t.Errorf("trial %d, reads of %d: no overrun after reading past the data", trial, size)
			}
			if rest, _ := br.readByte(); rest != 0xff {
				t.Errorf("trial %d, reads of %d: next byte %#x, want the marker's 0xff", trial, size, rest)
			}
		}
	}
}

// decChunkReader returns at most n bytes a read.
type decChunkReader struct {
	r *bytes.Reader
	n int
}

func (r *decChunkReader) Read(p []byte) (int, error) {
	return r.r.Read(p[:min(len(p), r.n)])
}
