package codecs

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"runtime"
	"testing"
)

// stopAfter is a context whose Err is nil for its first n calls and
// context.Canceled after: it stops a decoder at a chosen point.
type stopAfter struct {
	context.Context
	n, calls int
}

func (c *stopAfter) Err() error {
	if c.calls++; c.calls > c.n {
		return context.Canceled
	}
	return nil
}

// TestDecodeGIFAllStopsMidway: decodeGIFAll checks its context between
// frames and rows, and returns the context's error (not the frames so
// far) when it is done.
func TestDecodeGIFAllStopsMidway(t *testing.T) {
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: 16, Height: 16}}
	for i := range 6 {
		p := image.NewPaletted(image.Rect(0, 0, 16, 16), pal)
		p.Pix[0] = uint8(i % 2)
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	info := Info{Width: 16, Height: 16, Frames: 6}
	full := &stopAfter{Context: context.Background(), n: 1 << 30}
	if a, err := decodeGIFAll(full, data, info, DefaultLimits()); err != nil || len(a.Frames) != 6 {
		t.Fatalf("whole: %v", err)
	}
	if full.calls < 6*16 {
		t.Errorf("%d context checks for 6 frames of 16 rows", full.calls)
	}
	for _, n := range []int{0, 1, 17, 40, full.calls - 1} {
		a, err := decodeGIFAll(&stopAfter{Context: context.Background(), n: n}, data, info, DefaultLimits())
		if !errors.Is(err, context.Canceled) || a != nil {
			t.Errorf("stopped after %d checks: %v, %v", n, a, err)
		}
	}
}

// TestGIFLoops: the NETSCAPE2.0 loop count and Animation.Loops map both
// ways as browsers play them (count n: n+1 plays; none: once; 0: forever).
func TestGIFLoops(t *testing.T) {
	for _, c := range []struct{ count, loops int }{{-1, 1}, {0, 0}, {1, 2}, {2, 3}, {65535, 65536}} {
		if got := gifLoops(c.count); got != c.loops {
			t.Errorf("gifLoops(%d) = %d, want %d", c.count, got, c.loops)
		}
		if got := gifLoopCount(c.loops); got != c.count {
			t.Errorf("gifLoopCount(%d) = %d, want %d", c.loops, got, c.count)
		}
	}
	if gifLoopCount(-1) != -1 || gifLoopCount(1<<20) != 65535 {
		t.Errorf("gifLoopCount(-1) = %d, (1<<20) = %d", gifLoopCount(-1), gifLoopCount(1<<20))
	}
}

// animationFixture is a small animation made with image/gif: frames with
// local palettes, transparency, offsets and every disposal.
func animationFixture(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	g := &gif.GIF{Config: image.Config{Width: w, Height: h}, LoopCount: 3}
	for i := range frames {
		pal := color.Palette{color.RGBA{uint8(40 * i), 0, 255, 255}, color.RGBA{0, uint8(30 * i), 0, 255}, color.RGBA{}}
		r := image.Rect(i%w, i%h, w-i%3, h).Intersect(image.Rect(0, 0, w, h))
		p := image.NewPaletted(r, pal)
		for j := range p.Pix {
			p.Pix[j] = uint8((j/3 + i) % 3)
		}
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, i)
		g.Disposal = append(g.Disposal, byte(i%4))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeGIFAllMemory: decoding allocates about AnimationMemory: the
// displayed frames, the canvas and a rectangle for disposal 3, and no
// decoded frame besides.
func TestDecodeGIFAllMemory(t *testing.T) {
	const w, h, n = 300, 200, 24
	data := animationFixture(t, w, h, n)
	info, err := Probe(data, Limits{})
	if err != nil || info.Frames != n {
		t.Fatalf("probe: %v, %d frames", err, info.Frames)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a, err := decodeGIFAll(context.Background(), data, info, DefaultLimits())
	runtime.ReadMemStats(&after)
	if err != nil || len(a.Frames) != n {
		t.Fatalf("decode: %v", err)
	}
	got, budget := int64(after.TotalAlloc-before.TotalAlloc), AnimationMemory(w, h, n)
	t.Logf("allocated %d bytes, AnimationMemory %d", got, budget)
	if got > budget+budget/10 {
		t.Errorf("allocated %d bytes, over AnimationMemory's %d", got, budget)
	}
}

// FuzzDecodeGIFAll: whatever the bytes, decodeGIFAll does not panic,
// gives no more frames than gifFrames counts, all of the canvas's size,
// and what it gives encodeGIFAll writes as a GIF image/gif reads.
func FuzzDecodeGIFAll(f *testing.F) {
	f.Add(animationFixture(f, 12, 9, 6))
	f.Add(animationFixture(f, 3, 40, 2))
	lim := Limits{MaxPixels: 1 << 16, MaxSide: 1024, MaxFrames: 64}.WithDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Probe(data, lim)
		if err != nil || info.Format != GIF {
			return
		}
		if checkFrames(info.Width, info.Height, info.Frames, lim) != nil {
			return
		}
		a, err := decodeGIFAll(context.Background(), data, info, lim)
		if err != nil {
			return
		}
		if len(a.Frames) > max(1, info.Frames) || len(a.Delays) != len(a.Frames) {
			t.Fatalf("%d frames, %d delays, %d counted", len(a.Frames), len(a.Delays), info.Frames)
		}
		if err := a.check(); err != nil || a.Size() != image.Pt(info.Width, info.Height) {
			t.Fatalf("frames %v: %v, header %d×%d", a.Size(), err, info.Width, info.Height)
		}
		var buf bytes.Buffer
		if err := encodeGIFAll(context.Background(), &buf, a, EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil || len(g.Image) != len(a.Frames) {
			t.Fatalf("re-encoded: %v", err)
		}
	})
}
