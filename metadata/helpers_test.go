package metadata_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

var (
	takenAt  = time.Date(2023, 6, 15, 14, 30, 45, 0, time.FixedZone("", 2*3600))
	fullEXIF = testimage.EXIF{
		Orientation:  6,
		Make:         "Canon  ",
		Model:        " EOS R5",
		Lens:         "RF24-70mm F2.8 L IS USM",
		Taken:        takenAt,
		Offset:       "+02:00",
		ExposureTime: [2]uint32{1, 250},
		FNumber:      [2]uint32{28, 10},
		FocalLength:  [2]uint32{50, 1},
		ISO:          400,
		GPS:          &testimage.GPS{Lat: 43.4671, Lon: -11.8853, Alt: 123.4},
	}
	// approx compares floats (GPS positions go through degrees, minutes
	// and seconds with 1/10000 s resolution).
	approx = cmpopts.EquateApprox(0, 1e-6)
)

// fullMeta is what Read should report for fullEXIF.
func fullMeta() metadata.Metadata {
	alt := 123.4
	return metadata.Metadata{
		Taken:        takenAt,
		Make:         "Canon",
		Model:        "EOS R5",
		Lens:         "RF24-70mm F2.8 L IS USM",
		Orientation:  6,
		ExposureTime: 0.004,
		FNumber:      2.8,
		ISO:          400,
		FocalLength:  50,
		GPS:          &metadata.GPS{Lat: 43.4671, Lon: -11.8853, Alt: &alt},
	}
}

// withoutGPS returns e without its position.
func withoutGPS(e testimage.EXIF) testimage.EXIF {
	e.GPS = nil
	return e
}

func pattern() *image.NRGBA { return testimage.Pattern(64, 48) }

func app1(p []byte) testimage.Segment { return testimage.Segment{Marker: 0xE1, Payload: p} }

func jpegWith(segs ...testimage.Segment) []byte { return testimage.JPEG(pattern(), 90, segs...) }

// tiffOf returns the TIFF structure of an APP1 EXIF payload.
func tiffOf(app1 []byte) []byte { return bytes.TrimPrefix(app1, []byte("Exif\x00\x00")) }

// xmpWith returns an APP1 XMP payload holding attrs.
func xmpWith(kv ...string) []byte {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return testimage.XMP(m)
}

// xmpPacket returns the packet of an APP1 XMP payload.
func xmpPacket(app1 []byte) []byte {
	return bytes.TrimPrefix(app1, []byte("http://ns.adobe.com/xap/1.0/\x00"))
}

// chunk returns a PNG chunk.
func chunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func iTXt(keyword string, text []byte) []byte {
	d := append([]byte(keyword), 0, 0, 0, 0, 0)
	return chunk("iTXt", append(d, text...))
}

// pngWith returns the Pattern PNG with the given chunks after IHDR.
func pngWith(chunks ...[]byte) []byte {
	p := testimage.PNG(pattern())
	const afterIHDR = 8 + 25
	out := append([]byte(nil), p[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[afterIHDR:]...)
}

// pngChunkTypes lists the chunk types of a PNG.
func pngChunkTypes(t *testing.T, b []byte) []string {
	t.Helper()
	var types []string
	for pos := 8; pos+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[pos:]))
		types = append(types, string(b[pos+4:pos+8]))
		pos += 12 + n
	}
	return types
}

// webpChunks lists the chunk IDs of a WebP and checks the RIFF size.
func webpChunks(t *testing.T, b []byte) []string {
	t.Helper()
	if got, want := int(binary.LittleEndian.Uint32(b[4:])), len(b)-8; got != want {
		t.Errorf("RIFF size %d, want %d", got, want)
	}
	var ids []string
	for pos := 12; pos+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[pos+4:]))
		ids = append(ids, string(b[pos:pos+4]))
		pos += 8 + n + n%2
	}
	return ids
}

// webpChunk returns a RIFF chunk.
func webpChunk(id string, payload []byte) []byte {
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpWith returns the Pattern as an extended WebP: VP8X with flags, the
// VP8L image, then chunks.
func webpWith(flags byte, chunks ...[]byte) []byte {
	simple := testimage.WebP(pattern(), nil)
	b := pattern().Bounds()
	w, h := b.Dx()-1, b.Dy()-1
	body := []byte("WEBP")
	body = append(body, webpChunk("VP8X", []byte{flags, 0, 0, 0, byte(w), byte(w >> 8), byte(w >> 16), byte(h), byte(h >> 8), byte(h >> 16)})...)
	body = append(body, simple[12:]...)
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// webpAppend appends a chunk to an extended WebP, sets flag in VP8X and
// fixes the RIFF size.
func webpAppend(b []byte, id string, payload []byte, flag byte) []byte {
	out := append([]byte(nil), b...)
	out = append(out, id...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	if string(out[12:16]) == "VP8X" {
		out[20] |= flag
	}
	return out
}

// jpegMarkers lists the markers of the segments before SOS.
func jpegMarkers(t *testing.T, b []byte) []byte {
	t.Helper()
	var ms []byte
	for pos := 2; pos+4 <= len(b) && b[pos] == 0xFF; {
		m := b[pos+1]
		ms = append(ms, m)
		if m == 0xDA {
			break
		}
		pos += 2 + int(binary.BigEndian.Uint16(b[pos+2:]))
	}
	return ms
}

// decode decodes b with the format's standard decoder.
func decode(t *testing.T, f codecs.Format, b []byte) image.Image {
	t.Helper()
	var (
		img image.Image
		err error
	)
	switch f {
	case codecs.JPEG:
		img, err = jpeg.Decode(bytes.NewReader(b))
	case codecs.PNG:
		img, err = png.Decode(bytes.NewReader(b))
	case codecs.WebP:
		img, err = webp.Decode(bytes.NewReader(b))
	case codecs.GIF:
		img, err = gif.Decode(bytes.NewReader(b))
	}
	if err != nil {
		t.Fatalf("decode %s: %v", f, err)
	}
	return img
}

// samePixels checks that a and b decode to identical images.
func samePixels(t *testing.T, f codecs.Format, a, b []byte) {
	t.Helper()
	ia, ib := decode(t, f, a), decode(t, f, b)
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("bounds %v, want %v", ib.Bounds(), ia.Bounds())
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("pixel (%d,%d) differs", x, y)
			}
		}
	}
}

// sameSlice reports whether b is a itself.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// read calls metadata.Read and fails on an error.
func read(t *testing.T, f codecs.Format, b []byte) metadata.Metadata {
	t.Helper()
	m, err := metadata.Read(f, b)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return m
}

func diffMeta(want, got metadata.Metadata) string { return cmp.Diff(want, got, approx) }

// noBug fails when err reports a recovered panic.
func noBug(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "internal error") {
		t.Errorf("%s: %v", what, err)
	}
}
