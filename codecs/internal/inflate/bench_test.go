package inflate

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// pngData returns the zlib stream of the corpus's 15 MP PNG (its IDAT
// chunks joined), or, without BLOBIMAGE_CORPUS, the image-like sample.
func pngData(b *testing.B) (z []byte, size int) {
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, "altai_15mp.png"))
		if err != nil {
			b.Fatal(err)
		}
		for p := 8; p+8 <= len(data); {
			n := int(binary.BigEndian.Uint32(data[p:]))
			if string(data[p+4:p+8]) == "IDAT" {
				z = append(z, data[p+8:p+8+n]...)
			}
			p += 12 + n
		}
	} else {
		z = compress(b, samples()["image"], 6)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		b.Fatal(err)
	}
	return z, int(n)
}

// BenchmarkPNG inflates a PNG's image data, read in rows of 15 KiB as the
// PNG decoder does, with this package and with compress/zlib.
func BenchmarkPNG(b *testing.B) {
	z, size := pngData(b)
	row := make([]byte, 15361)
	run := func(b *testing.B, r io.Reader) {
		b.SetBytes(int64(size))
		for b.Loop() {
			if err := r.(interface{ Reset(io.Reader) error }).Reset(bytes.NewReader(z)); err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				m, err := r.Read(row)
				n += m
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if n != size {
				b.Fatalf("%d bytes, want %d", n, size)
			}
		}
	}
	b.Run("inflate", func(b *testing.B) { run(b, new(Reader)) })
	b.Run("compress-zlib", func(b *testing.B) {
		zr, _ := zlib.NewReader(bytes.NewReader(z))
		run(b, zlibResetter{zr})
	})
}

type zlibResetter struct{ io.ReadCloser }

func (z zlibResetter) Reset(r io.Reader) error { return z.ReadCloser.(zlib.Resetter).Reset(r, nil) }
