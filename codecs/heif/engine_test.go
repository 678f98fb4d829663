package heif_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"testing"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// TestEngines decodes the same HEIC, and the same AVIFs, with each engine
// and compares each decode with the format's reference decoder
// (heif-convert, avifdec). The system engine serves AVIF through libheif
// where its AV1 probe passes. One AVIF is limited-range BT.709, and again
// with its colr box made unknown (its type renamed), so that only the AV1
// sequence header says how to read its samples: the system engine gives
// both the same 41.9 dB against avifdec, libheif's own conversion through
// RGB (heif-convert is at 41.6 dB against avifdec on that file; 55.9 on
// the full-range BT.601 one, where no conversion happens).
func TestEngines(t *testing.T) {
	for _, c := range []struct {
		name, coding string
		encode       func(tb testing.TB) []byte
		reference    func(tb testing.TB, data []byte) image.Image
	}{
		{"heic", "hvc1", func(tb testing.TB) []byte { return heifEnc(tb, photo(640, 480, false), "-q", "85") }, heifConvert},
		{"avif", "av01", func(tb testing.TB) []byte { return avifEnc(tb, photo(640, 480, false), "-d", "8", "-y", "420") }, avifDec},
		{"avif_limited_bt709", "av01", func(tb testing.TB) []byte {
			return avifEnc(tb, photo(640, 480, false), "-d", "8", "-y", "420", "-r", "limited", "--cicp", "1/13/1")
		}, avifDec},
		{"avif_no_colr", "av01", func(tb testing.TB) []byte {
			data := bytes.Clone(avifEnc(tb, photo(640, 480, false), "-d", "8", "-y", "420", "-r", "limited", "--cicp", "1/13/1"))
			if bytes.Count(data, []byte("colr")) != 1 {
				tb.Fatal("want one colr box")
			}
			data = bytes.Replace(data, []byte("colr"), []byte("cOlr"), 1)
			if _, ok := mustParse(tb, data).NCLX(); ok {
				tb.Fatal("nclx still there")
			}
			return data
		}, avifDec},
	} {
		data := c.encode(t)
		ref := c.reference(t, data)
		for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
			t.Run(c.name+"/"+e, func(t *testing.T) {
				t.Setenv(heif.EngineEnv, e)
				if e == heif.EngineSystem && heic.Dynamic() != nil {
					t.Skipf("system libheif not loaded: %v", heic.Dynamic())
				}
				if got := heif.Engine(c.coding); got != e {
					t.Fatalf("Engine(%s) = %s", c.coding, got)
				}
				img, _ := decode(t, data)
				p, _ := testimage.PSNR16(t, ref, img)
				t.Logf("%T, %.1f dB vs the reference decoder", img, p)
				if p < 40 {
					t.Errorf("%.1f dB", p)
				}
			})
		}
	}
}

// colrBox is a colr property box of colour type typ with payload p.
func colrBox(typ string, p []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(12+len(p)))
	return append(append(append(b, "colr"...), typ...), p...)
}

// nclxBox is a colr box of type nclx.
func nclxBox(primaries, transfer, matrix int, full bool) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(primaries))
	p = binary.BigEndian.AppendUint16(p, uint16(transfer))
	p = binary.BigEndian.AppendUint16(p, uint16(matrix))
	var flag byte
	if full {
		flag = 0x80
	}
	return colrBox("nclx", append(p, flag))
}

// TestColourBoxes gives a single-image HEIC (heif-enc codes full-range
// BT.601 and writes no colour box) nclx boxes that say otherwise, and
// decodes it with each engine: both must read the samples as the box
// says, as heif-convert does. A box misread (its range or matrix ignored,
// or applied twice) costs 10–20 levels of red: under 30 dB; a correct
// decode is at 39–58 dB (the WebAssembly build upsamples chroma otherwise
// than heif-convert, which costs most at limited range).
func TestColourBoxes(t *testing.T) {
	base := heifEnc(t, photo(320, 240, false), "-q", "90")
	f := mustParse(t, base)
	if m, err := f.Image(); err != nil || m.Grid {
		t.Fatalf("want a single image: %+v %v", m, err)
	}
	for _, c := range colourBoxes() {
		data, err := heif.WithProperties(f, f.Primary().ID, c.box)
		if err != nil {
			t.Fatal(err)
		}
		ref := heifConvert(t, data)
		for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
			t.Run(c.name+"/"+e, func(t *testing.T) {
				t.Setenv(heif.EngineEnv, e)
				if heif.Engine("hvc1") != e {
					t.Skipf("engine %s not available", e)
				}
				img, _ := decode(t, data)
				p, _ := testimage.PSNR16(t, ref, img)
				t.Logf("%.1f dB vs heif-convert", p)
				if p < 36 {
					t.Errorf("%.1f dB vs heif-convert", p)
				}
			})
		}
	}
}

// colourBox is an nclx box to give a test image, named for what it says.
type colourBox struct {
	name string
	box  []byte
}

// colourBoxes are the nclx boxes the colour tests put on images:
// full-range BT.601 (what the samples of heif-enc's files are), and three
// that ask for a conversion.
func colourBoxes() []colourBox {
	return []colourBox{
		{"bt601_full", nclxBox(1, 13, 6, true)},
		{"bt601_limited", nclxBox(1, 13, 6, false)},
		{"bt709_limited", nclxBox(1, 13, 1, false)},
		{"bt709_full", nclxBox(1, 13, 1, true)},
	}
}
