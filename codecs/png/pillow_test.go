package png

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// pillowScript decodes each PNG named on the command line with Pillow and
// writes beside it NAME.ref: 16-bit gray as big-endian 16-bit values,
// anything else converted to 8-bit RGBA (Pillow reads 16-bit colour
// samples as their high bytes).
const pillowScript = `
import struct, sys
from PIL import Image
for p in sys.argv[1:]:
    im = Image.open(p)
    im.load()
    if im.mode in ("I", "I;16", "I;16B"):
        data = struct.pack(">%dH" % (im.width * im.height), *im.getdata())
    else:
        data = im.convert("RGBA").tobytes()
    open(p + ".ref", "wb").write(data)
`

// python returns a Python with Pillow: Debian's, which the bench harness
// also prefers, or the python3 on the PATH.
func python(t *testing.T) string {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = testimage.Tool(t, "python3")
	}
	if err := exec.Command(py, "-c", "import PIL").Run(); err != nil {
		if os.Getenv(testimage.RequireToolsEnv) == "1" {
			t.Fatalf("%s has no PIL: install Debian's python3-pil", py)
		}
		t.Skipf("%s has no PIL: install Debian's python3-pil to run this test", py)
	}
	return py
}

// TestDecodePillow compares Decode with Pillow, the reference decoder, on
// the matrix of colour types, depths, tRNS, filters and interlacing that
// the tests' own encoder writes (image/png can write only some of them).
// Files whose tRNS Pillow reads differently are left to the comparison
// with image/png: a 16-bit tRNS colour (Pillow compares it with its 8-bit
// samples) and gray tRNS at depths below 8 (Pillow makes other pixels
// transparent than libpng and image/png); and palettes are full here,
// as Pillow reads an index past the palette otherwise.
func TestDecodePillow(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	var ps []testPNG
	var paths []string
	for _, p := range matrix() {
		if p.trns != nil && (p.depth == 16 || (p.colorType == ctGray && p.depth < 8)) {
			continue
		}
		if p.colorType == ctPalette {
			// Pillow reads indices past the palette otherwise.
			p.plte = 1 << p.depth
		}
		ps = append(ps, p)
		paths = append(paths, testimage.WriteFile(t, dir, fmt.Sprintf("%d.png", len(paths)), p.encode()))
	}
	script := testimage.WriteFile(t, dir, "ref.py", []byte(pillowScript))
	if out, err := exec.Command(py, append([]string{script}, paths...)...).CombinedOutput(); err != nil {
		t.Fatalf("Pillow: %v\n%s", err, out)
	}
	for i, p := range ps {
		data, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		ref, err := os.ReadFile(paths[i] + ".ref")
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if got := comparable(img); !bytes.Equal(got, ref) {
			at := 0
			for at < len(got) && at < len(ref) && got[at] == ref[at] {
				at++
			}
			t.Errorf("%v (%s): %T differs from Pillow's decode at byte %d of %d/%d", p, filepath.Base(paths[i]), img, at, len(got), len(ref))
		}
	}
}

// comparable returns img as the reference script writes Pillow's decode:
// 16-bit gray as big-endian values, anything else as 8-bit RGBA, unassociated
// alpha, 16-bit samples by their high bytes.
func comparable(img image.Image) []byte {
	b := img.Bounds()
	var out []byte
	if g, ok := img.(*image.Gray16); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out = binary.BigEndian.AppendUint16(out, g.Gray16At(x, y).Y)
			}
		}
		return out
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var c color.NRGBA
			switch m := img.(type) {
			case *image.NRGBA64:
				v := m.NRGBA64At(x, y)
				c = color.NRGBA{uint8(v.R >> 8), uint8(v.G >> 8), uint8(v.B >> 8), uint8(v.A >> 8)}
			case *image.RGBA64:
				v := m.RGBA64At(x, y)
				c = color.NRGBA{uint8(v.R >> 8), uint8(v.G >> 8), uint8(v.B >> 8), uint8(v.A >> 8)}
			case *image.Paletted:
				switch v := m.Palette[m.ColorIndexAt(x, y)].(type) {
				case color.NRGBA:
					c = v
				case color.RGBA:
					c = color.NRGBA(v)
				}
			default:
				c = color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			}
			out = append(out, c.R, c.G, c.B, c.A)
		}
	}
	return out
}
