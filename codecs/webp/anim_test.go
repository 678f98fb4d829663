package webp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// Fixtures: animations made at test time by Debian's img2webp (whose
// frames all cover the canvas) and webpmux (which places frames at
// offsets), from PNGs the test writes; references: the first frame
// extracted by webpmux and decoded by dwebp, placed on a transparent
// canvas, and Pillow's first frame (libwebp's WebPAnimDecoder).

// img2webp makes an animation of frames with Debian's img2webp; opts
// come first (-lossy or -lossless, -q …) and apply to every frame.
func img2webp(t testing.TB, frames []image.Image, opts ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{}, opts...)
	for i, f := range frames {
		args = append(args, "-d", "100", testimage.WriteFile(t, dir, fmt.Sprintf("f%d.png", i), testimage.PNG(f)))
	}
	out := filepath.Join(dir, "anim.webp")
	testimage.Run(t, "img2webp", append(args, "-o", out)...)
	return readFile(t, out)
}

// muxFrame is a frame for webpmux: a picture, the cwebp options that
// encode it, and its offset on the canvas (even, as WebP stores half of
// it).
type muxFrame struct {
	img  image.Image
	opts []string
	at   image.Point
}

// webpmux assembles frames encoded by cwebp into an animation with Debian's
// webpmux; the canvas is what the frames cover.
func webpmux(t testing.TB, frames ...muxFrame) []byte {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for i, f := range frames {
		p := filepath.Join(dir, fmt.Sprintf("f%d.webp", i))
		if err := os.WriteFile(p, cwebp(t, f.img, f.opts...), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-frame", p, fmt.Sprintf("+100+%d+%d", f.at.X, f.at.Y))
	}
	out := filepath.Join(dir, "anim.webp")
	testimage.Run(t, "webpmux", append(args, "-o", out)...)
	return readFile(t, out)
}

// extractFrame returns frame n (from 1) of an animation as a still WebP,
// extracted by webpmux, and its offset on the canvas as webpmux -info
// reports it.
func extractFrame(t testing.TB, data []byte, n int) ([]byte, image.Point) {
	t.Helper()
	bin := testimage.Tool(t, "webpmux")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "anim.webp"), filepath.Join(dir, "frame.webp")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	testimage.Run(t, "webpmux", "-get", "frame", strconv.Itoa(n), in, "-o", out)
	info, err := exec.Command(bin, "-info", in).Output()
	if err != nil {
		t.Fatalf("webpmux -info: %v", err)
	}
	// "No.: width height alpha x_offset y_offset duration …", then
	// "  1:    40    20   yes       10       20 …".
	for _, line := range strings.Split(string(info), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[0] == strconv.Itoa(n)+":" {
			x, _ := strconv.Atoi(f[4])
			y, _ := strconv.Atoi(f[5])
			return readFile(t, out), image.Pt(x, y)
		}
	}
	t.Fatalf("webpmux -info lists no frame %d:\n%s", n, info)
	return nil, image.Point{}
}

// pillow returns Pillow's reading of an animated WebP: its size, mode,
// frame count, and its first frame as RGBA. Pillow decodes animations
// with libwebp's WebPAnimDecoder.
func pillow(t testing.TB, data []byte) (size image.Point, mode string, frames int, first image.Image) {
	t.Helper()
	py := testimage.Tool(t, "/usr/bin/python3")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "anim.webp"), filepath.Join(dir, "first.png")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const script = `import sys
from PIL import Image, features
if not features.check("webp_anim"):
    sys.exit("Pillow without animated WebP")
im = Image.open(sys.argv[1])
print(im.size[0], im.size[1], im.mode, getattr(im, "n_frames", 1))
im.seek(0)
im.convert("RGBA").save(sys.argv[2])
`
	b, err := exec.Command(py, "-c", script, in, out).CombinedOutput()
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") != "1" {
			t.Skipf("Pillow cannot read animated WebP (install python3-pil): %v: %s", err, b)
		}
		t.Fatalf("Pillow: %v: %s", err, b)
	}
	if _, err := fmt.Sscan(string(b), &size.X, &size.Y, &mode, &frames); err != nil {
		t.Fatalf("Pillow printed %q: %v", b, err)
	}
	return size, mode, frames, readPNG(t, out)
}

// frames returns n w×h pictures that differ from one another, with an
// alpha ramp and a transparent corner when alpha is set.
func frames(n, w, h int, alpha bool) []image.Image {
	var out []image.Image
	for i := range n {
		p := testimage.Photo(w+7*i, h)
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			copy(m.Pix[y*m.Stride:(y+1)*m.Stride], p.Pix[y*p.Stride+4*7*i:])
		}
		if alpha {
			m = testimage.WithAlpha(m)
		}
		out = append(out, m)
	}
	return out
}

// TestAnimatedFirstFrame decodes the first frame of animations made by
// img2webp and webpmux, lossy and lossless, with and without alpha, full
// canvas or at an offset, and compares it with dwebp's decode of that
// frame extracted by webpmux, and with Pillow's first frame: lossless
// exactly; lossy at 45 dB or more against dwebp -nofancy, which upsamples
// chroma by repetition as image.YCbCr does, and at 43 dB or more against
// dwebp's default fancy upsampling and Pillow's (identical to it): that
// gap is the upsampling, as in TestDecodeLossyMatchesDwebp (measured
// 51.8–56.3 dB and 44.9–50.9 dB; the limited range read as full is at
// 30.8–36.9 dB).
// Outside the frame the canvas is transparent, as WebPAnimDecoder leaves
// it. The header gives the canvas size, as Pillow does.
func TestAnimatedFirstFrame(t *testing.T) {
	patch := func(w, h int, alpha bool) image.Image { return frames(1, w, h, alpha)[0] }
	for _, tc := range []struct {
		name     string
		make     func(t *testing.T) []byte
		lossless bool
		canvas   image.Rectangle
		at       image.Point // where webpmux was told to put frame 1
	}{
		{"img2webp lossless alpha", func(t *testing.T) []byte {
			return img2webp(t, frames(3, 96, 64, true), "-lossless")
		}, true, image.Rect(0, 0, 96, 64), image.Point{}},
		{"img2webp lossless opaque", func(t *testing.T) []byte {
			return img2webp(t, frames(2, 80, 48, false), "-lossless")
		}, true, image.Rect(0, 0, 80, 48), image.Point{}},
		{"img2webp lossy", func(t *testing.T) []byte {
			return img2webp(t, frames(3, 640, 480, false), "-lossy", "-q", "80")
		}, false, image.Rect(0, 0, 640, 480), image.Point{}},
		{"img2webp lossy alpha", func(t *testing.T) []byte {
			return img2webp(t, frames(2, 640, 480, true), "-lossy", "-q", "90")
		}, false, image.Rect(0, 0, 640, 480), image.Point{}},
		{"webpmux lossless alpha at an offset", func(t *testing.T) []byte {
			return webpmux(t,
				muxFrame{patch(40, 24, true), []string{"-lossless"}, image.Pt(10, 20)},
				muxFrame{patch(96, 64, false), []string{"-q", "80"}, image.Point{}})
		}, true, image.Rect(0, 0, 96, 64), image.Pt(10, 20)},
		{"webpmux lossy opaque at an offset", func(t *testing.T) []byte {
			return webpmux(t,
				muxFrame{patch(480, 360, false), []string{"-q", "85"}, image.Pt(40, 30)},
				muxFrame{patch(640, 480, false), []string{"-q", "80"}, image.Point{}})
		}, false, image.Rect(0, 0, 640, 480), image.Pt(40, 30)},
		{"webpmux lossy alpha at an offset", func(t *testing.T) []byte {
			return webpmux(t,
				muxFrame{patch(480, 360, true), []string{"-q", "90"}, image.Pt(100, 62)},
				muxFrame{patch(640, 480, true), []string{"-q", "80"}, image.Point{}})
		}, false, image.Rect(0, 0, 640, 480), image.Pt(100, 62)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.make(t)
			info, err := codecs.Probe(data, codecs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != tc.canvas.Dx() || info.Height != tc.canvas.Dy() || info.ColorModel != color.NRGBAModel {
				t.Errorf("Probe: %d×%d %v, want the %v canvas and NRGBA", info.Width, info.Height, info.ColorModel, tc.canvas)
			}
			img, _ := decode(t, data)
			got, ok := img.(*image.NRGBA)
			if !ok {
				t.Fatalf("decoded a %T, want *image.NRGBA", img)
			}
			frame, at := extractFrame(t, data, 1)
			if tc.at != (image.Point{}) && at != tc.at {
				t.Fatalf("webpmux -info puts frame 1 at %v, want %v", at, tc.at)
			}
			ref := dwebp(t, frame)
			rect := image.Rectangle{Min: at, Max: at.Add(ref.Bounds().Size())}
			size, mode, n, pil := pillow(t, data)
			if size != tc.canvas.Size() || n < 2 {
				t.Errorf("Pillow reads %v with %d frames, want the %v canvas and several", size, n, tc.canvas)
			}
			// Pillow gives an animation without VP8X's alpha flag as RGB,
			// and its transparent canvas as black: premultiplied, the same.
			// Alpha is compared where the frame has some.
			alpha := mode == "RGBA" && !opaque(ref)
			outside(t, "decode", testimage.RGBA(got), rect)
			outside(t, "Pillow", testimage.RGBA(pil), rect)
			crop := got.SubImage(rect)
			pilCrop := pil.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(rect)
			if tc.lossless {
				if !bytes.Equal(testimage.NRGBA(crop).Pix, testimage.NRGBA(ref).Pix) {
					t.Error("first frame differs from dwebp's decode of it")
				}
				if p := testimage.PSNR(t, pilCrop, crop, alpha); !isInf(p) {
					t.Errorf("first frame %.2f dB from Pillow's, want identical", p)
				}
				return
			}
			fancy := testimage.PSNR(t, ref, crop, alpha)
			plain := testimage.PSNR(t, dwebp(t, frame, "-nofancy"), crop, alpha)
			pilPSNR := testimage.PSNR(t, pilCrop, crop, alpha)
			// The frame's planes read as full range, as without levels.go.
			raw, err := xwebp.Decode(bytes.NewReader(frame))
			if err != nil {
				t.Fatal(err)
			}
			unscaled := testimage.PSNR(t, ref, raw, alpha)
			t.Logf("PSNR: %.2f dB against dwebp, %.2f dB -nofancy, %.2f dB Pillow; limited range read as full %.2f dB", fancy, plain, pilPSNR, unscaled)
			if plain < 45 || fancy < 43 || pilPSNR < 43 {
				t.Errorf("PSNR %.2f dB against dwebp -nofancy, want ≥ 45; %.2f dB against dwebp and %.2f dB against Pillow, want ≥ 43", plain, fancy, pilPSNR)
			}
			if fancy-unscaled < 10 {
				t.Errorf("limited range read as full is %.2f dB from dwebp: the test does not tell the levels apart", unscaled)
			}
		})
	}
}

// opaque reports whether every pixel of m is opaque.
func opaque(m image.Image) bool {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := m.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// outside checks that m is transparent black (premultiplied: 0 in every
// sample, or 0 colour and opaque) outside the frame rectangle.
func outside(t *testing.T, what string, m *image.RGBA, frame image.Rectangle) {
	t.Helper()
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
			if c := m.RGBAAt(x, y); !image.Pt(x, y).In(frame) && (c.R != 0 || c.G != 0 || c.B != 0) {
				t.Fatalf("%s: pixel (%d,%d) outside the frame %v is %v, want transparent", what, x, y, frame, c)
			}
		}
	}
}

func isInf(f float64) bool { return f > 1e300 }

// TestAnimatedOffsetCanvas checks the geometry exactly on a crafted
// animation (no tools): a solid lossless frame at an offset on a larger
// canvas comes out at its place, the rest of the canvas transparent black
// as WebPAnimDecoder zero-fills it (not the ANIM background colour, white
// here).
func TestAnimatedOffsetCanvas(t *testing.T) {
	c := color.NRGBA{200, 100, 50, 180}
	data := riff("VP8X", vp8x(1<<1|1<<4, 30, 20), "ANIM", anim(0xffffffff),
		"ANMF", anmf(6, 4, 10, 8, "VP8L", solidVP8L(10, 8, c)),
		"ANMF", anmf(0, 0, 30, 20, "VP8L", solidVP8L(30, 20, color.NRGBA{1, 2, 3, 255})))
	got := nrgbaOf(t, data, 30, 20)
	for y := range 20 {
		for x := range 30 {
			want := color.NRGBA{}
			if x >= 6 && x < 16 && y >= 4 && y < 12 {
				want = c
			}
			if g := got.NRGBAAt(x, y); g != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, want)
			}
		}
	}
}

// TestAnimatedTolerated: what libwebp's demuxer reads past, or what lies
// after the first frame, does not refuse the file.
func TestAnimatedTolerated(t *testing.T) {
	c := color.NRGBA{10, 200, 30, 255}
	frame1 := anmf(2, 2, 4, 4, "VP8L", solidVP8L(4, 4, c))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		// Unknown chunks before the frames and after the image inside an
		// ANMF; ICCP, EXIF and XMP chunks as in real files.
		{"unknown chunks", riff("VP8X", vp8x(1<<1, 8, 8), "ICCP", []byte("not a profile"), "ANIM", anim(0),
			"JUNK", []byte{1, 2, 3}, "ANMF", anmf(2, 2, 4, 4, "VP8L", solidVP8L(4, 4, c), "JUNK", []byte{4}), "EXIF", []byte("II*\x00"))},
		// An ANMF chunk without an image is no frame to libwebp.
		{"empty ANMF first", riff("VP8X", vp8x(1<<1, 8, 8), "ANIM", anim(0), "ANMF", anmf(0, 0, 8, 8), "ANMF", frame1)},
		// The frame's size is its bitstream's, as libwebp's demuxer takes
		// it; the ANMF header's is not used.
		{"ANMF size differs from the bitstream's", riff("VP8X", vp8x(1<<1, 8, 8), "ANIM", anim(0),
			"ANMF", anmf(2, 2, 1, 1, "VP8L", solidVP8L(4, 4, c)))},
		// Later frames are not read: a damaged second frame, or a file
		// cut after the first one.
		{"damaged second frame", riff("VP8X", vp8x(1<<1, 8, 8), "ANIM", anim(0), "ANMF", frame1,
			"ANMF", anmf(0, 0, 8, 8, "VP8L", []byte{0x2f, 0xff, 0xff, 0xff, 0xff, 0xff}), "VP8 ", []byte("junk"))},
		{"file cut after the first frame", func() []byte {
			b := riff("VP8X", vp8x(1<<1, 8, 8), "ANIM", anim(0), "ANMF", frame1, "ANMF", anmf(0, 0, 8, 8, "VP8L", solidVP8L(8, 8, c)))
			return b[:len(b)-10]
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := nrgbaOf(t, tc.data, 8, 8)
			if g := got.NRGBAAt(3, 3); g != c {
				t.Errorf("frame pixel %v, want %v", g, c)
			}
			if g := got.NRGBAAt(0, 0); g != (color.NRGBA{}) {
				t.Errorf("canvas pixel %v, want transparent", g)
			}
		})
	}
}

// TestAnimatedRefused: broken animations are refused as corrupt, and
// canvases over the limits as too large, from the headers, fast and
// without allocating what they declare.
func TestAnimatedRefused(t *testing.T) {
	red := solidVP8L(4, 4, color.NRGBA{255, 0, 0, 255})
	valid := riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0), "ANMF", anmf(0, 0, 4, 4, "VP8L", red))
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"no frame", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0)), codecs.ErrCorrupt},
		{"only an empty ANMF", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0), "ANMF", anmf(0, 0, 16, 16)), codecs.ErrCorrupt},
		{"ANMF before ANIM", riff("VP8X", vp8x(1<<1, 16, 16), "ANMF", anmf(0, 0, 4, 4, "VP8L", red), "ANIM", anim(0)), codecs.ErrCorrupt},
		{"frame outside the canvas", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0), "ANMF", anmf(14, 0, 4, 4, "VP8L", red)), codecs.ErrCorrupt},
		{"frame larger than the canvas", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 16, 16, "VP8L", solidVP8L(32, 16, color.NRGBA{}))), codecs.ErrCorrupt},
		// A 1×1 ANMF hiding a 16384×16384 bitstream: a 32-byte bomb.
		{"small ANMF hiding a huge VP8L", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 1, 1, "VP8L", solidVP8L(16384, 16384, color.NRGBA{}))), codecs.ErrCorrupt},
		{"truncated ANMF", valid[:len(valid)-6], codecs.ErrCorrupt},
		{"truncated ANMF header", valid[:len(valid)-len(red)-10], codecs.ErrCorrupt},
		{"ANMF past the RIFF end", func() []byte {
			b := bytes.Clone(valid)
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8-10))
			return b
		}(), codecs.ErrCorrupt},
		{"image outside a frame", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0), "VP8L", red), codecs.ErrCorrupt},
		{"ALPH with VP8L", riff("VP8X", vp8x(1<<1|1<<4, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "ALPH", make([]byte, 17), "VP8L", red)), codecs.ErrCorrupt},
		{"ALPH without image", riff("VP8X", vp8x(1<<1|1<<4, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "ALPH", make([]byte, 17))), codecs.ErrCorrupt},
		{"VP8 frame without a key frame", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8 ", []byte{1, 0, 0, 0x9d, 1, 0x2a, 4, 0, 4, 0})), codecs.ErrCorrupt},
		{"damaged first frame", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", []byte{0x2f, 3, 0xc0, 0, 0, 0xff, 0xff})), codecs.ErrCorrupt},
		{"canvas over 2³² pixels", riff("VP8X", vp8x(1<<1, 1<<24, 1<<24), "ANIM", anim(0), "ANMF", anmf(0, 0, 4, 4, "VP8L", red)), codecs.ErrCorrupt},
		// A tiny frame does not make a huge canvas small: the canvas is
		// what is allocated.
		{"16383×16383 canvas, 4×4 frame", riff("VP8X", vp8x(1<<1, 16383, 16383), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red)), codecs.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var perr, err error
			alloc := allocatedBy(func() {
				_, perr = codecs.Probe(tc.data, codecs.Limits{})
				_, _, err = codecs.Decode(context.Background(), tc.data, codecs.Limits{})
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode: %v, want %v", err, tc.want)
			}
			corrupt := errors.Is(tc.want, codecs.ErrCorrupt) && !strings.Contains(tc.name, "damaged")
			if corrupt && !errors.Is(perr, tc.want) {
				t.Errorf("Probe: %v, want %v from the headers", perr, tc.want)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes to refuse it", alloc)
			}
			t.Log(err)
		})
	}
	if _, _, err := codecs.Decode(context.Background(), valid, codecs.Limits{}); err != nil {
		t.Fatalf("the valid animation the cases are cut from: %v", err)
	}
}

// TestAnimatedMemory: Probe charges an animation as a still image of its
// canvas plus one of its first frame, and the decode allocates no more.
func TestAnimatedMemory(t *testing.T) {
	data := riff("VP8X", vp8x(1<<1, 300, 200), "ANIM", anim(0),
		"ANMF", anmf(20, 10, 100, 50, "VP8L", solidVP8L(100, 50, color.NRGBA{9, 8, 7, 6})))
	info, err := codecs.Probe(data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	still := func(w, h int) int64 {
		return codecs.Info{Width: w, Height: h, ColorModel: color.NRGBAModel}.DecodeMemory()
	}
	if want := still(300, 200) + still(100, 50); info.DecodeMemory() != want {
		t.Errorf("DecodeMemory %d, want %d", info.DecodeMemory(), want)
	}
	for _, tc := range []struct {
		name string
		make func(t *testing.T) []byte
	}{
		{"lossless alpha", func(t *testing.T) []byte { return img2webp(t, frames(2, 640, 480, true), "-lossless") }},
		{"lossy alpha", func(t *testing.T) []byte { return img2webp(t, frames(2, 640, 480, true), "-lossy") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.make(t)
			info, err := codecs.Probe(data, codecs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			alloc := allocatedBy(func() {
				if _, _, err := codecs.Decode(context.Background(), data, codecs.Limits{}); err != nil {
					t.Error(err)
				}
			})
			t.Logf("allocated %d bytes (%.1f B per canvas pixel), estimate %d", alloc, float64(alloc)/float64(640*480), info.DecodeMemory())
			if int64(alloc) > info.DecodeMemory() {
				t.Errorf("decode allocated %d bytes, over the estimate %d", alloc, info.DecodeMemory())
			}
		})
	}
}

// nrgbaOf decodes data, an animation of a w×h canvas, and returns the
// *image.NRGBA.
func nrgbaOf(t *testing.T, data []byte, w, h int) *image.NRGBA {
	t.Helper()
	img, info := decode(t, data)
	m, ok := img.(*image.NRGBA)
	if !ok || m.Rect != image.Rect(0, 0, w, h) || info.Width != w || info.Height != h {
		t.Fatalf("decoded %T %v (info %d×%d), want a %d×%d *image.NRGBA", img, img.Bounds(), info.Width, info.Height, w, h)
	}
	return m
}

// allocatedBy returns the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// riff wraps chunks (alternating FourCC and payload) in a RIFF WEBP
// container, padding odd payloads.
func riff(chunks ...any) []byte {
	body := chunkBytes(chunks...)
	b := append([]byte("RIFF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(4+len(body)))
	return append(append(b, "WEBP"...), body...)
}

// chunkBytes returns chunks (alternating FourCC and payload) one after
// the other, odd payloads padded.
func chunkBytes(chunks ...any) []byte {
	var b []byte
	for i := 0; i < len(chunks); i += 2 {
		p := chunks[i+1].([]byte)
		b = append(b, chunks[i].(string)...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
		if len(p)%2 == 1 {
			b = append(b, 0)
		}
	}
	return b
}

// vp8x returns a VP8X payload: flags (animation 1<<1, alpha 1<<4) and the
// canvas size.
func vp8x(flags byte, w, h int) []byte {
	return append(append([]byte{flags, 0, 0, 0}, le24(w-1)...), le24(h-1)...)
}

// anim returns an ANIM payload: background colour (ARGB, little-endian
// as BGRA) and loop count 0.
func anim(bg uint32) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, bg), 0, 0)
}

// anmf returns an ANMF payload: the frame at (x, y) (even), its declared
// w×h, 100 ms, no blending, and its chunks.
func anmf(x, y, w, h int, chunks ...any) []byte {
	b := append(le24(x/2), le24(y/2)...)
	b = append(append(b, le24(w-1)...), le24(h-1)...)
	b = append(append(b, le24(100)...), 1<<1)
	return append(b, chunkBytes(chunks...)...)
}

func le24(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }

// solidVP8L returns a VP8L payload of w×h pixels (1–16384 each) all of
// colour c: every prefix code has one symbol, so the pixels take no bits
// and the payload is a few bytes whatever the size.
func solidVP8L(w, h int, c color.NRGBA) []byte {
	var bw bits
	bw.put(0x2f, 8)
	bw.put(uint32(w-1), 14)
	bw.put(uint32(h-1), 14)
	bw.put(1, 1) // alpha is used
	bw.put(0, 3) // version
	bw.put(0, 1) // no transform
	bw.put(0, 1) // no colour cache
	bw.put(0, 1) // no meta prefix codes
	for _, v := range []uint8{c.G, c.R, c.B, c.A} {
		bw.put(1, 1) // simple code
		bw.put(0, 1) // one symbol
		bw.put(1, 1) // 8-bit symbol
		bw.put(uint32(v), 8)
	}
	bw.put(1, 1) // distance code: simple, one 1-bit symbol, 0
	bw.put(0, 1)
	bw.put(0, 1)
	bw.put(0, 1)
	return bw.buf
}

// bits writes bits least significant first, as VP8L reads them.
type bits struct {
	buf []byte
	n   int
}

func (w *bits) put(v uint32, n int) {
	for i := range n {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[len(w.buf)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
}

// readFile reads a file the test wrote.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readPNG reads a PNG file a tool wrote.
func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}
