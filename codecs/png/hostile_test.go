package png

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	stdpng "image/png"
	"io"
	"runtime"
	"testing"
	"time"
)

// chunks splits a PNG into its chunks' offsets (after the signature).
func chunks(data []byte) []int {
	var offs []int
	for i := len(signature); i+12 <= len(data); {
		offs = append(offs, i)
		i += 12 + int(binary.BigEndian.Uint32(data[i:]))
	}
	return offs
}

// agree decodes data with this package (Decode and DecodeScaled) and with
// image/png, failing unless both fail or both succeed.
func agree(t *testing.T, name string, data []byte) error {
	t.Helper()
	_, stdErr := stdpng.Decode(bytes.NewReader(data))
	_, err := Decode(bytes.NewReader(data))
	if (err == nil) != (stdErr == nil) {
		t.Fatalf("%s: Decode: %v; image/png: %v", name, err, stdErr)
	}
	for _, k := range []int{2, 8} {
		if _, serr := DecodeScaled(&plainReader{data: data}, k); (serr == nil) != (err == nil) {
			t.Fatalf("%s: DecodeScaled(%d): %v; Decode: %v", name, k, serr, err)
		}
	}
	return err
}

// TestTruncated cuts PNGs at every byte (every chunk boundary among
// them): each is an error, as in image/png, and nothing panics.
func TestTruncated(t *testing.T) {
	for _, p := range []testPNG{
		{w: 13, h: 11, colorType: ctRGBA, depth: 8, filter: -1, seed: 1, idat: 40},
		{w: 13, h: 11, colorType: ctPalette, depth: 4, plte: 9, trns: []byte{1, 2}, filter: -1, interlaced: true, seed: 2, idat: 30},
	} {
		data := p.encode()
		for n := range len(data) {
			if err := agree(t, p.String(), data[:n]); err == nil {
				t.Fatalf("%v cut at %d of %d: no error", p, n, len(data))
			}
		}
	}
}

// TestBadCRC damages the CRC of each chunk in turn.
func TestBadCRC(t *testing.T) {
	data := testPNG{w: 13, h: 11, colorType: ctPalette, depth: 8, plte: 20, trns: []byte{0}, filter: -1, seed: 3, idat: 50}.encode()
	for _, off := range chunks(data) {
		b := bytes.Clone(data)
		end := off + 8 + int(binary.BigEndian.Uint32(b[off:]))
		b[end] ^= 1
		err := agree(t, "bad CRC of "+string(b[off+4:off+8]), b)
		var fe FormatError
		if !errors.As(err, &fe) || fe != "invalid checksum" {
			t.Errorf("bad CRC of %s: %v", b[off+4:off+8], err)
		}
	}
}

// withIDAT returns the PNG of p with its image data replaced by the zlib
// stream of raw, in IDAT chunks of n bytes (0: one chunk), and
// zeroLength empty IDAT chunks before and after them.
func withIDAT(p testPNG, raw []byte, n, zeroLength int) []byte {
	data := p.encode()
	offs := chunks(data)
	var out bytes.Buffer
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	zb := z.Bytes()
	for _, off := range offs {
		typ := string(data[off+4 : off+8])
		end := off + 12 + int(binary.BigEndian.Uint32(data[off:]))
		switch typ {
		case "IDAT":
			continue
		case "IEND":
			for range zeroLength {
				out.Write(chunk("IDAT", nil))
			}
			for b := zb; len(b) > 0; {
				k := len(b)
				if n > 0 {
					k = min(k, n)
				}
				out.Write(chunk("IDAT", b[:k]))
				b = b[k:]
			}
			for range zeroLength {
				out.Write(chunk("IDAT", nil))
			}
		}
		if off == offs[0] {
			out.WriteString(signature)
		}
		out.Write(data[off:end])
	}
	return out.Bytes()
}

// TestIDATSize gives the image data too few and too many bytes, and empty
// IDAT chunks around the right number.
func TestIDATSize(t *testing.T) {
	p := testPNG{w: 10, h: 6, colorType: ctGray, depth: 8, seed: 4}
	need := 6 * 11
	for _, tc := range []struct {
		name     string
		raw, n   int
		zero     int
		wantFail bool
	}{
		{"exact", need, 0, 0, false},
		{"exact in 7-byte chunks", need, 7, 0, false},
		{"zero-length IDAT chunks around", need, 9, 2, false},
		{"one byte short", need - 1, 0, 0, true},
		{"one byte over", need + 1, 0, 0, true},
		{"empty", 0, 0, 0, true},
	} {
		data := withIDAT(p, make([]byte, tc.raw), tc.n, tc.zero)
		if err := agree(t, tc.name, data); (err != nil) != tc.wantFail {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestBytesAfterStream puts bytes after the zlib stream in its IDAT chunk,
// and after that chunk a whole IDAT chunk of them. image/png reads the
// stream through a 4 KiB buffer and accepts what that buffer took in with
// the stream's end, refusing more; the decoder's inflater reads its input
// the same way, so the two agree (agree compares them) on each length.
// An IDAT chunk after the data is skipped by both.
func TestBytesAfterStream(t *testing.T) {
	p := testPNG{w: 10, h: 6, colorType: ctGray, depth: 8, seed: 4}
	data := withIDAT(p, make([]byte, 6*11), 0, 0)
	offs := chunks(data)
	var idat int
	for _, off := range offs {
		if string(data[off+4:off+8]) == "IDAT" {
			idat = off
		}
	}
	zb := data[idat+8 : idat+8+int(binary.BigEndian.Uint32(data[idat:]))]
	end := idat + 12 + len(zb)
	accepted := 0
	for _, n := range []int{1, 7, 100, 4000, 4096, 5000, 20000} {
		var out bytes.Buffer
		out.Write(data[:idat])
		out.Write(chunk("IDAT", append(bytes.Clone(zb), make([]byte, n)...)))
		out.Write(data[end:])
		if agree(t, fmt.Sprintf("%d bytes after the stream", n), out.Bytes()) == nil {
			accepted++
		}
		out.Reset()
		out.Write(data[:end])
		out.Write(chunk("IDAT", make([]byte, n)))
		out.Write(data[end:])
		if err := agree(t, fmt.Sprintf("IDAT chunk of %d bytes after", n), out.Bytes()); err != nil {
			t.Errorf("IDAT chunk of %d bytes after the data: %v", n, err)
		}
	}
	if accepted == 0 || accepted == 7 {
		t.Errorf("%d of 7 lengths after the stream accepted: the test no longer tells the two readers' buffering apart", accepted)
	}
}

// countingReader counts the bytes read through it, and tells how many are
// left.
type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Len() int { return c.r.Len() }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestTrailingBomb appends 256 MiB of zeros (a quarter MiB deflated) to the
// image data of a small image: the decoder stops after the image's rows
// and one byte, refusing the rest unread (a reader without a Len method
// is read to its end first, but its data is not inflated past the image
// either).
func TestTrailingBomb(t *testing.T) {
	p := testPNG{w: 10, h: 6, colorType: ctGray, depth: 8, seed: 5}
	raw := make([]byte, 6*11+256<<20)
	data := withIDAT(p, raw, 1<<16, 0)
	for _, scaled := range []bool{false, true} {
		c := &countingReader{r: bytes.NewReader(data)}
		var err, plainErr error
		start := time.Now()
		if scaled {
			_, err = DecodeScaled(c, 2)
			_, plainErr = DecodeScaled(&plainReader{data: data}, 2)
		} else {
			_, err = Decode(c)
			_, plainErr = Decode(&plainReader{data: data})
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("scaled %v: took %v", scaled, d)
		}
		var fe FormatError
		if !errors.As(err, &fe) || fe != "too much pixel data" || !errors.As(plainErr, &fe) || fe != "too much pixel data" {
			t.Errorf("scaled %v: %v and %v, want too much pixel data", scaled, err, plainErr)
		}
		if c.n > 100<<10 {
			t.Errorf("scaled %v: read %d bytes of %d", scaled, c.n, len(data))
		}
	}
}

// TestHugeHeader declares 60000×60000 and 2³¹−1×1 over a few bytes of
// image data: refused before any allocation of that size, with a reader
// that tells its length (from the header) and one that does not (the
// image grows with the data).
func TestHugeHeader(t *testing.T) {
	for _, size := range [][2]int{{60000, 60000}, {1<<31 - 1, 1}, {30000, 30000}} {
		for _, ct := range []int{ctRGBA, ctGray} {
			for _, il := range []bool{false, true} {
				if il && ct == ctGray {
					continue
				}
				p := testPNG{w: 4, h: 4, colorType: ct, depth: 8, seed: 6}
				data := withIDAT(p, make([]byte, 4096), 0, 0)
				copy(data[8:], ihdr(size[0], size[1], 8, ct, il))
				for _, r := range []func() io.Reader{
					func() io.Reader { return bytes.NewReader(data) },
					func() io.Reader { return &plainReader{data: data} },
				} {
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					_, err := Decode(r())
					_, err2 := DecodeScaled(r(), 8)
					runtime.ReadMemStats(&after)
					if err == nil || err2 == nil {
						t.Errorf("%v %T: decoded", size, r())
					}
					if a := after.TotalAlloc - before.TotalAlloc; a > 8<<20 {
						t.Errorf("%v ct %d interlaced %v %T: allocated %d bytes", size, ct, il, r(), a)
					}
				}
			}
		}
	}
}
