package metadata_test

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// photoJPEG returns a 12 MP (4032×3024) JPEG at quality 90 whose pixels
// are textured like a photograph (a gradient with fine noise, so the
// entropy-coded data is a few MB with the usual share of 0xFF bytes), with
// an EXIF block holding GPS, an XMP packet and a Display P3 ICC profile:
// what a phone upload carries.
func photoJPEG(b *testing.B) []byte {
	b.Helper()
	const w, h = 4032, 3024
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for y := range h {
		for x := range w {
			seed = seed*1664525 + 1013904223
			n := int(seed>>27) - 16
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(min(255, max(0, x*255/w+n))),
				G: uint8(min(255, max(0, y*255/h+n))),
				B: uint8(min(255, max(0, (x+y)*255/(w+h)-n))),
				A: 255,
			})
		}
	}
	data := testimage.JPEG(img, 90,
		app1(fullEXIF.Bytes()),
		app1(xmpWith("xmp:CreatorTool", "bench", "exif:GPSLatitude", "43,28.02N", "exif:GPSLongitude", "11,53.11W")))
	out, err := metadata.EmbedICC(codecs.JPEG, data, testimage.ICC("Display P3"))
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// benchReadICCStrip runs what the write path asks of an upload's
// metadata, Read, ICCProfile and StripGPS, through the one-off functions:
// three parses of data.
func benchReadICCStrip(b *testing.B, f codecs.Format, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := metadata.Read(f, data); err != nil {
			b.Fatal(err)
		}
		if _, err := metadata.ICCProfile(f, data); err != nil {
			b.Fatal(err)
		}
		if _, err := metadata.StripGPS(f, data); err != nil {
			b.Fatal(err)
		}
	}
}

// benchParseOnce asks the same of one File: one parse of data.
func benchParseOnce(b *testing.B, f codecs.Format, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		file, err := metadata.Parse(f, data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := file.Metadata(); err != nil {
			b.Fatal(err)
		}
		if _, err := file.ICC(); err != nil {
			b.Fatal(err)
		}
		if _, err := file.StripGPS(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadICCStripGPS(b *testing.B) {
	data := photoJPEG(b)
	b.Logf("JPEG of %d bytes", len(data))
	b.Run("one-off", func(b *testing.B) { benchReadICCStrip(b, codecs.JPEG, data) })
	b.Run("parse-once", func(b *testing.B) { benchParseOnce(b, codecs.JPEG, data) })
}

// BenchmarkReadICCStripGPSCorpus does the same on the real photos of
// BLOBIMAGE_CORPUS.
func BenchmarkReadICCStripGPSCorpus(b *testing.B) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		b.Skip("BLOBIMAGE_CORPUS not set")
	}
	for _, name := range []string{"canon5d3_22mp.jpg", "iphone6_8mp.jpg", "gps_DSCN0010.jpg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/one-off", func(b *testing.B) { benchReadICCStrip(b, codecs.JPEG, data) })
		b.Run(name+"/parse-once", func(b *testing.B) { benchParseOnce(b, codecs.JPEG, data) })
	}
}

// BenchmarkTrimCorpus measures Trim on the real photos of
// BLOBIMAGE_CORPUS: with a one-off parse (the walk of every segment and
// of the scans' entropy-coded data, which Trim needs), on a File already
// parsed (what the write path pays, as it parses the upload anyway), and
// with 20 MiB appended (which the walk does not read past EOI).
func BenchmarkTrimCorpus(b *testing.B) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		b.Skip("BLOBIMAGE_CORPUS not set")
	}
	for _, c := range []struct {
		name string
		f    codecs.Format
	}{{"canon5d3_22mp.jpg", codecs.JPEG}, {"seeding_16mp_prog.jpg", codecs.JPEG}, {"iphone_IMG_5195.heic", codecs.HEIC}} {
		data, err := os.ReadFile(filepath.Join(dir, c.name))
		if err != nil {
			b.Fatal(err)
		}
		padded := append(bytes.Clone(data), make([]byte, 20<<20)...)
		for _, in := range []struct {
			name string
			data []byte
		}{{"", data}, {"+20MiB", padded}} {
			b.Run(c.name+in.name+"/parse+trim", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := metadata.Trim(c.f, in.data); err != nil {
						b.Fatal(err)
					}
				}
			})
			file, err := metadata.Parse(c.f, in.data)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(c.name+in.name+"/trim", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := file.Trim(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
