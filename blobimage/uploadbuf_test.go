package blobimage

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkBuffer fails unless b holds exactly want, as one slice of that
// length, and Bytes is stable across calls.
func checkBuffer(t *testing.T, b *uploadBuffer, want []byte) {
	t.Helper()
	if b.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", b.Len(), len(want))
	}
	got := b.Bytes()
	if !bytes.Equal(got, want) {
		t.Fatalf("Bytes differ from what was written (%d bytes, want %d)", len(got), len(want))
	}
	if len(want) > 0 && len(b.chunks) != 1 {
		t.Fatalf("after Bytes: %d chunks, want 1", len(b.chunks))
	}
	if again := b.Bytes(); len(again) != len(got) || len(got) > 0 && &again[0] != &got[0] {
		t.Fatal("a second Bytes call made a new slice")
	}
}

func TestUploadBufferEmpty(t *testing.T) {
	var b uploadBuffer
	if b.Len() != 0 || b.Bytes() != nil {
		t.Fatalf("empty buffer: Len %d, Bytes %v", b.Len(), b.Bytes())
	}
	if n, err := b.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v", n, err)
	}
	if len(b.chunks) != 0 {
		t.Fatalf("Write(nil) made %d chunks", len(b.chunks))
	}
	n, err := b.ReadFrom(strings.NewReader(""))
	if n != 0 || err != nil {
		t.Fatalf("ReadFrom(empty) = %d, %v", n, err)
	}
	if b.Len() != 0 || len(b.Bytes()) != 0 {
		t.Fatalf("after an empty read: Len %d, Bytes %d bytes", b.Len(), len(b.Bytes()))
	}
}

// One Write (Bucket.WriteAll) is one chunk of exactly its size: Bytes
// neither copies nor over-allocates.
func TestUploadBufferOneWrite(t *testing.T) {
	for _, n := range []int{1, minChunk - 1, minChunk, minChunk + 1, maxChunk, maxChunk + 1, 3*maxChunk + 5} {
		want := randomBytes(n)
		var b uploadBuffer
		if m, err := b.Write(want); m != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, m, err)
		}
		if len(b.chunks) != 1 {
			t.Fatalf("%d bytes in one Write: %d chunks", n, len(b.chunks))
		}
		first := &b.chunks[0][0]
		checkBuffer(t, &b, want)
		if &b.Bytes()[0] != first {
			t.Fatalf("%d bytes in one Write: Bytes copied them", n)
		}
		if n >= minChunk && cap(b.Bytes()) != n {
			t.Fatalf("%d bytes in one Write: capacity %d", n, cap(b.Bytes()))
		}
	}
}

// Exactly one chunk's worth in small Writes fills one chunk and is not
// copied.
func TestUploadBufferExactlyOneChunk(t *testing.T) {
	want := randomBytes(minChunk)
	var b uploadBuffer
	for p := want; len(p) > 0; p = p[1000:] {
		b.Write(p[:min(1000, len(p))])
		if len(p) <= 1000 {
			break
		}
	}
	if len(b.chunks) != 1 {
		t.Fatalf("%d chunks for one chunk's worth", len(b.chunks))
	}
	first := &b.chunks[0][0]
	checkBuffer(t, &b, want)
	if &b.Bytes()[0] != first {
		t.Fatal("one full chunk was copied")
	}
	// One byte more starts a second chunk, and Bytes joins them.
	b.Write([]byte{42})
	if len(b.chunks) != 2 {
		t.Fatalf("one byte past a full chunk: %d chunks", len(b.chunks))
	}
	checkBuffer(t, &b, append(want, 42))
}

// Many Writes of assorted sizes, with Bytes read between them: the chunks
// grow with what is held, within their bounds, and the joined bytes are
// what was written.
func TestUploadBufferManyWrites(t *testing.T) {
	data := randomBytes(13<<20 + 12345)
	r := rand.New(rand.NewPCG(1, 2))
	var b uploadBuffer
	var written int
	for written < len(data) {
		n := min(len(data)-written, r.IntN(300<<10))
		if r.IntN(50) == 0 {
			n = min(len(data)-written, 5<<20) // a piece larger than maxChunk
		}
		b.Write(data[written : written+n])
		written += n
		if r.IntN(40) == 0 {
			// Reads after writes: Bytes joins, and writing goes on
			// after it.
			checkBuffer(t, &b, data[:written])
		}
	}
	for i, c := range b.chunks[:len(b.chunks)-1] {
		if len(c) != cap(c) {
			t.Fatalf("chunk %d of %d has room left (%d of %d) but is not the last", i, len(b.chunks), len(c), cap(c))
		}
	}
	for _, c := range b.chunks {
		if cap(c) > maxChunk && cap(c) != len(c) {
			t.Fatalf("a chunk of %d bytes larger than maxChunk was made with room to spare", cap(c))
		}
	}
	checkBuffer(t, &b, data)
	b.Reset()
	if b.Len() != 0 || b.Bytes() != nil || b.hint != 0 {
		t.Fatal("Reset kept something")
	}
}

// A hint sizes the first chunk: an upload of exactly that size, in any
// pieces, is one slice that is never copied; a wrong hint only costs
// chunks.
func TestUploadBufferHint(t *testing.T) {
	const n = 3<<20 + 17
	data := randomBytes(n)
	for _, tc := range []struct {
		name   string
		hint   int
		size   int
		chunks int // before Bytes
	}{
		{"exact", n, n, 1},
		{"short upload", n + 100, n, 1},
		{"long upload", n - 100, n, 2},
		{"tiny hint", 10, n, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := uploadBuffer{hint: tc.hint}
			for p := data[:tc.size]; len(p) > 0; {
				k := min(len(p), 1<<20)
				b.Write(p[:k])
				p = p[k:]
			}
			if tc.chunks > 0 && len(b.chunks) != tc.chunks {
				t.Fatalf("%d chunks, want %d", len(b.chunks), tc.chunks)
			}
			if cap(b.chunks[0]) < min(tc.hint, n) {
				t.Fatalf("first chunk %d bytes, hint %d", cap(b.chunks[0]), tc.hint)
			}
			checkBuffer(t, &b, data[:tc.size])
		})
	}
}

// ReadFrom reads to EOF, in whatever pieces the reader gives, and with an
// exact hint makes one chunk and nothing more than a probe for EOF.
func TestUploadBufferReadFrom(t *testing.T) {
	const n = 2<<20 + 3
	data := randomBytes(n)
	readers := map[string]func() io.Reader{
		"bytes.Reader":   func() io.Reader { return bytes.NewReader(data) },
		"one byte":       func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:70000])) },
		"half":           func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data with EOF":  func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		"no Len (pipe)":  func() io.Reader { return io.MultiReader(bytes.NewReader(data[:n/2]), bytes.NewReader(data[n/2:])) },
		"limited, short": func() io.Reader { return io.LimitReader(bytes.NewReader(data), n-5) },
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			r := mk()
			want, _ := io.ReadAll(mk())
			b := uploadBuffer{hint: readerSize(r)}
			got, err := b.ReadFrom(r)
			if err != nil || got != int64(len(want)) {
				t.Fatalf("ReadFrom = %d, %v; want %d, nil", got, err, len(want))
			}
			if b.hint > 0 && len(b.chunks) != 1 {
				t.Fatalf("exact hint %d: %d chunks", b.hint, len(b.chunks))
			}
			checkBuffer(t, &b, want)
		})
	}
	// Reads after writes: ReadFrom appends.
	var b uploadBuffer
	b.Write(data[:100])
	if _, err := b.ReadFrom(bytes.NewReader(data[100:])); err != nil {
		t.Fatal(err)
	}
	checkBuffer(t, &b, data)

	// A reader's error is returned, with what it gave before it.
	boom := errors.New("boom")
	b.Reset()
	got, err := b.ReadFrom(io.MultiReader(bytes.NewReader(data[:1000]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || got != 1000 {
		t.Fatalf("ReadFrom of a failing reader = %d, %v", got, err)
	}
	checkBuffer(t, &b, data[:1000])
}

// A reader that claims to have read more than it was given room for is
// refused, not trusted.
func TestUploadBufferBadReader(t *testing.T) {
	var b uploadBuffer
	if _, err := b.ReadFrom(liar{}); !errors.Is(err, errBadRead) {
		t.Fatalf("ReadFrom(liar) = %v, want errBadRead", err)
	}
}

type liar struct{}

func (liar) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestReaderSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, randomBytes(5000), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	br := bytes.NewReader(make([]byte, 300))
	br.Read(make([]byte, 100))
	for _, tc := range []struct {
		name string
		r    io.Reader
		want int
	}{
		{"bytes.Reader, partly read", br, 200},
		{"bytes.Buffer", bytes.NewBufferString("hello"), 5},
		{"strings.Reader", strings.NewReader("hello, world"), 12},
		{"file at an offset", f, 4000},
		{"directory", d, 0},
		{"section", io.NewSectionReader(strings.NewReader("0123456789"), 2, 5), 5},
		{"limited below its reader", io.LimitReader(strings.NewReader("0123456789"), 4), 4},
		{"limited above its reader", io.LimitReader(strings.NewReader("0123456789"), 400), 10},
		{"limited, unknown reader", io.LimitReader(iotest.HalfReader(strings.NewReader("x")), 400), 0},
		{"unknown", iotest.HalfReader(strings.NewReader("x")), 0},
		{"empty", strings.NewReader(""), 0},
	} {
		if got := readerSize(tc.r); got != tc.want {
			t.Errorf("%s: readerSize = %d, want %d", tc.name, got, tc.want)
		}
	}
}
