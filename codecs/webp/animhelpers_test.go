package webp_test

import (
	"bytes"
	"encoding/binary"
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

	"github.com/blobimage/blobimage/internal/testimage"
)

// Helpers of the animation tests. Fixtures are made at test time: by
// Debian's img2webp (libwebp's WebPAnimEncoder: sub-frames, blending and
// disposal as it chooses) and webpmux (frames at offsets) from PNGs the
// test writes, or built here chunk by chunk. References: Pillow, whose
// animated WebP is libwebp's WebPAnimDecoder, and dwebp for single frames
// extracted by webpmux. Debian's webp package has no anim_dump.

// img2webp makes an animation of frames with Debian's img2webp; opts
// come first (-lossy or -lossless, -q, -loop …) and apply to every
// frame; frame i shows for delays[i%len(delays)] milliseconds (100 when
// delays is empty).
func img2webp(t testing.TB, frames []image.Image, delays []int, opts ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{}, opts...)
	for i, f := range frames {
		d := 100
		if len(delays) > 0 {
			d = delays[i%len(delays)]
		}
		args = append(args, "-d", strconv.Itoa(d), testimage.WriteFile(t, dir, fmt.Sprintf("f%d.png", i), testimage.PNG(f)))
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

// pillowAnim is Pillow's reading of an animated WebP. Pillow decodes
// animations with libwebp's WebPAnimDecoder (Debian's libwebp 1.2.4).
type pillowAnim struct {
	size   image.Point
	mode   string // RGBA, or RGB without VP8X's alpha flag
	loop   int
	n      int   // frames in all
	delays []int // milliseconds, of the frames read
	frames []image.Image
}

// pillow returns Pillow's reading of an animated WebP, every frame as
// RGBA (as displayed over black for mode RGB); at most max frames.
func pillow(t testing.TB, data []byte, max int) pillowAnim {
	t.Helper()
	py := testimage.Tool(t, "/usr/bin/python3")
	dir := t.TempDir()
	in := testimage.WriteFile(t, dir, "anim.webp", data)
	const script = `import sys
from PIL import Image, features
if not features.check("webp_anim"):
    sys.exit("Pillow without animated WebP")
im = Image.open(sys.argv[1])
n = min(getattr(im, "n_frames", 1), int(sys.argv[3]))
print(im.size[0], im.size[1], im.mode, im.info.get("loop", 0), getattr(im, "n_frames", 1), n)
for i in range(n):
    im.seek(i)
    im.load()
    print(im.info.get("duration", 0))
    im.convert("RGBA").save("%s/%d.png" % (sys.argv[2], i))
`
	b, err := exec.Command(py, "-c", script, in, dir, strconv.Itoa(max)).CombinedOutput()
	if err != nil {
		if os.Getenv(testimage.RequireToolsEnv) != "1" {
			t.Skipf("Pillow cannot read animated WebP (install Debian's python3-pil): %v: %s", err, b)
		}
		t.Fatalf("Pillow: %v: %s", err, b)
	}
	var p pillowAnim
	var n int
	r := bytes.NewReader(b)
	if _, err := fmt.Fscan(r, &p.size.X, &p.size.Y, &p.mode, &p.loop, &p.n, &n); err != nil {
		t.Fatalf("Pillow printed %q: %v", b, err)
	}
	for i := range n {
		var d int
		if _, err := fmt.Fscan(r, &d); err != nil {
			t.Fatalf("Pillow printed %q: %v", b, err)
		}
		p.delays = append(p.delays, d)
		p.frames = append(p.frames, readPNG(t, filepath.Join(dir, fmt.Sprintf("%d.png", i))))
	}
	return p
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
func anim(bg uint32) []byte { return animLoops(bg, 0) }

// animLoops returns an ANIM payload: background colour and loop count.
func animLoops(bg uint32, loops int) []byte {
	return binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint32(nil, bg), uint16(loops))
}

// anmf returns an ANMF payload: the frame at (x, y) (even), its declared
// w×h, 100 ms, no blending, and its chunks.
func anmf(x, y, w, h int, chunks ...any) []byte {
	return anmfWith(x, y, w, h, 100, noBlend, chunks...)
}

// ANMF flags.
const (
	dispose = 1 << 0 // dispose to the background after display
	noBlend = 1 << 1 // do not blend
)

// anmfWith returns an ANMF payload: the frame at (x, y) (even), its
// declared w×h, ms milliseconds, the flags (dispose, noBlend), and its
// chunks.
func anmfWith(x, y, w, h, ms int, flags byte, chunks ...any) []byte {
	b := append(le24(x/2), le24(y/2)...)
	b = append(append(b, le24(w-1)...), le24(h-1)...)
	b = append(append(b, le24(ms)...), flags)
	return append(b, chunkBytes(chunks...)...)
}

// imageChunks returns the image-bearing chunks of a still WebP (ALPH and
// VP8, or VP8L), alternating FourCC and payload as riff and anmf take
// them.
func imageChunks(t testing.TB, data []byte) []any {
	t.Helper()
	var out []any
	for b := data[12:]; len(b) >= 8; {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:]))
		if 8+n > len(b) {
			t.Fatalf("%q chunk of %d bytes in %d", id, n, len(b)-8)
		}
		if id == "ALPH" || id == "VP8 " || id == "VP8L" {
			out = append(out, id, b[8:8+n])
		}
		b = b[min(len(b), 8+n+n&1):]
	}
	if len(out) == 0 {
		t.Fatal("no image chunk")
	}
	return out
}

func le24(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }

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

// sprites returns n w×h frames in which a 24×16 patch, half transparent
// at its edges, moves 5 pixels right and 3 down a frame over a still
// background: a photo it is drawn over (the frames are opaque), or
// nothing (transparent) when bg is false. Encoders
// code such frames as sub-rectangles, blended or not, disposed or not.
func sprites(n, w, h int, bg bool) []image.Image {
	back := image.NewNRGBA(image.Rect(0, 0, w, h))
	if bg {
		back = testimage.Photo(w, h)
	}
	patch := testimage.WithAlpha(testimage.Photo(24, 16))
	var out []image.Image
	for i := range n {
		m := image.NewNRGBA(back.Rect)
		copy(m.Pix, back.Pix)
		at := image.Pt(3+5*i, 2+3*i).Mod(image.Rect(0, 0, w-24, h-16))
		for y := range 16 {
			for x := range 24 {
				c := patch.NRGBAAt(x, y)
				if a := min(x, y, 23-x, 15-y); a < 4 {
					c.A = uint8(60 * a)
				} else {
					c.A = 255
				}
				if bg {
					c = over(c, m.NRGBAAt(at.X+x, at.Y+y))
				}
				m.SetNRGBA(at.X+x, at.Y+y, c)
			}
		}
		out = append(out, m)
	}
	return out
}

// fmtc formats a colour for an error message.
func fmtc(c color.NRGBA) string { return fmt.Sprintf("%v", c) }

// VP8X flags.
const (
	vp8xAnim  = 1 << 1
	vp8xAlpha = 1 << 4
)

// muxInfo is what webpmux -info says of an animation.
type muxInfo struct {
	canvas   image.Point
	features string // e.g. "animation transparency"
	bg       string // e.g. "0x00000000"
	loops    int
	frames   []muxInfoFrame
}

// muxInfoFrame is a frame line of webpmux -info.
type muxInfoFrame struct {
	rect           image.Rectangle
	alpha          bool
	duration       int
	dispose, blend string
	size           int
	compression    string
}

// webpmuxInfo runs webpmux -info on data, and checks that webpinfo finds
// no error in it.
func webpmuxInfo(t testing.TB, data []byte) muxInfo {
	t.Helper()
	dir := t.TempDir()
	in := testimage.WriteFile(t, dir, "anim.webp", data)
	if out, err := exec.Command(testimage.Tool(t, "webpinfo"), in).CombinedOutput(); err != nil || !strings.Contains(string(out), "No error detected.") {
		t.Errorf("webpinfo: %v\n%s", err, out)
	}
	out, err := exec.Command(testimage.Tool(t, "webpmux"), "-info", in).CombinedOutput()
	if err != nil {
		t.Fatalf("webpmux -info: %v\n%s", err, out)
	}
	var m muxInfo
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Canvas size:"):
			fmt.Sscanf(line, "Canvas size: %d x %d", &m.canvas.X, &m.canvas.Y)
		case strings.HasPrefix(line, "Features present:"):
			m.features = strings.TrimSpace(strings.TrimPrefix(line, "Features present:"))
		case strings.HasPrefix(line, "Background color"):
			fmt.Sscanf(line, "Background color : %s  Loop Count : %d", &m.bg, &m.loops)
		case len(f) == 11 && strings.HasSuffix(f[0], ":") && f[0] != "No.:":
			var fr muxInfoFrame
			var w, h, x, y int
			fmt.Sscan(strings.Join(f[1:3], " "), &w, &h)
			fmt.Sscan(strings.Join(f[4:7], " "), &x, &y, &fr.duration)
			fmt.Sscan(f[9], &fr.size)
			fr.rect = image.Rect(x, y, x+w, y+h)
			fr.alpha, fr.dispose, fr.blend, fr.compression = f[3] == "yes", f[7], f[8], f[10]
			m.frames = append(m.frames, fr)
		}
	}
	if len(m.frames) == 0 {
		t.Fatalf("webpmux -info lists no frame:\n%s", out)
	}
	return m
}

// over returns c drawn over the opaque colour bg.
func over(c, bg color.NRGBA) color.NRGBA {
	mix := func(a, b uint8) uint8 { return uint8((int(a)*int(c.A) + int(b)*(255-int(c.A)) + 127) / 255) }
	return color.NRGBA{mix(c.R, bg.R), mix(c.G, bg.G), mix(c.B, bg.B), 255}
}
