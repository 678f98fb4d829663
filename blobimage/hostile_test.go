package blobimage_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
)

// cpuTime is the process's user + system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// jpegWithSOF returns a small baseline JPEG whose SOF0 declares w×h.
func jpegWithSOF(w, h uint16) []byte {
	data := testimage.JPEG(testimage.Pattern(16, 16), 90)
	i := bytes.Index(data, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(data[i+5:], h)
	binary.BigEndian.PutUint16(data[i+7:], w)
	return data
}

// gifWithScreen returns a small GIF whose logical screen is w×h.
func gifWithScreen(w, h uint16) []byte {
	data := testimage.GIF(testimage.Pattern(4, 4))
	binary.LittleEndian.PutUint16(data[6:], w)
	binary.LittleEndian.PutUint16(data[8:], h)
	return data
}

// vp8lHeader is a lossless WebP declaring w×h and carrying no pixels.
func vp8lHeader(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	payload := []byte{0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)}
	out := []byte("RIFF\x00\x00\x00\x00WEBPVP8L")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	out = append(out, 0) // pad to even
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
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

// manyScans is a baseline JPEG with n extra SOS segments before its EOI.
func manyScans(n int) []byte {
	data := testimage.JPEG(testimage.Pattern(64, 64), 90)
	body := data[:len(data)-2]
	sos := []byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00}
	out := append([]byte{}, body...)
	for range n {
		out = append(out, sos...)
	}
	return append(out, 0xFF, 0xD9)
}

// manyFrames is a GIF with a 1000×1000 screen and n tiny frames.
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

// exifJunk is an APP1 EXIF payload: one IFD0 whose only entry declares a
// count that wraps 8×count in 32 bits, a zero-denominator rational, and a
// next-IFD offset pointing back at IFD0 (a loop).
func exifJunk() []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	tiff = le.AppendUint16(tiff, 3)
	entry := func(tag, typ uint16, count, value uint32) {
		tiff = le.AppendUint16(tiff, tag)
		tiff = le.AppendUint16(tiff, typ)
		tiff = le.AppendUint32(tiff, count)
		tiff = le.AppendUint32(tiff, value)
	}
	entry(0x0110, 2, 0x2000_0001, 8)  // Model: ASCII whose size wraps
	entry(0x829A, 5, 1, 8+2+3*12+4)   // ExposureTime: the rational below
	entry(0x8827, 12, 0x2000_0001, 8) // ISO as DOUBLE, 8×count wraps
	tiff = le.AppendUint32(tiff, 8)   // next IFD: IFD0 again
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 0) // 1/0
	return append([]byte("Exif\x00\x00"), tiff...)
}

// TestHostile feeds one generator per class of ../shared/hostile/README.md
// through the wrapped bucket over a good previous version. Refused inputs
// fail with their typed error and gcerrors code, name the key, and leave
// the bucket byte for byte as it was; valid pixels with junk metadata are
// accepted safely. Every case costs well under a second of CPU. CI also
// runs this test under `ulimit -v` 2 GiB, where an attempt to allocate
// what a forged header declares would kill the process.
func TestHostile(t *testing.T) {
	upright := func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
		img, _ := decodeKey(t, s.Bucket, f.Variants["small"].Key)
		checkQuadrants(t, "small", img)
	}
	cases := []struct {
		name   string
		data   func() []byte
		want   error // nil: accepted
		code   gcerrors.ErrorCode
		accept func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile)
	}{
		{"png 60000x60000", func() []byte { return pngHeader(60000, 60000) }, blobimage.ErrTooLarge, gcerrors.ResourceExhausted, nil},
		{"png 2^31-1 x 1", func() []byte { return pngHeader(1<<31-1, 1) }, blobimage.ErrTooLarge, gcerrors.ResourceExhausted, nil},
		{"png 0 x 100", func() []byte { return pngHeader(0, 100) }, blobimage.ErrCorrupt, gcerrors.InvalidArgument, nil},
		{"jpeg 60000x60000", func() []byte { return jpegWithSOF(60000, 60000) }, blobimage.ErrTooLarge, gcerrors.ResourceExhausted, nil},
		{"jpeg height 0", func() []byte { return jpegWithSOF(16, 0) }, blobimage.ErrCorrupt, gcerrors.InvalidArgument, nil},
		{"gif 60000x60000", func() []byte { return gifWithScreen(60000, 60000) }, blobimage.ErrTooLarge, gcerrors.ResourceExhausted, nil},
		{"gif 0 x 100", func() []byte { return gifWithScreen(0, 100) }, blobimage.ErrCorrupt, gcerrors.InvalidArgument, nil},
		{"webp vp8l 16384x16384", func() []byte { return vp8lHeader(16384, 16384) }, blobimage.ErrTooLarge, gcerrors.ResourceExhausted, nil},
		{"jpeg 10000 scans", func() []byte { return manyScans(10000) }, blobimage.ErrCorrupt, gcerrors.InvalidArgument, nil},
		{"bmp named jpg", bmp, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument, nil},
		{"svg named jpg", func() []byte {
			return []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)
		}, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument, nil},
		{"html named jpg", func() []byte { return []byte("<!DOCTYPE html><html><body><img src=x></body></html>") }, blobimage.ErrNotImage, gcerrors.InvalidArgument, nil},
		{"gif 2000 frames", func() []byte { return manyFrames(2000) }, nil, gcerrors.OK,
			func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				if f.Width != 1000 || f.Height != 1000 || len(f.Variants) != 3 {
					t.Errorf("ImageFile %+v", f)
				}
			}},
		{"exif junk", func() []byte {
			return testimage.JPEG(testimage.Pattern(400, 300), 90, testimage.Segment{Marker: 0xE1, Payload: exifJunk()})
		}, nil, gcerrors.OK,
			func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				if f.Width != 400 || f.Metadata.ExposureTime != 0 || f.Metadata.Model != "" {
					t.Errorf("ImageFile %+v, metadata %+v", f, f.Metadata)
				}
				upright(t, s, f)
			}},
		{"xmp before exif", func() []byte {
			exif := testimage.EXIF{Orientation: 6}
			return testimage.JPEG(testimage.Stored(testimage.Pattern(400, 300), 6), 90,
				testimage.Segment{Marker: 0xE1, Payload: testimage.XMP(map[string]string{"xmp:CreatorTool": "x"})},
				testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
		}, nil, gcerrors.OK,
			func(t *testing.T, s *blobimage.Store, f *blobimage.ImageFile) {
				if f.Width != 400 || f.Height != 300 || f.Metadata.Orientation != 6 {
					t.Errorf("displayed %d×%d, orientation %d; want 400×300 from orientation 6", f.Width, f.Height, f.Metadata.Orientation)
				}
				upright(t, s, f)
			}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, inner := newStore(t, testConfig())
			put(t, s, "photos/a.jpg", patternJPEG(800, 600, nil))
			before := snap(t, inner)
			data := tc.data()

			cpu0, wall0 := cpuTime(t), time.Now()
			err := s.Bucket.WriteAll(ctx, "photos/a.jpg", data, nil)
			cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
			if cpu > time.Second || wall > time.Second {
				t.Errorf("took %v of CPU, %v of wall time", cpu, wall)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				tc.accept(t, s, imageFile(t, s, "photos/a.jpg"))
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if code := gcerrors.Code(err); code != tc.code {
				t.Errorf("code %v, want %v", code, tc.code)
			}
			if !strings.Contains(err.Error(), "photos/a.jpg") {
				t.Errorf("error %q does not name the key", err)
			}
			if d := cmp.Diff(before, snap(t, inner)); d != "" {
				t.Errorf("bucket changed:\n%s", d)
			}
		})
	}
}
