package codecs_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// Colours of the animation fixture.
var (
	red     = color.NRGBA{220, 30, 30, 255}
	green   = color.NRGBA{30, 200, 60, 255}
	blue    = color.NRGBA{40, 60, 230, 255}
	white   = color.NRGBA{250, 250, 250, 255}
	yellow  = color.NRGBA{240, 230, 20, 255}
	magenta = color.NRGBA{210, 20, 200, 255}
	cyan    = color.NRGBA{20, 220, 230, 255}
	black   = color.NRGBA{0, 0, 0, 255}
	orange  = color.NRGBA{250, 140, 10, 255}
	clearC  = color.NRGBA{}
)

// animGIF is a 4-frame animation on a 40×30 logical screen, made with
// image/gif, whose every frame exercises a rule of GIF display:
//
//	0: the whole screen, global palette, a 10×10 transparent top-left
//	   corner; quarters red, green, blue, white; do not dispose; 10 cs.
//	1: (10,5)-(30,20), local palette with a transparent index: left
//	   half yellow, right half magenta and transparent in a 2-pixel
//	   checker; restore to previous; 20 cs.
//	2: (25,18)-(55,40), partly past the screen, local palette: cyan
//	   above its row 4, transparent in its columns 0–3, orange below;
//	   restore to background; 0 cs (kept as 0, not read as 10).
//	3: (0,0)-(8,8) black; do not dispose; 7 cs.
//
// Loop count 2: the animation plays 3 times.
func animGIF(t testing.TB) []byte {
	t.Helper()
	p0 := color.Palette{red, green, blue, white, clearC}
	f0 := image.NewPaletted(image.Rect(0, 0, 40, 30), p0)
	for y := range 30 {
		for x := range 40 {
			i := 0
			if x >= 20 {
				i++
			}
			if y >= 15 {
				i += 2
			}
			if x < 10 && y < 10 {
				i = 4
			}
			f0.SetColorIndex(x, y, uint8(i))
		}
	}
	f1 := image.NewPaletted(image.Rect(10, 5, 30, 20), color.Palette{yellow, magenta, clearC})
	for y := 5; y < 20; y++ {
		for x := 10; x < 30; x++ {
			i := 0
			if x >= 20 {
				i = 1 + (x/2+y/2)%2
			}
			f1.SetColorIndex(x, y, uint8(i))
		}
	}
	f2 := image.NewPaletted(image.Rect(25, 18, 55, 40), color.Palette{cyan, black, clearC, orange})
	for y := 18; y < 40; y++ {
		for x := 25; x < 55; x++ {
			i := 3
			switch {
			case x < 29:
				i = 2
			case y < 22:
				i = 0
			}
			f2.SetColorIndex(x, y, uint8(i))
		}
	}
	f3 := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{black})
	g := &gif.GIF{
		Image:     []*image.Paletted{f0, f1, f2, f3},
		Delay:     []int{10, 20, 0, 7},
		Disposal:  []byte{gif.DisposalNone, gif.DisposalPrevious, gif.DisposalBackground, gif.DisposalNone},
		LoopCount: 2,
		// Large enough for frame 2, which image/gif will not write past
		// the screen: the screen is set to 40×30 below.
		Config: image.Config{ColorModel: p0, Width: 60, Height: 50},
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.LittleEndian.PutUint16(b[6:], 40)
	binary.LittleEndian.PutUint16(b[8:], 30)
	return b
}

// shownAt is img's colour at (x, y) as NRGBA, with every fully
// transparent colour the zero NRGBA.
func shownAt(img image.Image, x, y int) color.NRGBA {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	if c.A == 0 {
		return color.NRGBA{}
	}
	return c
}

// TestGIFDecodeAll: every frame of animGIF as browsers display it, with
// its delay and the loop count.
func TestGIFDecodeAll(t *testing.T) {
	data := animGIF(t)
	a, info, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != 4 || len(a.Frames) != 4 {
		t.Fatalf("%d frames (Probe counted %d), want 4", len(a.Frames), info.Frames)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 0, 70 * time.Millisecond}; fmt.Sprint(a.Delays) != fmt.Sprint(want) {
		t.Errorf("delays %v, want %v", a.Delays, want)
	}
	if a.Loops != 3 {
		t.Errorf("Loops %d, want 3 (NETSCAPE2.0 loop count 2: played 3 times)", a.Loops)
	}
	for i, f := range a.Frames {
		if _, ok := f.(*image.NRGBA); !ok || f.Bounds() != image.Rect(0, 0, 40, 30) {
			t.Fatalf("frame %d: %T %v, want *image.NRGBA (0,0)-(40,30)", i, f, f.Bounds())
		}
	}
	type probe struct {
		frame, x, y int
		want        color.NRGBA
		why         string
	}
	for _, p := range []probe{
		{0, 2, 2, clearC, "frame 0's transparent corner on the transparent canvas"},
		{0, 15, 5, red, "frame 0"},
		{0, 25, 5, green, "frame 0"},
		{0, 5, 25, blue, "frame 0"},
		{0, 39, 29, white, "frame 0"},
		{1, 12, 6, yellow, "frame 1"},
		{1, 22, 6, magenta, "frame 1's checker, opaque"},
		{1, 20, 6, green, "frame 1's checker, transparent: frame 0 shows"},
		{1, 15, 16, yellow, "frame 1 over frame 0's blue"},
		{1, 15, 21, blue, "below frame 1: frame 0"},
		{2, 12, 6, red, "frame 1 restored to previous: frame 0"},
		{2, 22, 6, green, "frame 1 restored to previous: frame 0"},
		{2, 30, 19, cyan, "frame 2"},
		{2, 39, 21, cyan, "frame 2 at the screen's edge"},
		{2, 30, 29, orange, "frame 2, clipped at the bottom"},
		{2, 26, 20, white, "frame 2's transparent columns: frame 0"},
		{2, 24, 20, white, "left of frame 2: frame 0"},
		{3, 2, 2, black, "frame 3"},
		{3, 9, 9, clearC, "beside frame 3: frame 0's corner"},
		{3, 30, 25, clearC, "frame 2 restored to background: transparent"},
		{3, 26, 20, clearC, "frame 2's own transparent pixels are cleared too"},
		{3, 24, 20, white, "left of frame 2: frame 0"},
		{3, 12, 6, red, "frame 0"},
	} {
		if got := shownAt(a.Frames[p.frame], p.x, p.y); got != p.want {
			t.Errorf("frame %d at (%d,%d) = %v, want %v: %s", p.frame, p.x, p.y, got, p.want, p.why)
		}
	}
	comparePillow(t, data, a)
}

// comparePillow compares a, the decoded frames of data, pixel for pixel
// with Pillow's (ImageSequence, convert("RGBA")), over a's canvas (Pillow
// 9 grows its size for a later frame reaching past the screen, where
// browsers and DecodeAll clip it), and the delays and loop count with
// Pillow's duration and loop. It skips without /usr/bin/python3 and PIL
// (Debian's python3-pil), unless BLOBIMAGE_REQUIRE_TOOLS=1.
func comparePillow(t *testing.T, data []byte, a *codecs.Animation) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.gif")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys
from PIL import Image, ImageSequence
im = Image.open(sys.argv[1])
print(im.info.get("loop", -1))
for i, f in enumerate(ImageSequence.Iterator(im)):
    rgba = f.convert("RGBA")
    open("%s/%d.rgba" % (sys.argv[2], i), "wb").write(rgba.tobytes())
    print(rgba.size[0], rgba.size[1], f.info.get("duration", 0))
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, path, dir).CombinedOutput()
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("Pillow (BLOBIMAGE_REQUIRE_TOOLS=1: apt-get install python3-pil): %v: %s", err, out)
		}
		t.Skipf("no Pillow to compare with (apt-get install python3-pil): %v: %s", err, bytes.TrimSpace(out))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	// Pillow's loop is the NETSCAPE2.0 count, -1 here without one.
	loop, _ := strconv.Atoi(lines[0])
	want := loop + 1 // n repeats: n+1 plays
	switch loop {
	case -1:
		want = 1
	case 0:
		want = 0
	}
	if want != a.Loops {
		t.Errorf("Pillow's loop %d, our Loops %d", loop, a.Loops)
	}
	lines = lines[1:]
	if len(lines) != len(a.Frames) {
		t.Fatalf("Pillow has %d frames, we %d", len(lines), len(a.Frames))
	}
	size := a.Size()
	for i, line := range lines {
		var w, h, ms int
		if _, err := fmt.Sscan(line, &w, &h, &ms); err != nil {
			t.Fatalf("Pillow said %q: %v", line, err)
		}
		if time.Duration(ms)*time.Millisecond != a.Delays[i] {
			t.Errorf("frame %d: Pillow's duration %d ms, our delay %v", i, ms, a.Delays[i])
		}
		pix, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.rgba", i)))
		if err != nil || w < size.X || h < size.Y || len(pix) != 4*w*h {
			t.Fatalf("frame %d: Pillow's %d×%d, %d bytes (%v), our %v", i, w, h, len(pix), err, size)
		}
		ref := &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
		diffs := 0
		for y := range size.Y {
			for x := range size.X {
				if got, want := shownAt(a.Frames[i], x, y), shownAt(ref, x, y); got != want {
					if diffs++; diffs <= 3 {
						t.Errorf("frame %d at (%d,%d): %v, Pillow %v", i, x, y, got, want)
					}
				}
			}
		}
		if diffs > 3 {
			t.Errorf("frame %d: %d pixels differ from Pillow's", i, diffs)
		}
	}
}

// gifImages returns, for each image of a GIF, the offset of its image
// descriptor and that of its first image data sub-block (after its local
// table and LZW code size): a test's own walk over the blocks.
func gifImages(t testing.TB, b []byte) (desc, data []int) {
	t.Helper()
	at := 13
	if b[10]&0x80 != 0 {
		at += 3 << (1 + b[10]&7)
	}
	for at < len(b) && b[at] != 0x3B {
		switch b[at] {
		case 0x21:
			at += 2
		case 0x2C:
			desc = append(desc, at)
			flags := b[at+9]
			at += 10
			if flags&0x80 != 0 {
				at += 3 << (1 + flags&7)
			}
			at++
			data = append(data, at)
		default:
			t.Fatalf("no block at %d", at)
		}
		for b[at] != 0 {
			at += 1 + int(b[at])
		}
		at++
	}
	return desc, data
}

// TestGIFDecodeAllCorruptFrame: a frame whose LZW data is bad, or cut
// short, ends the animation with the frames before it, as browsers show
// them; a bad first frame is ErrCorrupt, as in Decode.
func TestGIFDecodeAllCorruptFrame(t *testing.T) {
	ctx := context.Background()
	data := animGIF(t)
	_, offs := gifImages(t, data)
	for k := range 4 {
		bad := bytes.Clone(data)
		n := int(bad[offs[k]])
		for i := offs[k] + 1; i <= offs[k]+n; i++ {
			bad[i] = 0xFF
		}
		a, _, err := codecs.DecodeAll(ctx, bad, codecs.Limits{})
		switch {
		case k == 0:
			if !errors.Is(err, codecs.ErrCorrupt) {
				t.Errorf("bad frame 0: %v, want ErrCorrupt", err)
			}
		case err != nil:
			t.Errorf("bad frame %d: %v", k, err)
		case len(a.Frames) != k || len(a.Delays) != k:
			t.Errorf("bad frame %d: %d frames, %d delays, want %d", k, len(a.Frames), len(a.Delays), k)
		}
	}
	// Cut inside the last frame's data: the three before it.
	cut := data[:offs[3]+2]
	if a, _, err := codecs.DecodeAll(ctx, cut, codecs.Limits{}); err != nil || len(a.Frames) != 3 {
		t.Errorf("cut in frame 3: %v", err)
	} else if a.Loops != 3 || shownAt(a.Frames[2], 30, 19) != cyan {
		t.Errorf("cut in frame 3: Loops %d, frame 2 at (30,19) %v", a.Loops, shownAt(a.Frames[2], 30, 19))
	}
}

// interlace returns the rows of m in the order an interlaced GIF stores
// them, so that m's pixels encoded by image/gif with the interlace flag
// set afterwards are decoded as m.
func interlace(m *image.Paletted) *image.Paletted {
	out := image.NewPaletted(m.Rect, m.Palette)
	h, w, i := m.Rect.Dy(), m.Rect.Dx(), 0
	for _, p := range [][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}} {
		for y := p[0]; y < h; y += p[1] {
			copy(out.Pix[i*w:(i+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
			i++
		}
	}
	return out
}

// TestGIFDecodeAllAgreesWithImageGIF: for animations image/gif reads
// (frames inside the screen), each displayed frame is image/gif's frames
// drawn in turn, here with interlaced frames, local palettes, transparent
// pixels and "do not dispose" (the default).
func TestGIFDecodeAllAgreesWithImageGIF(t *testing.T) {
	pals := []color.Palette{
		{red, green, blue, white, clearC},
		{yellow, magenta, cyan, black, orange, clearC, white, red},
	}
	g := &gif.GIF{Config: image.Config{ColorModel: pals[0], Width: 37, Height: 29}, LoopCount: 0}
	var frames []*image.Paletted
	for i := range 5 {
		r := image.Rect(i*3, i*2, 37-i, 29-i*3)
		p := image.NewPaletted(r, pals[i%2])
		for j := range p.Pix {
			p.Pix[j] = uint8((j*7/(i+3) + j/p.Stride) % len(p.Palette))
		}
		frames = append(frames, p)
		g.Image = append(g.Image, interlace(p))
		g.Delay = append(g.Delay, 3+i)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// Set the interlace flag of every image descriptor.
	desc, _ := gifImages(t, data)
	for _, d := range desc {
		data[d+9] |= 0x40
	}
	ref, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Frames) != 5 || a.Loops != 0 {
		t.Fatalf("%d frames, Loops %d, want 5 forever", len(a.Frames), a.Loops)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, 37, 29))
	for i, m := range ref.Image {
		if m.Rect != frames[i].Rect || !bytes.Equal(m.Pix, frames[i].Pix) {
			t.Fatalf("frame %d: image/gif did not read it as interlaced", i)
		}
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				if c := shownAt(m, x, y); c.A != 0 {
					canvas.SetNRGBA(x, y, c)
				}
			}
		}
		if !bytes.Equal(canvas.Pix, a.Frames[i].(*image.NRGBA).Pix) {
			t.Errorf("frame %d differs from image/gif's frames drawn in turn", i)
		}
		if a.Delays[i] != time.Duration(ref.Delay[i])*10*time.Millisecond {
			t.Errorf("frame %d: delay %v, image/gif %d cs", i, a.Delays[i], ref.Delay[i])
		}
	}
}

// tinyFramesGIF is a GIF of n 1×1 frames on a w×h screen: a few hundred
// bytes that would decode to n × w × h pixels.
func tinyFramesGIF(t testing.TB, w, h, n int) []byte {
	t.Helper()
	pal := color.Palette{red, blue}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: w, Height: h}}
	for i := range n {
		p := image.NewPaletted(image.Rect(i%w, 0, i%w+1, 1), pal)
		p.Pix[0] = uint8(i % 2)
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 5)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGIFDecodeAllLimits: frames × canvas over MaxPixels, or more frames
// than MaxFrames, is refused from the container, before any pixel is
// decoded (the first frame alone decodes); within the limits the same
// kind of file decodes.
func TestGIFDecodeAllLimits(t *testing.T) {
	ctx := context.Background()
	big := tinyFramesGIF(t, 4000, 4000, 10) // 10 × 16 MP
	if len(big) > 2000 {
		t.Fatalf("fixture is %d bytes: it should be tiny", len(big))
	}
	start := time.Now()
	_, _, err := codecs.DecodeAll(ctx, big, codecs.Limits{})
	var le *codecs.LimitError
	if !errors.Is(err, codecs.ErrTooLarge) || !errors.As(err, &le) || le.Limit != "max_pixels" || le.Value != 160_000_000 {
		t.Errorf("10 frames of 16 MP: %v, want a max_pixels LimitError of 160000000", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v: it decoded", d)
	}
	if img, _, err := codecs.Decode(ctx, big, codecs.Limits{}); err != nil || img.Bounds().Dx() != 4000 {
		t.Errorf("its first frame alone: %v", err)
	}

	many := tinyFramesGIF(t, 20, 10, 30)
	_, _, err = codecs.DecodeAll(ctx, many, codecs.Limits{MaxFrames: 29})
	if !errors.Is(err, codecs.ErrTooLarge) || !errors.As(err, &le) || le.Limit != "max_frames" {
		t.Errorf("30 frames, MaxFrames 29: %v, want a max_frames LimitError", err)
	}
	_, _, err = codecs.DecodeAll(ctx, many, codecs.Limits{MaxPixels: 20*10*30 - 1})
	if !errors.As(err, &le) || le.Limit != "max_pixels" {
		t.Errorf("30 frames of 200 pixels, MaxPixels 5999: %v, want max_pixels", err)
	}
	a, _, err := codecs.DecodeAll(ctx, many, codecs.Limits{MaxFrames: 30, MaxPixels: 20 * 10 * 30})
	if err != nil || len(a.Frames) != 30 {
		t.Fatalf("30 frames within the limits: %v", err)
	}
	if a.Loops != 0 {
		t.Errorf("image/gif's LoopCount 0: Loops %d, want 0 (forever)", a.Loops)
	}
	// Frame 29 is blue at (9,0), over frame 9's, beside frame 10's red.
	if shownAt(a.Frames[29], 9, 0) != blue || shownAt(a.Frames[29], 10, 0) != red || shownAt(a.Frames[0], 1, 0) != (color.NRGBA{}) {
		t.Errorf("tiny frames drawn wrong: %v %v %v", shownAt(a.Frames[29], 9, 0), shownAt(a.Frames[29], 10, 0), shownAt(a.Frames[0], 1, 0))
	}
}

// TestGIFDecodeAllCancelled: a cancelled context is context.Canceled,
// not ErrCorrupt.
func TestGIFDecodeAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := codecs.DecodeAll(ctx, animGIF(t), codecs.Limits{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestGIFDecodeAllStill: a one-frame GIF is a one-frame animation, its
// image Decode's.
func TestGIFDecodeAllStill(t *testing.T) {
	data := tinyFramesGIF(t, 6, 4, 1)
	a, info, err := codecs.DecodeAll(context.Background(), data, codecs.Limits{})
	if err != nil || len(a.Frames) != 1 || len(a.Delays) != 1 || info.Frames != 1 {
		t.Fatalf("one frame: %v, %+v", err, a)
	}
	if a.Size() != image.Pt(6, 4) || shownAt(a.Frames[0], 0, 0) != red {
		t.Errorf("one frame: %v, %v at (0,0)", a.Size(), shownAt(a.Frames[0], 0, 0))
	}
}

// displayed draws image/gif's frames of g in turn as a GIF is displayed,
// with their disposals: the reference the encoder's output is checked
// against, apart from DecodeAll.
func displayed(g *gif.GIF) []*image.NRGBA {
	canvas := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	var out []*image.NRGBA
	for i, m := range g.Image {
		before := image.NewNRGBA(canvas.Rect)
		copy(before.Pix, canvas.Pix)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				if c := shownAt(m, x, y); c.A != 0 {
					canvas.SetNRGBA(x, y, c)
				}
			}
		}
		f := image.NewNRGBA(canvas.Rect)
		copy(f.Pix, canvas.Pix)
		out = append(out, f)
		switch g.Disposal[i] {
		case gif.DisposalBackground:
			draw.Draw(canvas, m.Rect, image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			canvas = before
		}
	}
	return out
}

// sameFrames reports the first pixel where got and want differ by more
// than tol in a channel (any difference of alpha, transparent colours
// being all alike), and the largest difference.
func sameFrames(t *testing.T, what string, got []image.Image, want []image.Image, tol int) (worst int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range got {
		b := want[i].Bounds()
		if got[i].Bounds().Size() != b.Size() {
			t.Fatalf("%s: frame %d is %v, want %v", what, i, got[i].Bounds(), b)
		}
		bad := 0
		for y := range b.Dy() {
			for x := range b.Dx() {
				g, w := shownAt(got[i], x, y), shownAt(want[i], b.Min.X+x, b.Min.Y+y)
				d := max(absDiff(g.R, w.R), absDiff(g.G, w.G), absDiff(g.B, w.B))
				if (g.A == 0) != (w.A == 0) {
					d = 255
				}
				worst = max(worst, d)
				if d > tol {
					if bad++; bad <= 3 {
						t.Errorf("%s: frame %d at (%d,%d): %v, want %v", what, i, x, y, g, w)
					}
				}
			}
		}
	}
	return worst
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func images[T image.Image](fs []T) []image.Image {
	out := make([]image.Image, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// encodeAll writes a as a GIF and reads it back with image/gif.
func encodeAll(t *testing.T, a *codecs.Animation) ([]byte, *gif.GIF) {
	t.Helper()
	var buf bytes.Buffer
	if err := codecs.EncodeAll(context.Background(), &buf, a, codecs.GIF, codecs.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("image/gif cannot read what EncodeAll wrote: %v", err)
	}
	return buf.Bytes(), g
}

// TestGIFEncodeAllRoundTrip: animGIF decoded and written again has its
// frames, delays (0 kept as 0) and loop count, and its pixels exactly
// (9 colours: the palette holds them all), as image/gif, DecodeAll and
// Pillow read it; frame 3 makes transparent what frame 2 covered, which
// the encoder must write as a disposal to background.
func TestGIFEncodeAllRoundTrip(t *testing.T) {
	ctx := context.Background()
	a, _, err := codecs.DecodeAll(ctx, animGIF(t), codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !codecs.CanEncodeAll(codecs.GIF) {
		t.Fatal("GIF has no animation encoder")
	}
	out, g := encodeAll(t, a)
	if len(g.Image) != 4 || fmt.Sprint(g.Delay) != "[10 20 0 7]" || g.LoopCount != 2 {
		t.Errorf("image/gif reads %d frames, delays %v cs, LoopCount %d; want 4, [10 20 0 7], 2", len(g.Image), g.Delay, g.LoopCount)
	}
	sameFrames(t, "image/gif", images(displayed(g)), a.Frames, 0)
	b, _, err := codecs.DecodeAll(ctx, out, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sameFrames(t, "DecodeAll", b.Frames, a.Frames, 0)
	if fmt.Sprint(b.Delays) != fmt.Sprint(a.Delays) || b.Loops != a.Loops {
		t.Errorf("DecodeAll reads delays %v, Loops %d; want %v, %d", b.Delays, b.Loops, a.Delays, a.Loops)
	}
	// Frames 1 and 2 are cropped to what changed: frame 1 to the
	// rectangle it drew, frame 2 to frame 1's, restored, and its own.
	// (Frame 3 changes two opposite corners.)
	for i, want := range []image.Rectangle{image.Rect(10, 5, 30, 20), image.Rect(10, 5, 40, 30)} {
		if r := g.Image[i+1].Rect; !r.In(want) {
			t.Errorf("frame %d written over %v, want within %v: not cropped to what changed", i+1, r, want)
		}
	}
	comparePillow(t, out, a)
}

// TestGIFEncodeAllLoops: Loops 0 is written as NETSCAPE2.0 loop count 0
// (forever), 1 without the extension (image/gif's -1), n as n-1; each
// reads back as it was.
func TestGIFEncodeAllLoops(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	draw.Draw(m, m.Rect, image.NewUniform(blue), image.Point{}, draw.Src)
	for _, c := range []struct{ loops, count int }{{0, 0}, {1, -1}, {2, 1}, {5, 4}, {-1, -1}} {
		a := &codecs.Animation{Frames: []image.Image{m, m}, Delays: []time.Duration{time.Second, 5 * time.Millisecond}, Loops: c.loops}
		out, g := encodeAll(t, a)
		if g.LoopCount != c.count || bytes.Contains(out, []byte("NETSCAPE")) != (c.count >= 0) {
			t.Errorf("Loops %d: image/gif's LoopCount %d, want %d", c.loops, g.LoopCount, c.count)
		}
		if fmt.Sprint(g.Delay) != "[100 1]" {
			t.Errorf("delays 1 s and 5 ms written as %v cs, want [100 1]", g.Delay)
		}
		b, _, err := codecs.DecodeAll(context.Background(), out, codecs.Limits{})
		if want := max(c.loops, 1); c.loops == 0 {
			want = 0
			if err != nil || b.Loops != want {
				t.Errorf("Loops %d read back as %v, %v", c.loops, b, err)
			}
		} else if err != nil || b.Loops != want {
			t.Errorf("Loops %d read back as %v, %v; want %d", c.loops, b, err, want)
		}
	}
}

// gradientAnim is an animation of n frames with thousands of colours:
// its left half a still gradient, its right half one that shifts with
// each frame.
func gradientAnim(n, w, h int) *codecs.Animation {
	a := &codecs.Animation{Loops: 0}
	for i := range n {
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				s := 0
				if x >= w/2 {
					s = 23 * i
				}
				m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y + s) % 256), 255})
			}
		}
		a.Frames = append(a.Frames, m)
		a.Delays = append(a.Delays, 40*time.Millisecond)
	}
	return a
}

// TestGIFEncodeAllManyColours: frames of more colours than a GIF holds
// are quantised (median cut) to within a small error, without dithering:
// the still half maps to the same indices in every frame, so later
// frames are cropped to the moving half and nothing flickers.
func TestGIFEncodeAllManyColours(t *testing.T) {
	a := gradientAnim(5, 96, 64)
	_, g := encodeAll(t, a)
	if len(g.Image) != 5 || g.LoopCount != 0 {
		t.Fatalf("%d frames, LoopCount %d", len(g.Image), g.LoopCount)
	}
	if n := len(g.Config.ColorModel.(color.Palette)); n != 256 {
		t.Errorf("palette of %d colours, want 256 (255 and transparent)", n)
	}
	frames := displayed(g)
	worst := sameFrames(t, "image/gif", images(frames), a.Frames, 32)
	var sum, cnt float64
	for i, f := range frames {
		for y := range 64 {
			for x := range 96 {
				g, w := f.NRGBAAt(x, y), a.Frames[i].(*image.NRGBA).NRGBAAt(x, y)
				sum += float64(absDiff(g.R, w.R) + absDiff(g.G, w.G) + absDiff(g.B, w.B))
				cnt += 3
			}
		}
	}
	t.Logf("largest channel error %d, mean %.2f", worst, sum/cnt)
	// Pillow 9.4's quantize(255, MEDIANCUT) of the same frames, stacked:
	// 5.93; ours: 5.38.
	if sum/cnt > 6 {
		t.Errorf("mean channel error %.2f: the quantiser does badly", sum/cnt)
	}
	for i, m := range g.Image[1:] {
		if m.Rect.Min.X < 48 {
			t.Errorf("frame %d written over %v: the still half changed", i+1, m.Rect)
		}
	}
	for i := 1; i < 5; i++ {
		for y := range 64 {
			for x := range 48 {
				if frames[i].NRGBAAt(x, y) != frames[0].NRGBAAt(x, y) {
					t.Fatalf("frame %d at (%d,%d): the still half flickers", i, x, y)
				}
			}
		}
	}
}

// TestGIFEncodeAllTransparency: alpha below 128 is transparent, above
// opaque; pixels turning transparent, then opaque again, are displayed
// as the frames have them (by image/gif's frames drawn in turn, DecodeAll
// and Pillow); frames of other image types are converted.
func TestGIFEncodeAllTransparency(t *testing.T) {
	f0 := image.NewNRGBA(image.Rect(0, 0, 20, 16))
	draw.Draw(f0, f0.Rect, image.NewUniform(red), image.Point{}, draw.Src)
	f0.SetNRGBA(3, 3, color.NRGBA{40, 60, 230, 100}) // transparent
	f0.SetNRGBA(4, 3, color.NRGBA{40, 60, 230, 200}) // blue
	f1 := image.NewNRGBA(f0.Rect)
	draw.Draw(f1, image.Rect(10, 0, 20, 16), image.NewUniform(red), image.Point{}, draw.Src)
	f1.SetNRGBA(12, 12, green)
	f2 := image.NewPaletted(image.Rect(5, 7, 25, 23), color.Palette{blue, clearC})
	f2.SetColorIndex(20, 20, 1)
	a := &codecs.Animation{Frames: []image.Image{f0, f1, f2}, Delays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}, Loops: 1}
	want := []image.Image{image.NewNRGBA(f0.Rect), f1, image.NewNRGBA(f0.Rect)}
	draw.Draw(want[0].(*image.NRGBA), f0.Rect, f0, image.Point{}, draw.Src)
	want[0].(*image.NRGBA).SetNRGBA(3, 3, clearC)
	want[0].(*image.NRGBA).SetNRGBA(4, 3, blue)
	draw.Draw(want[2].(*image.NRGBA), f0.Rect, f2, f2.Rect.Min, draw.Src)
	out, g := encodeAll(t, a)
	if g.LoopCount != -1 {
		t.Errorf("Loops 1: LoopCount %d, want -1", g.LoopCount)
	}
	sameFrames(t, "image/gif", images(displayed(g)), want, 0)
	b, _, err := codecs.DecodeAll(context.Background(), out, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sameFrames(t, "DecodeAll", b.Frames, want, 0)
	comparePillow(t, out, b)
}

// TestGIFEncodeAllCancelled: a cancelled context stops EncodeAll with
// context.Canceled.
func TestGIFEncodeAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := codecs.EncodeAll(ctx, io.Discard, gradientAnim(2, 8, 8), codecs.GIF, codecs.EncodeOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
