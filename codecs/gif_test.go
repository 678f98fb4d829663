package codecs_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// offsetGIF is a GIF whose logical screen is sw×sh and whose one frame,
// a w×h pattern, sits at (x, y): it may reach past the screen, as some
// writers make them.
func offsetGIF(t testing.TB, sw, sh, x, y, w, h int) ([]byte, *image.Paletted) {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 200, 0, 255}, color.RGBA{250, 250, 250, 255}}
	frame := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i := range frame.Pix {
		frame.Pix[i] = uint8((i%w/8 + i/w/8) % len(pal))
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, frame, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.LittleEndian.PutUint16(b[6:], uint16(sw))
	binary.LittleEndian.PutUint16(b[8:], uint16(sh))
	at := 13
	if b[10]&0x80 != 0 {
		at += 3 << (1 + b[10]&7)
	}
	for b[at] == 0x21 {
		at += 2
		for b[at] != 0 {
			at += 1 + int(b[at])
		}
		at++
	}
	if b[at] != 0x2C {
		t.Fatalf("no image descriptor at %d", at)
	}
	binary.LittleEndian.PutUint16(b[at+1:], uint16(x))
	binary.LittleEndian.PutUint16(b[at+3:], uint16(y))
	return b, frame
}

// TestGIFFramePastScreen: a first frame reaching past the logical screen
// is displayed on a canvas grown to hold it, as Pillow sizes it and
// browsers show it; image/gif alone refuses such files. A frame inside
// the screen keeps the screen's size; a frame past 65535 pixels, or past
// the limits, is refused before decoding.
func TestGIFFramePastScreen(t *testing.T) {
	ctx := context.Background()
	data, frame := offsetGIF(t, 40, 30, 20, 10, 64, 48)
	if _, err := gif.Decode(bytes.NewReader(data)); err == nil {
		t.Fatal("image/gif accepted the fixture: it no longer tests anything")
	}
	img, info, err := codecs.Decode(ctx, data, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := image.Rect(0, 0, 84, 58)
	if img.Bounds() != want || info.Width != 84 || info.Height != 58 {
		t.Fatalf("decoded %v (header %dx%d), want %v", img.Bounds(), info.Width, info.Height, want)
	}
	for _, p := range []image.Point{{0, 0}, {20, 10}, {83, 57}, {50, 30}} {
		got := color.NRGBAModel.Convert(img.At(p.X, p.Y)).(color.NRGBA)
		var exp color.NRGBA
		if q := p.Sub(image.Pt(20, 10)); q.In(frame.Rect) {
			exp = color.NRGBAModel.Convert(frame.At(q.X, q.Y)).(color.NRGBA)
		}
		if got != exp {
			t.Errorf("pixel %v = %v, want %v", p, got, exp)
		}
	}
	// Pillow, the reference the displayed size is checked against.
	if py, err := exec.LookPath("/usr/bin/python3"); err == nil {
		path := filepath.Join(t.TempDir(), "a.gif")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", "import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(*im.size)", path).CombinedOutput()
		if err == nil && string(bytes.TrimSpace(out)) != "84 58" {
			t.Errorf("Pillow sizes it %s, we %v", out, want.Size())
		}
	}

	inside, _ := offsetGIF(t, 100, 80, 5, 5, 64, 48)
	if img, _, err := codecs.Decode(ctx, inside, codecs.Limits{}); err != nil || img.Bounds() != image.Rect(0, 0, 100, 80) {
		t.Errorf("frame inside the screen: %v, %v", img.Bounds(), err)
	}
	// A tiny screen and a frame declared far away: the canvas it would
	// need is refused by the limits from the header alone.
	far, _ := offsetGIF(t, 10, 10, 30000, 0, 64, 48)
	if _, err := codecs.Probe(far, codecs.Limits{}); !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("frame at x 30000: %v, want ErrTooLarge", err)
	}
	past, _ := offsetGIF(t, 10, 10, 65500, 0, 64, 48)
	if _, err := codecs.Probe(past, codecs.Limits{MaxSide: -1, MaxPixels: -1}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("frame past 65535: %v, want ErrCorrupt", err)
	}
}

// TestGIFFrames: Probe counts an animated GIF's frames from its blocks,
// with global or local palettes and with the extensions writers add; a
// still image is 1 frame, and a truncated file counts what it reached.
func TestGIFFrames(t *testing.T) {
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.Transparent}
	for _, n := range []int{1, 2, 7, 40} {
		for _, local := range []bool{false, true} {
			g := &gif.GIF{LoopCount: 0}
			if !local {
				g.Config = image.Config{ColorModel: pal, Width: 30, Height: 20}
			}
			for i := 0; i < n; i++ {
				p := image.NewPaletted(image.Rect(i%5, i%3, 30-i%4, 20), pal)
				for j := range p.Pix {
					p.Pix[j] = uint8((j + i) % 3)
				}
				g.Image = append(g.Image, p)
				g.Delay = append(g.Delay, 10*i)
				g.Disposal = append(g.Disposal, gif.DisposalBackground)
			}
			var buf bytes.Buffer
			if err := gif.EncodeAll(&buf, g); err != nil {
				t.Fatal(err)
			}
			info, err := codecs.Probe(buf.Bytes(), codecs.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Frames != n {
				t.Errorf("%d frames (local palettes %v): Probe says %d", n, local, info.Frames)
			}
			// Cut inside the last frame: the frames before it count.
			if n > 1 {
				cut := buf.Bytes()[:buf.Len()-20]
				if info, err := codecs.Probe(cut, codecs.Limits{}); err == nil && info.Frames != n && info.Frames != n-1 {
					t.Errorf("%d frames cut short: Probe says %d", n, info.Frames)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if info, err := codecs.Probe(buf.Bytes(), codecs.Limits{}); err != nil || info.Frames != 1 {
		t.Errorf("PNG: %d frames, %v", info.Frames, err)
	}
}
