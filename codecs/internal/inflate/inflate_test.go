package inflate

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// samples returns inputs that exercise every kind of symbol: random bytes
// (literals, stored blocks), text-like data (short matches), runs of one
// byte (distance 1), periods of 2 to 7 bytes (the short-period copy), long
// periods up to the window's reach, and image-like rows.
func samples() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	s := map[string][]byte{"empty": nil, "one": {42}}
	random := make([]byte, 300_000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	s["random"] = random
	words := []string{"the ", "image ", "bucket ", "variant ", "deflate ", "zlib ", "png ", "row ", "\n"}
	var text []byte
	for len(text) < 400_000 {
		text = append(text, words[r.IntN(len(words))]...)
	}
	s["text"] = text
	for _, p := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 258, 259, 1000, 32767, 32768, 40000} {
		pat := random[:p]
		var b []byte
		for len(b) < 200_000 {
			b = append(b, pat...)
			if r.IntN(50) == 0 {
				b = append(b, byte(r.Uint32())) // break the period now and then
			}
		}
		s[fmt.Sprint("period", p)] = b
	}
	// Rows of a smooth gradient with noise, like filtered PNG data.
	var img []byte
	for y := range 300 {
		img = append(img, byte(y%5))
		for x := range 3000 {
			img = append(img, byte((x+y)/7+r.IntN(3)))
		}
	}
	s["image"] = img
	return s
}

func compress(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// chunked gives its data n bytes per Read, and fails any Read after the
// data, so that a test sees when the Reader asks for more than it needs.
type chunked struct {
	data []byte
	n    int
}

var errPast = errors.New("read past the end of the stream")

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, errPast
	}
	n := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[n:]
	return n, nil
}

func inflateAll(src io.Reader, readSize int) ([]byte, error) {
	var z Reader
	if err := z.Reset(src); err != nil {
		return nil, err
	}
	var out []byte
	buf := make([]byte, readSize)
	for {
		n, err := z.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// TestRoundTrip inflates what compress/zlib wrote at every level, the
// input given in pieces of several sizes and read in several sizes: the
// output must be the data, and the Reader must not ask its source for a
// byte past the stream.
func TestRoundTrip(t *testing.T) {
	for name, data := range samples() {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			z := compress(t, data, level)
			for _, piece := range []int{1, 7, 8192, len(z)} {
				for _, readSize := range []int{1, 1000, 1 << 20} {
					if (piece == 1 || readSize == 1) && len(data) > 50_000 && name != "text" {
						continue // slow, and text covers it
					}
					got, err := inflateAll(&chunked{z, max(piece, 1)}, readSize)
					if err != nil {
						t.Fatalf("%s level %d piece %d read %d: %v", name, level, piece, readSize, err)
					}
					if !bytes.Equal(got, data) {
						t.Fatalf("%s level %d piece %d read %d: output differs (%d bytes, want %d)", name, level, piece, readSize, len(got), len(data))
					}
				}
			}
		}
	}
}

// TestMatchesZlib damages streams in many ways (bit flips, truncation,
// bytes past the end) and checks that the Reader accepts exactly what
// compress/zlib accepts, with the same output.
func TestMatchesZlib(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for name, data := range samples() {
		if len(data) > 100_000 {
			data = data[:5000+r.IntN(20_000)]
		}
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.BestCompression} {
			z := compress(t, data, level)
			for range 40 {
				bad := bytes.Clone(z)
				switch r.IntN(3) {
				case 0:
					i := r.IntN(len(bad))
					bad[i] ^= 1 << r.IntN(8)
				case 1:
					bad = bad[:r.IntN(len(bad))]
				case 2:
					for range 1 + r.IntN(8) {
						bad[r.IntN(len(bad))] = byte(r.Uint32())
					}
				}
				compare(t, fmt.Sprintf("%s level %d", name, level), bad)
			}
		}
	}
}

// compare inflates data with the Reader and with compress/zlib: both
// must fail, or both succeed with the same output.
func compare(t *testing.T, what string, data []byte) {
	t.Helper()
	want, wantErr := func() ([]byte, error) {
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}()
	got, err := inflateAll(bytes.NewReader(data), 4096)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%s: error %v, compress/zlib's %v (input %x…)", what, err, wantErr, data[:min(len(data), 32)])
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("%s: output differs from compress/zlib's", what)
	}
}

// TestErrors checks the typed errors of damaged streams.
func TestErrors(t *testing.T) {
	good := compress(t, []byte("hello, hello, hello, world"), 6)
	flip := func(i int, bit byte) []byte { b := bytes.Clone(good); b[i] ^= bit; return b }
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"header only", good[:2], io.ErrUnexpectedEOF},
		{"truncated", good[:len(good)-6], io.ErrUnexpectedEOF},
		{"no checksum", good[:len(good)-4], io.ErrUnexpectedEOF},
		{"bad method", flip(0, 1), ErrHeader},
		{"bad check bits", flip(1, 1), ErrHeader},
		{"dictionary", func() []byte {
			b := bytes.Clone(good)
			b[1] = 0x20
			b[1] += byte(31 - (uint(b[0])<<8|uint(b[1]))%31)
			return b
		}(), ErrDictionary},
		{"checksum", flip(len(good)-1, 1), ErrChecksum},
		{"block type 3", []byte{0x78, 0x9c, 0x07}, ErrCorrupt},
		{"stored length", []byte{0x78, 0x9c, 0x01, 0x05, 0x00, 0x00, 0x00}, ErrCorrupt},
		// A final fixed block (bits 1, 10) whose first symbol is a match
		// reaching before the output: length 3 (code 257, 0000001) at
		// distance 1 (code 0, 00000).
		{"distance", []byte{0x78, 0x9c, 0x03, 0x02, 0x00}, ErrCorrupt},
	} {
		_, err := inflateAll(bytes.NewReader(c.data), 100)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

// TestNext takes the output through Next in pieces of several sizes, up
// to MaxNext, mixed with Reads: the pieces must be the data, and asking
// for more than is left must fail.
func TestNext(t *testing.T) {
	for name, data := range samples() {
		z := compress(t, data, flate.DefaultCompression)
		for _, sizes := range [][]int{{1}, {15361}, {MaxNext}, {0, 3, 70_000, MaxNext, 5, 1 << 17}} {
			var r Reader
			if err := r.Reset(&chunked{z, 8192}); err != nil {
				t.Fatal(err)
			}
			var got []byte
			for i := 0; len(got) < len(data); i++ {
				n := min(sizes[i%len(sizes)], len(data)-len(got))
				if i%3 == 2 {
					buf := make([]byte, n)
					m, err := io.ReadFull(&r, buf)
					if err != nil {
						t.Fatalf("%s %v: Read: %v", name, sizes, err)
					}
					got = append(got, buf[:m]...)
					continue
				}
				b, err := r.Next(n)
				if err != nil {
					t.Fatalf("%s %v: Next(%d) at %d: %v", name, sizes, n, len(got), err)
				}
				if len(b) != n {
					t.Fatalf("%s %v: Next(%d) gave %d bytes", name, sizes, n, len(b))
				}
				got = append(got, b...)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s %v: output differs", name, sizes)
			}
			if _, err := r.Next(1); err != io.ErrUnexpectedEOF {
				t.Fatalf("%s %v: Next past the end: %v", name, sizes, err)
			}
		}
	}
}
