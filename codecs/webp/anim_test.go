package webp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// Tests of the still an animation decodes to (Decode): its first frame
// on its canvas. Fixtures and references: see animhelpers_test.go.

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
			return img2webp(t, frames(3, 96, 64, true), nil, "-lossless")
		}, true, image.Rect(0, 0, 96, 64), image.Point{}},
		{"img2webp lossless opaque", func(t *testing.T) []byte {
			return img2webp(t, frames(2, 80, 48, false), nil, "-lossless")
		}, true, image.Rect(0, 0, 80, 48), image.Point{}},
		{"img2webp lossy", func(t *testing.T) []byte {
			return img2webp(t, frames(3, 640, 480, false), nil, "-lossy", "-q", "80")
		}, false, image.Rect(0, 0, 640, 480), image.Point{}},
		{"img2webp lossy alpha", func(t *testing.T) []byte {
			return img2webp(t, frames(2, 640, 480, true), nil, "-lossy", "-q", "90")
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
			p := pillow(t, data, 1)
			size, mode, n, pil := p.size, p.mode, p.n, p.frames[0]
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
		"ANMF", anmf(6, 4, 10, 8, "VP8L", testimage.SolidVP8L(10, 8, c)),
		"ANMF", anmf(0, 0, 30, 20, "VP8L", testimage.SolidVP8L(30, 20, color.NRGBA{1, 2, 3, 255})))
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

// TestAnimatedTolerated: what libwebp's demuxer reads past, and a file
// that ends early, are accepted: the still is the first frame; DecodeAll
// gives the frames up to the first one that cannot be decoded (a damaged
// bitstream, or one cut short), as browsers show them.
func TestAnimatedTolerated(t *testing.T) {
	c := color.NRGBA{10, 200, 30, 255}
	frame1 := anmf(2, 2, 4, 4, "VP8L", testimage.SolidVP8L(4, 4, c))
	frame2 := anmf(0, 0, 8, 8, "VP8L", testimage.SolidVP8L(8, 8, color.NRGBA{1, 2, 3, 255}))
	head := []any{"VP8X", vp8x(vp8xAnim, 8, 8), "ANIM", anim(0)}
	for _, tc := range []struct {
		name string
		data []byte
		// counted is Info.Frames, decoded how many frames DecodeAll gives.
		counted, decoded int
	}{
		// Unknown chunks before the frames and after the image inside an
		// ANMF; ICCP, EXIF and XMP chunks as in real files.
		{"unknown chunks", riff("VP8X", vp8x(vp8xAnim, 8, 8), "ICCP", []byte("not a profile"), "ANIM", anim(0),
			"JUNK", []byte{1, 2, 3}, "ANMF", anmf(2, 2, 4, 4, "VP8L", testimage.SolidVP8L(4, 4, c), "JUNK", []byte{4}), "EXIF", []byte("II*\x00")), 1, 1},
		// An ANMF chunk without an image is no frame to libwebp.
		{"empty ANMF first", riff(append(head, "ANMF", anmf(0, 0, 8, 8), "ANMF", frame1, "ANMF", frame2)...), 2, 2},
		// A second ANIM chunk is skipped.
		{"two ANIM chunks", riff(append(head, "ANMF", frame1, "ANIM", animLoops(0, 9), "ANMF", frame2)...), 2, 2},
		// The frame's size is its bitstream's, as libwebp's demuxer takes
		// it; the ANMF header's is not used.
		{"ANMF size differs from the bitstream's", riff(append(head, "ANMF", anmf(2, 2, 1, 1, "VP8L", testimage.SolidVP8L(4, 4, c)))...), 1, 1},
		// A second frame whose header is sound but whose data is not.
		{"damaged second frame", riff(append(head, "ANMF", frame1,
			"ANMF", anmf(0, 0, 8, 8, "VP8L", testimage.SolidVP8L(8, 8, c)[:5]), "ANMF", frame2)...), 3, 1},
		{"file cut in the second frame", func() []byte {
			b := riff(append(head, "ANMF", frame1, "ANMF", frame2)...)
			return b[:len(b)-10]
		}(), 1, 1},
		{"file cut in the second frame's header", func() []byte {
			b := riff(append(head, "ANMF", frame1, "ANMF", frame2)...)
			return b[:len(b)-len(frame2)+4]
		}(), 1, 1},
		{"file cut after the second frame", func() []byte {
			b := riff(append(head, "ANMF", frame1, "ANMF", frame2, "EXIF", make([]byte, 100))...)
			return b[:len(b)-50]
		}(), 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := nrgbaOf(t, tc.data, 8, 8)
			if g := got.NRGBAAt(3, 3); g != c {
				t.Errorf("frame pixel %v, want %v", g, c)
			}
			if g := got.NRGBAAt(0, 0); g != (color.NRGBA{}) {
				t.Errorf("canvas pixel %v, want transparent", g)
			}
			a, info := decodeAll(t, tc.data)
			if info.Frames != tc.counted || len(a.Frames) != tc.decoded {
				t.Errorf("Info.Frames %d, %d frames decoded; want %d and %d", info.Frames, len(a.Frames), tc.counted, tc.decoded)
			}
			if d := diff(a.Frames[0], got, true); d != "" {
				t.Errorf("DecodeAll's first frame differs from Decode's: %s", d)
			}
		})
	}
}

// TestAnimatedRefused: broken animations are refused as corrupt, and
// canvases over the limits as too large, from the headers, fast and
// without allocating what they declare.
func TestAnimatedRefused(t *testing.T) {
	red := testimage.SolidVP8L(4, 4, color.NRGBA{255, 0, 0, 255})
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
			"ANMF", anmf(0, 0, 16, 16, "VP8L", testimage.SolidVP8L(32, 16, color.NRGBA{}))), codecs.ErrCorrupt},
		// A 1×1 ANMF hiding a 16384×16384 bitstream: a 32-byte bomb.
		{"small ANMF hiding a huge VP8L", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 1, 1, "VP8L", testimage.SolidVP8L(16384, 16384, color.NRGBA{}))), codecs.ErrCorrupt},
		{"truncated ANMF", valid[:len(valid)-6], codecs.ErrCorrupt},
		{"truncated ANMF header", valid[:len(valid)-len(red)-10], codecs.ErrCorrupt},
		{"ANMF past the RIFF end", func() []byte {
			b := bytes.Clone(valid)
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8-10))
			return b
		}(), codecs.ErrCorrupt},
		{"image outside a frame", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0), "VP8L", red), codecs.ErrCorrupt},
		// What libwebp's demuxer refuses in a later frame refuses the
		// file, as it does for Pillow, libvips and browsers.
		{"second frame outside the canvas", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red), "ANMF", anmf(14, 14, 4, 4, "VP8L", red)), codecs.ErrCorrupt},
		{"image after the frames", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red), "VP8L", red), codecs.ErrCorrupt},
		{"second frame with ALPH and VP8L", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red), "ANMF", anmf(0, 0, 4, 4, "ALPH", make([]byte, 17), "VP8L", red)), codecs.ErrCorrupt},
		{"second frame without a VP8L header", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red), "ANMF", anmf(0, 0, 4, 4, "VP8L", []byte{0x2f, 0xff, 0xff, 0xff, 0xff, 0xff})), codecs.ErrCorrupt},
		{"second VP8X", riff("VP8X", vp8x(1<<1, 16, 16), "ANIM", anim(0),
			"ANMF", anmf(0, 0, 4, 4, "VP8L", red), "VP8X", vp8x(1<<1, 16, 16)), codecs.ErrCorrupt},
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
			var perr, err, aerr error
			alloc := allocatedBy(func() {
				_, perr = codecs.Probe(tc.data, codecs.Limits{})
				_, _, err = codecs.Decode(context.Background(), tc.data, codecs.Limits{})
				_, _, aerr = codecs.DecodeAll(context.Background(), tc.data, codecs.Limits{})
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode: %v, want %v", err, tc.want)
			}
			if !errors.Is(aerr, tc.want) {
				t.Fatalf("DecodeAll: %v, want %v", aerr, tc.want)
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
		"ANMF", anmf(20, 10, 100, 50, "VP8L", testimage.SolidVP8L(100, 50, color.NRGBA{9, 8, 7, 6})))
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
		{"lossless alpha", func(t *testing.T) []byte { return img2webp(t, frames(2, 640, 480, true), nil, "-lossless") }},
		{"lossy alpha", func(t *testing.T) []byte { return img2webp(t, frames(2, 640, 480, true), nil, "-lossy") }},
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
