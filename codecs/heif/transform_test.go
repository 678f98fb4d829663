package heif_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

func propBox(typ string, payload ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+4*len(payload)))
	b = append(b, typ...)
	for _, v := range payload {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func irot(a int) []byte { b := propBox("irot"); return append(b[:3:3], 9, 'i', 'r', 'o', 't', byte(a)) }
func imir(a int) []byte { b := propBox("imir"); return append(b[:3:3], 9, 'i', 'm', 'i', 'r', byte(a)) }

// clap crops a w×h window at (x, y) of a W×H image.
func clap(w, h, x, y, W, H int) []byte {
	return propBox("clap", uint32(w), 1, uint32(h), 1, uint32(2*x+w-W), 2, uint32(2*y+h-H), 2)
}

// TestTransforms gives HEIC and AVIF files irot, imir and clap
// properties, alone and together, in 4:4:4 and 4:2:0 (which the system
// engine serves), decodes them with each engine, and compares the decoded
// size and pixels with heif-convert (libheif), which applies them.
func TestTransforms(t *testing.T) {
	const W, H = 320, 240
	src := photo(W, H, false)
	type tr struct {
		name  string
		boxes [][]byte
		avif  []string
	}
	cases := []tr{
		{"irot90", [][]byte{irot(1)}, []string{"--irot", "1"}},
		{"irot180", [][]byte{irot(2)}, []string{"--irot", "2"}},
		{"irot270", [][]byte{irot(3)}, []string{"--irot", "3"}},
		{"imir0", [][]byte{imir(0)}, []string{"--imir", "0"}},
		{"imir1", [][]byte{imir(1)}, []string{"--imir", "1"}},
		{"clap", [][]byte{clap(200, 150, 40, 30, W, H)}, []string{"--crop", "40,30,200,150"}},
		{"clap+irot90+imir1", [][]byte{clap(200, 150, 40, 30, W, H), irot(1), imir(1)},
			[]string{"--crop", "40,30,200,150", "--irot", "1", "--imir", "1"}},
	}
	heics := map[string]*heif.File{
		"heic444": mustParse(t, heifEnc(t, src, "-q", "90", "-p", "chroma=444")),
		"heic420": mustParse(t, heifEnc(t, src, "-q", "90")),
	}
	for _, c := range cases {
		files := map[string][]byte{}
		for kind, f := range heics {
			data, err := heif.WithProperties(f, f.Primary().ID, c.boxes...)
			if err != nil {
				t.Fatal(err)
			}
			files[kind] = data
		}
		for _, chroma := range []string{"444", "420"} {
			files["avif"+chroma] = avifEnc(t, src, append([]string{"-y", chroma, "--min", "0", "--max", "8"}, c.avif...)...)
		}
		for kind, data := range files {
			ref := heifConvert(t, data)
			for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
				t.Run(fmt.Sprintf("%s_%s_%s", kind, strings.ReplaceAll(c.name, "+", "_"), e), func(t *testing.T) {
					t.Setenv(heif.EngineEnv, e)
					if e == heif.EngineSystem && heic.Dynamic() != nil {
						t.Skipf("system libheif not loaded: %v", heic.Dynamic())
					}
					img, info := decode(t, data)
					if img.Bounds() != ref.Bounds() || info.Width != ref.Bounds().Dx() || info.Height != ref.Bounds().Dy() {
						t.Fatalf("decoded %v (Probe %d×%d), heif-convert %v", img.Bounds(), info.Width, info.Height, ref.Bounds())
					}
					col, _ := testimage.PSNR16(t, ref, img)
					t.Logf("%v %T: %.1f dB vs heif-convert", img.Bounds().Size(), img, col)
					if col < 40 {
						t.Errorf("%.1f dB vs heif-convert", col)
					}
				})
			}
		}
	}
}
