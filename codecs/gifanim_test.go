package codecs

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
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
