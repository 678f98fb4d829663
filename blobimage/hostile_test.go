package blobimage_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/image/webp"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// cpuTime is the process's user + system CPU time so far, over all threads.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// jpegHeader walks the marker segments of data (a JPEG from image/jpeg) up
// to its first SOS and returns SOI and those segments, each passed through
// edit (marker, whole segment from 0xFF) first.
func jpegHeader(data []byte, edit func(marker byte, seg []byte)) []byte {
	out := []byte{0xFF, 0xD8}
	for i := 2; data[i+1] != 0xDA; {
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		seg := bytes.Clone(data[i : i+2+n])
		edit(seg[1], seg)
		out = append(out, seg...)
		i += 2 + n
	}
	return out
}

// jpegWithSOF returns a small baseline JPEG whose SOF0 declares w×h.
func jpegWithSOF(w, h uint16) []byte {
	data := testimage.JPEG(testimage.Pattern(16, 16), 90)
	head := jpegHeader(data, func(m byte, seg []byte) {
		if m == 0xC0 {
			binary.BigEndian.PutUint16(seg[5:], h)
			binary.BigEndian.PutUint16(seg[7:], w)
		}
	})
	sos := bytes.Index(data, []byte{0xFF, 0xDA}) // the first SOS: head is all that precedes it
	return append(head, data[sos:]...)
}

// gifWithScreen returns a small GIF whose logical screen is w×h.
func gifWithScreen(w, h uint16) []byte {
	data := testimage.GIF(testimage.Pattern(4, 4))
	binary.LittleEndian.PutUint16(data[6:], w)
	binary.LittleEndian.PutUint16(data[8:], h)
	return data
}

// gifWithEmptyFrame returns a GIF whose logical screen and first frame are
// both 0×0.
func gifWithEmptyFrame() []byte {
	data := gifWithScreen(0, 0)
	at := 13
	if data[10]&0x80 != 0 {
		at += 3 << (1 + data[10]&7)
	}
	for data[at] == 0x21 {
		at += 2
		for data[at] != 0 {
			at += 1 + int(data[at])
		}
		at++
	}
	binary.LittleEndian.PutUint16(data[at+5:], 0)
	binary.LittleEndian.PutUint16(data[at+7:], 0)
	return data
}

// pngChunk appends a PNG chunk with its length and CRC.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// zeroBlocks is n zero bytes as non-final deflate blocks, ending byte
// aligned (a sync flush), that refer to nothing before themselves: copies
// may be concatenated.
func zeroBlocks(n int) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = fw.Write(make([]byte, n))
	_ = fw.Flush()
	return buf.Bytes()
}

// bombPNG is a real w×h 8-bit greyscale PNG whose pixels are all zero, every
// row filter 0: the zlib stream is built in chunks of 100 rows, each
// compressed once and repeated, so a 20000×20000 bomb (400 MB of pixels in
// about 0.4 MB) takes milliseconds to make.
func bombPNG(w, h int) []byte {
	const rows = 100
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit greyscale, deflate, filter 0, no interlace

	z := []byte{0x78, 0xDA}
	chunk := zeroBlocks(rows * (w + 1))
	for range h / rows {
		z = append(z, chunk...)
	}
	if r := h % rows; r > 0 {
		z = append(z, zeroBlocks(r*(w+1))...)
	}
	z = append(z, 0x03, 0x00) // final, empty, fixed-Huffman block
	// Adler-32 of n zero bytes: s1 stays 1, s2 adds 1 per byte.
	n := uint64(h) * uint64(w+1)
	z = binary.BigEndian.AppendUint32(z, uint32(n%65521)<<16|1)

	b := []byte("\x89PNG\r\n\x1a\n")
	b = pngChunk(b, "IHDR", ihdr)
	b = pngChunk(b, "IDAT", z)
	return pngChunk(b, "IEND", nil)
}

// bomb is the 20000×20000 deflate bomb, made once.
var bomb = sync.OnceValue(func() []byte { return bombPNG(20000, 20000) })

// vp8lHeader is a 28-byte lossless WebP declaring w×h: the VP8L signature
// and size fields, then three bytes of would-be entropy-coded data.
func vp8lHeader(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	payload := []byte{0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24), 0, 0, 0}
	out := []byte("RIFF\x00\x00\x00\x00WEBPVP8L")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// progressiveScans is a small JPEG's SOI and tables with its SOF0 made SOF2
// (progressive), then n minimal SOS segments (one component, DC first
// scan, no entropy-coded data) and EOI.
func progressiveScans(n int) []byte {
	out := jpegHeader(testimage.JPEG(testimage.Pattern(64, 64), 90), func(m byte, seg []byte) {
		if m == 0xC0 {
			seg[1] = 0xC2
		}
	})
	// Length 8, Ns 1, component 1 with tables 0/0, Ss 0, Se 0, Ah/Al 0.
	sos := []byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00}
	for range n {
		out = append(out, sos...)
	}
	return append(out, 0xFF, 0xD9)
}

// manyFrames is a GIF with a 1000×1000 screen and n 2×2 frames placed over
// it by their bounds.
func manyFrames(n int) []byte {
	g := &gif.GIF{Config: image.Config{Width: 1000, Height: 1000, ColorModel: color.Palette(palette.Plan9)}}
	for i := range n {
		x, y := (i*7)%998, (i*13)%998
		g.Image = append(g.Image, image.NewPaletted(image.Rect(x, y, x+2, y+2), palette.Plan9))
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TIFF field types used below.
const (
	tASCII    = 2
	tShort    = 3
	tLong     = 4
	tRational = 5
)

// tiffEntry is one IFD entry. Its value is val, or the offset of data
// (stored after all IFDs) when data is set, or the offset of IFD ifd-1
// when ifd is set.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	val      uint32
	data     []byte
	ifd      int
}

// tiffDir is an IFD whose next-IFD offset points at IFD next-1 (0: none).
type tiffDir struct {
	entries []tiffEntry
	next    int
}

// tiffLE lays out a little-endian TIFF by hand, IFDs first from offset 8,
// then the entries' data, without checking that anything is consistent.
func tiffLE(dirs ...tiffDir) []byte {
	le := binary.LittleEndian
	offs := make([]uint32, len(dirs))
	end := uint32(8)
	for i, d := range dirs {
		offs[i] = end
		end += uint32(2 + 12*len(d.entries) + 4)
	}
	b := le.AppendUint32([]byte("II*\x00"), 8)
	var data []byte
	for _, d := range dirs {
		b = le.AppendUint16(b, uint16(len(d.entries)))
		for _, e := range d.entries {
			v := e.val
			switch {
			case e.data != nil:
				v = end + uint32(len(data))
				data = append(data, e.data...)
				if len(data)%2 == 1 {
					data = append(data, 0)
				}
			case e.ifd > 0:
				v = offs[e.ifd-1]
			}
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, e.count)
			b = le.AppendUint32(b, v)
		}
		var next uint32
		if d.next > 0 {
			next = offs[d.next-1]
		}
		b = le.AppendUint32(b, next)
	}
	return append(b, data...)
}

// rat is RATIONAL data.
func rat(pairs ...uint32) []byte {
	var b []byte
	for _, v := range pairs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// Entries every EXIF generator starts IFD0 with: a valid Make and
// orientation, which must survive the junk around them.
var (
	makeCanon = tiffEntry{tag: 0x010F, typ: tASCII, count: 6, data: []byte("Canon\x00")}
	orient1   = tiffEntry{tag: 0x0112, typ: tShort, count: 1, val: 1}
	exifPtr   = tiffEntry{tag: 0x8769, typ: tLong, count: 1, ifd: 2}
)

// exifJPEG is a 400×300 Pattern JPEG with an APP1 EXIF segment holding
// the given TIFF structure.
func exifJPEG(tiff []byte) []byte {
	return testimage.JPEG(testimage.Pattern(400, 300), 90,
		testimage.Segment{Marker: 0xE1, Payload: append([]byte("Exif\x00\x00"), tiff...)})
}

// exifCountWrap: ExposureTime is a RATIONAL (8 bytes each) whose count
// 0x2000_0001 makes 8×count wrap to 8 in uint32, next to a valid FNumber.
func exifCountWrap() []byte {
	return exifJPEG(tiffLE(
		tiffDir{entries: []tiffEntry{makeCanon, orient1, exifPtr}},
		tiffDir{entries: []tiffEntry{
			{tag: 0x829A, typ: tRational, count: 0x2000_0001, data: rat(1, 250)},
			{tag: 0x829D, typ: tRational, count: 1, data: rat(28, 10)},
		}},
	))
}

// exifLoop: IFD0's next IFD is IFD1, whose next IFD is IFD0 again.
func exifLoop() []byte {
	return exifJPEG(tiffLE(
		tiffDir{entries: []tiffEntry{makeCanon, orient1}, next: 2},
		tiffDir{entries: []tiffEntry{{tag: 0x0100, typ: tLong, count: 1, val: 160}}, next: 1},
	))
}

// exifZeroDenominator: ExposureTime 1/0, FNumber 28/0, FocalLength 0/0.
func exifZeroDenominator() []byte {
	return exifJPEG(tiffLE(
		tiffDir{entries: []tiffEntry{makeCanon, orient1, exifPtr}},
		tiffDir{entries: []tiffEntry{
			{tag: 0x829A, typ: tRational, count: 1, data: rat(1, 0)},
			{tag: 0x829D, typ: tRational, count: 1, data: rat(28, 0)},
			{tag: 0x920A, typ: tRational, count: 1, data: rat(0, 0)},
		}},
	))
}

// tiffImage is a 1×1 8-bit greyscale TIFF.
func tiffImage() []byte {
	return tiffLE(tiffDir{entries: []tiffEntry{
		{tag: 0x0100, typ: tLong, count: 1, val: 1},             // ImageWidth
		{tag: 0x0101, typ: tLong, count: 1, val: 1},             // ImageLength
		{tag: 0x0102, typ: tShort, count: 1, val: 8},            // BitsPerSample
		{tag: 0x0103, typ: tShort, count: 1, val: 1},            // no compression
		{tag: 0x0106, typ: tShort, count: 1, val: 1},            // BlackIsZero
		{tag: 0x0111, typ: tLong, count: 1, data: []byte{0x80}}, // StripOffsets: the pixel
		{tag: 0x0116, typ: tLong, count: 1, val: 1},             // RowsPerStrip
		{tag: 0x0117, typ: tLong, count: 1, val: 1},             // StripByteCounts
	}})
}

// bmp is a 1×1 24-bit BMP: a format imaging registers with image.Decode,
// which blobimage must refuse.
func bmp() []byte {
	le := binary.LittleEndian
	b := []byte("BM")
	b = le.AppendUint32(b, 14+40+4)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 14+40)
	b = le.AppendUint32(b, 40) // BITMAPINFOHEADER
	b = le.AppendUint32(b, 1)  // width
	b = le.AppendUint32(b, 1)  // height
	b = le.AppendUint16(b, 1)  // planes
	b = le.AppendUint16(b, 24) // bits per pixel
	b = append(b, make([]byte, 24)...)
	return append(b, 0, 0, 255, 0)
}

const (
	svgDoc  = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`
	htmlDoc = "<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"
)

// hostileCase is one hostile input written over a good image at key.
type hostileCase struct {
	name string
	data func() []byte
	opts *blob.WriterOptions
	cfg  func(*config) // changes to testConfig(), if any
	// Refused: the typed error, its gcerrors code and a word the message
	// must hold ("" for none).
	want error
	code gcerrors.ErrorCode
	msg  string
	// Accepted (want == nil): checks on the new ImageFile.
	accept func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile)
}

func hostileCases() []hostileCase {
	tooLarge := func(name string, data func() []byte, msg string) hostileCase {
		return hostileCase{name: name, data: data, want: blobimage.ErrTooLarge, code: gcerrors.ResourceExhausted, msg: msg}
	}
	corrupt := func(name string, data func() []byte, msg string) hostileCase {
		return hostileCase{name: name, data: data, want: blobimage.ErrCorrupt, code: gcerrors.InvalidArgument, msg: msg}
	}
	cases := []hostileCase{
		// Forged headers: Decode would allocate what they declare.
		tooLarge("png 60000x60000", func() []byte { return pngHeader(60000, 60000) }, "max_side"),
		tooLarge("png 2^31-1 x 1", func() []byte { return pngHeader(1<<31-1, 1) }, "max_side"),
		corrupt("png 0 x 100", func() []byte { return pngHeader(0, 100) }, ""),
		tooLarge("jpeg 60000x60000", func() []byte { return jpegWithSOF(60000, 60000) }, "max_side"),
		tooLarge("jpeg 65535 x 1", func() []byte { return jpegWithSOF(65535, 1) }, "max_side"), // JPEG's widest
		corrupt("jpeg 0 x 16", func() []byte { return jpegWithSOF(0, 16) }, ""),
		corrupt("jpeg height 0", func() []byte { return jpegWithSOF(16, 0) }, ""),
		tooLarge("gif 60000x60000", func() []byte { return gifWithScreen(60000, 60000) }, "max_side"),
		tooLarge("gif 65535 x 1", func() []byte { return gifWithScreen(65535, 1) }, "max_side"), // GIF's widest
		// A screen of zero width is grown to hold the first frame (4×4),
		// as Pillow and browsers size GIFs; a zero-sized frame on it
		// leaves nothing to show.
		{name: "gif 0 x 100", data: func() []byte { return gifWithScreen(0, 100) },
			accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				if f.Width != 4 || f.Height != 100 {
					t.Errorf("displayed %dx%d, want 4x100 (the screen grown to the frame)", f.Width, f.Height)
				}
			}},
		corrupt("gif 0 x 0, empty frame", func() []byte { return gifWithEmptyFrame() }, ""),
		// A real deflate bomb: refused by the header limits, and when the
		// limits allow it, by the memory budget before anything is decoded.
		// (max_side is checked before max_pixels: 20000 is over both.)
		tooLarge("png deflate bomb 20000x20000", bomb, "max_side"),
		tooLarge("png deflate bomb 16000x16000", func() []byte { return bombPNG(16000, 16000) }, "max_pixels"),
		{name: "png deflate bomb 20000x20000, limits raised", data: bomb,
			cfg: func(c *config) {
				// Raising the pixel limits alone does not raise the
				// (default) memory budget, which refuses the bomb.
				c.Limits.MaxPixels, c.Limits.MaxSide = 500_000_000, 20000
			},
			want: blobimage.ErrTooLarge, code: gcerrors.ResourceExhausted, msg: "memory_budget"},
		tooLarge("webp vp8l 16384x16384", func() []byte { return vp8lHeader(16384, 16384) }, "max_pixels"),
		corrupt("jpeg progressive 10000 scans", func() []byte { return progressiveScans(10000) }, "scans"),
		// Valid pixels, hostile animation or metadata: accepted, safely.
		{name: "gif 1000x1000 2000 frames", data: func() []byte { return manyFrames(2000) },
			accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				if f.Format != codecs.GIF || f.Width != 1000 || f.Height != 1000 {
					t.Errorf("original %s %d×%d", f.Format, f.Width, f.Height)
				}
				checkVariantSizes(t, f, map[string]image.Point{"small": {400, 400}, "medium": {1000, 1000}, "thumb": {50, 50}})
			}},
		{name: "exif count wraps 8*count", data: exifCountWrap,
			accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				checkJunkEXIF(t, s, f)
				if f.Metadata.ExposureTime != 0 {
					t.Errorf("ExposureTime %v read through a wrapped count", f.Metadata.ExposureTime)
				}
			}},
		{name: "exif IFD0-IFD1-IFD0 loop", data: exifLoop,
			accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) { checkJunkEXIF(t, s, f) }},
		{name: "exif rational denominator 0", data: exifZeroDenominator,
			accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				checkJunkEXIF(t, s, f)
				if m := f.Metadata; m.ExposureTime != 0 || m.FNumber != 0 || m.FocalLength != 0 {
					t.Errorf("x/0 read as exposure %v, f/%v, %v mm", m.ExposureTime, m.FNumber, m.FocalLength)
				}
			}},
		{name: "xmp before exif orientation 6", data: func() []byte {
			return testimage.JPEG(testimage.Stored(testimage.Pattern(400, 300), 6), 90,
				testimage.Segment{Marker: 0xE1, Payload: testimage.XMP(map[string]string{"xmp:CreatorTool": "x"})},
				testimage.Segment{Marker: 0xE1, Payload: testimage.EXIF{Orientation: 6, Make: "Canon"}.Bytes()})
		}, accept: func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
			// Stored 300×400 on its side; displayed 400×300.
			if f.Width != 400 || f.Height != 300 || f.Metadata.Orientation != 6 || f.Metadata.Make != "Canon" {
				t.Errorf("reported %d×%d, orientation %d, make %q; want 400×300, 6, Canon",
					f.Width, f.Height, f.Metadata.Orientation, f.Metadata.Make)
			}
			checkVariantSizes(t, f, map[string]image.Point{"small": {400, 300}, "medium": {400, 300}, "thumb": {50, 50}})
			for _, name := range []string{"small", "medium"} {
				img, _ := decodeKey(t, s.Bucket, f.Variants[name].Key)
				checkQuadrants(t, name, img)
			}
		}},
	}
	// Other formats under a .jpg key, also declared image/jpeg.
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"tiff", tiffImage(), blobimage.ErrUnsupportedFormat},
		{"bmp", bmp(), blobimage.ErrUnsupportedFormat},
		// SVG is sniffed as an image format that is not supported (see
		// codecs.Sniff), not as not-an-image.
		{"svg", []byte(svgDoc), blobimage.ErrUnsupportedFormat},
		{"html", []byte(htmlDoc), blobimage.ErrNotImage},
	} {
		for _, opts := range []*blob.WriterOptions{nil, {ContentType: "image/jpeg"}} {
			name := c.name + " named .jpg"
			if opts != nil {
				name += " declared image/jpeg"
			}
			cases = append(cases, hostileCase{name: name, data: func() []byte { return c.data }, opts: opts,
				want: c.want, code: gcerrors.InvalidArgument})
		}
	}
	return cases
}

// checkVariantSizes fails unless f has exactly the variants of want, at
// those sizes.
func checkVariantSizes(t *testing.T, f *blobimage.ImageFile, want map[string]image.Point) {
	t.Helper()
	if len(f.Variants) != len(want) {
		t.Errorf("variants %v, want %v", f.Variants, want)
	}
	for name, size := range want {
		if v := f.Variants[name]; v.Width != size.X || v.Height != size.Y || v.Size <= 0 {
			t.Errorf("%s: %d×%d, %d bytes; want %v", name, v.Width, v.Height, v.Size, size)
		}
	}
}

// checkJunkEXIF checks an exifJPEG upload: stored with its variants, the
// valid tags read, and no non-finite number in the metadata.
func checkJunkEXIF(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
	t.Helper()
	if f.Width != 400 || f.Height != 300 || f.Metadata.Make != "Canon" || f.Metadata.Orientation != 1 {
		t.Errorf("original %d×%d, metadata %+v; want 400×300 with make Canon, orientation 1", f.Width, f.Height, f.Metadata)
	}
	for _, v := range []float64{f.Metadata.ExposureTime, f.Metadata.FNumber, f.Metadata.FocalLength} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("non-finite value in %+v", f.Metadata)
		}
	}
	checkVariantSizes(t, f, map[string]image.Point{"small": {400, 300}, "medium": {400, 300}, "thumb": {50, 50}})
	img, _ := decodeKey(t, s.Bucket, f.Variants["small"].Key)
	checkQuadrants(t, "small", img)
}

// TestHostile writes one generator per class of ../shared/hostile/README.md
// through the wrapped bucket, over a good previous version at the same key.
// Refused inputs fail with their typed error and gcerrors code, name the
// key, and leave the bucket byte for byte as it was and the ImageFile
// unchanged; valid pixels with junk metadata or animation are accepted and
// checked. Every write must take under a second of process CPU (user +
// system, all threads, from getrusage) and of wall time, so the cases do
// not run in parallel.
//
// CI runs this test under `ulimit -v` 2 GiB (a 2 GiB address-space cap),
// where an attempt to allocate what a forged header declares kills the
// process: `recover` cannot catch that, so passing there shows that no
// such allocation is attempted.
func TestHostile(t *testing.T) {
	const key = "photos/a.jpg"
	ctx := context.Background()
	var maxCPU, maxWall time.Duration
	var maxCPUCase string
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s, inner := newStore(t, cfg)
			put(t, s, key, patternJPEG(800, 600, nil))
			before := snap(t, inner)
			beforeFile := imageFile(t, s, key)
			data := tc.data()
			opts := tc.opts
			if opts == nil {
				opts = &blob.WriterOptions{}
			}

			runtime.GC() // charge the write with its own garbage only
			cpu0, wall0 := cpuTime(t), time.Now()
			err := s.Bucket.WriteAll(ctx, key, data, opts)
			cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
			t.Logf("%d bytes: %v CPU, %v wall; err: %v", len(data), cpu, wall, err)
			if cpu > maxCPU {
				maxCPU, maxCPUCase = cpu, tc.name
			}
			maxWall = max(maxWall, wall)
			if cpu >= time.Second || wall >= time.Second {
				t.Errorf("took %v of CPU and %v of wall time, want both under 1s", cpu, wall)
			}

			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				tc.accept(t, s, imageFile(t, s, key))
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if code := gcerrors.Code(err); code != tc.code {
				t.Errorf("gcerrors code %v, want %v", code, tc.code)
			}
			if !strings.Contains(err.Error(), key) {
				t.Errorf("error %q does not name the key", err)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if d := cmp.Diff(before, snap(t, inner)); d != "" {
				t.Errorf("bucket changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(beforeFile, imageFile(t, s, key), cmpopts.IgnoreUnexported(blobimage.ImageFile{})); d != "" {
				t.Errorf("ImageFile changed (-before +after):\n%s", d)
			}
		})
	}
	t.Logf("slowest write: %v CPU (%s); slowest wall time %v", maxCPU, maxCPUCase, maxWall)
}

// TestHostileGenerators checks that the generators build what they claim,
// so that TestHostile's refusals are for the intended reason.
func TestHostileGenerators(t *testing.T) {
	t.Run("bomb", func(t *testing.T) {
		// A small bomb decodes, through the checksum, to zero pixels.
		small := bombPNG(301, 250)
		img, err := png.Decode(bytes.NewReader(small))
		if err != nil {
			t.Fatal(err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Bounds() != image.Rect(0, 0, 301, 250) || bytes.Count(g.Pix, []byte{0}) != len(g.Pix) {
			t.Fatalf("small bomb decodes to %T %v", img, img.Bounds())
		}
		big := bomb()
		cfg, err := png.DecodeConfig(bytes.NewReader(big))
		if err != nil || cfg.Width != 20000 || cfg.Height != 20000 || cfg.ColorModel != color.GrayModel {
			t.Fatalf("bomb header: %+v, %v", cfg, err)
		}
		if len(big) > 1<<20 {
			t.Errorf("bomb is %d bytes", len(big))
		}
		// Its zlib stream holds all 20000 rows (inflating it is cheap; only
		// the image allocation is dangerous).
		i := bytes.Index(big, []byte("IDAT"))
		n := int(binary.BigEndian.Uint32(big[i-4:]))
		zr, err := zlib.NewReader(bytes.NewReader(big[i+4 : i+4+n]))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.Copy(io.Discard, zr)
		if err != nil || got != 20000*20001 {
			t.Errorf("bomb inflates to %d bytes, %v; want %d", got, err, 20000*20001)
		}
		t.Logf("bomb: %d bytes, inflating to %d", len(big), got)
	})
	t.Run("vp8l", func(t *testing.T) {
		data := vp8lHeader(16384, 16384)
		cfg, err := webp.DecodeConfig(bytes.NewReader(data))
		if len(data) != 28 || err != nil || cfg.Width != 16384 || cfg.Height != 16384 {
			t.Errorf("%d bytes: %+v, %v", len(data), cfg, err)
		}
	})
	t.Run("progressive", func(t *testing.T) {
		data := progressiveScans(3)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 64 || !bytes.Contains(data, []byte{0xFF, 0xC2}) || bytes.Contains(data, []byte{0xFF, 0xC0}) {
			t.Errorf("%+v, %v", cfg, err)
		}
		if got := bytes.Count(progressiveScans(10000), []byte{0xFF, 0xDA}); got != 10000 {
			t.Errorf("%d SOS markers", got)
		}
	})
	t.Run("gif frames", func(t *testing.T) {
		g, err := gif.DecodeAll(bytes.NewReader(manyFrames(2000)))
		if err != nil || len(g.Image) != 2000 || g.Config.Width != 1000 || g.Config.Height != 1000 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("jpeg sof", func(t *testing.T) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpegWithSOF(60000, 60000)))
		if err != nil || cfg.Width != 60000 || cfg.Height != 60000 {
			t.Errorf("%+v, %v", cfg, err)
		}
	})
	t.Run("tiff", func(t *testing.T) {
		if _, err := codecs.Sniff(tiffImage()); !errors.Is(err, codecs.ErrUnsupportedFormat) || !strings.Contains(err.Error(), "tiff") {
			t.Errorf("sniffed as %v", err)
		}
	})
}
