package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// TestPNGReduced checks that PNG goes through codecs/png's DecodeScaled:
// DecodeReduced gives the reduced size, and charges an interlaced PNG's
// memory at full size.
func TestPNGReduced(t *testing.T) {
	data := encPNG(t, quads(64, 48))
	img, info, err := codecs.DecodeReduced(context.Background(), data, codecs.Limits{}, image.Pt(10, 10))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds(), image.Rect(0, 0, 16, 12); got != want {
		t.Errorf("bounds %v, want %v (1/4)", got, want)
	}
	if info.Memory != 0 {
		t.Errorf("non-interlaced: Memory %d, want 0 (by colour model)", info.Memory)
	}
	il := bytes.Clone(data)
	il[28] = 1 // only the header matters to Probe
	il = fixCRC(il, 8)
	info, err = codecs.Probe(il, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Memory < 64*48*4 || info.DecodeMemoryScaled(4) != info.Memory {
		t.Errorf("interlaced: Memory %d, scaled %d: want the full size at every scale", info.Memory, info.DecodeMemoryScaled(4))
	}
}

// fixCRC recomputes the CRC of the chunk at off.
func fixCRC(b []byte, off int) []byte {
	n := int(b[off])<<24 | int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
	c := pngChunk(string(b[off+4:off+8]), b[off+8:off+8+n])
	copy(b[off:], c)
	return b
}

// TestPNGErrors checks how PNG errors are classified: an undefined colour
// type and depth is ErrUnsupportedFormat, damage is ErrCorrupt, and a
// header declaring a huge image over a few bytes is refused before it is
// allocated even with no limits.
func TestPNGErrors(t *testing.T) {
	good := encPNG(t, quads(16, 16))
	bad := pngHeader(16, 16)
	bad[8+8+8] = 3 // depth 3
	bad = fixCRC(bad, 8)
	if _, err := codecs.Probe(bad, codecs.Limits{}); !errors.Is(err, codecs.ErrUnsupportedFormat) {
		t.Errorf("depth 3: %v, want ErrUnsupportedFormat", err)
	}
	cut := good[:len(good)-20]
	if _, _, err := codecs.Decode(context.Background(), cut, codecs.Limits{}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("truncated: %v, want ErrCorrupt", err)
	}
	flip := bytes.Clone(good)
	flip[len(flip)-20] ^= 0x40
	if _, _, err := codecs.Decode(context.Background(), flip, codecs.Limits{}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("damaged: %v, want ErrCorrupt", err)
	}
	huge := append(pngHeader(60000, 60000), good[bytes.Index(good, []byte("IDAT"))-4:]...)
	if _, _, err := codecs.Decode(context.Background(), huge, codecs.Limits{MaxPixels: -1, MaxSide: -1}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("60000×60000 over a 16×16 image's data: %v, want ErrCorrupt", err)
	}
	if _, err := png.Decode(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
}
