package heif

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"

	"github.com/blobimage/blobimage/codecs"
)

func init() {
	codecs.Register(codecs.Codec{
		Format:        codecs.AVIF,
		MediaType:     "image/avif",
		Ext:           ".avif",
		Match:         func(head []byte) bool { return brandFamily(head) == codecs.AVIF },
		DecodeConfig:  decodeConfig,
		DecodeContext: decodeContext,
		Memory:        memory,
		Oriented:      true,
		TimeScale:     timeScale,
	})
	codecs.Register(codecs.Codec{
		Format:        codecs.HEIC,
		MediaType:     "image/heic",
		Ext:           ".heic",
		Match:         func(head []byte) bool { return brandFamily(head) == codecs.HEIC },
		DecodeConfig:  decodeConfig,
		DecodeContext: decodeContext,
		Memory:        memory,
		Oriented:      true,
		TimeScale:     timeScale,
	})
	codecs.Register(codecs.Codec{
		Format:        codecs.HEIF,
		MediaType:     "image/heif",
		Ext:           ".heif",
		Match:         func(head []byte) bool { return brandFamily(head) == codecs.HEIF },
		DecodeConfig:  decodeConfig,
		DecodeContext: decodeContext,
		Memory:        memory,
		Oriented:      true,
		TimeScale:     timeScale,
	})
}

// timeScale is how many times Limits.DecodeTimeout the decoders get: the
// WebAssembly builds of libheif and libavif take 0.3–0.9 s per megapixel
// on one core (about 15 times native code), so a 12 MP photo needs more
// than the 10 s default that fits every native decoder. The system
// engine finishes long before either bound.
const timeScale = 4

// brandFamily classifies a file by the brands of its leading ftyp box, as
// codecs.Sniff does for unregistered formats: AVIF when any brand says
// AV1 (avif, avis), else HEIC when one says HEVC (heic, heix, heim, heis,
// hevc, hevx), else HEIF for a generic image brand (mif1, msf1, mif2,
// miaf); "" for anything else (MP4 video, JPEG XL).
func brandFamily(head []byte) codecs.Format {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size%4 != 0 {
		return ""
	}
	end := min(size, len(head))
	brands := []string{string(head[8:12])}
	for i := 16; i+4 <= end; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	var best codecs.Format
	for _, b := range brands {
		switch b {
		case "avif", "avis":
			return codecs.AVIF
		case "jxl ":
			return ""
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			best = codecs.HEIC
		case "mif1", "msf1", "mif2", "miaf":
			if best == "" {
				best = codecs.HEIF
			}
		}
	}
	return best
}

// open parses data and checks its primary image.
func open(data []byte) (*File, *Image, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, nil, err
	}
	m, err := f.Image()
	if err != nil {
		return nil, nil, err
	}
	return f, m, nil
}

// decodeConfig reports the primary image's displayed size, from the
// container alone, and the colour model Decode returns.
func decodeConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, err
	}
	_, m, err := open(data)
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{Width: m.Width, Height: m.Height, ColorModel: colorModel(m)}, nil
}

func colorModel(m *Image) color.Model {
	switch {
	case m.Coding == "av01":
		return color.RGBAModel
	case m.Alpha != 0 && m.Premultiplied:
		return color.RGBAModel
	case m.Alpha != 0:
		return color.NRGBAModel
	case m.ChromaFormat == 0:
		return color.GrayModel
	}
	return color.YCbCrModel
}

// decodeContext decodes the primary image within info.Memory bytes of
// decoder memory.
func decodeContext(ctx context.Context, data []byte, info codecs.Info) (image.Image, error) {
	f, m, err := open(data)
	if err != nil {
		return nil, err
	}
	limit := info.Memory
	if limit <= 0 {
		limit = estimate(m, int64(len(data)))
	}
	img, _, err := decodeImage(ctx, f, m, limit)
	if err != nil {
		return nil, fmt.Errorf("heif: decode: %w", err)
	}
	return img, nil
}

// decodeImage decodes with the engine in force for m's coding.
func decodeImage(ctx context.Context, f *File, m *Image, limit int64) (image.Image, int64, error) {
	var (
		img  image.Image
		peak int64
		err  error
	)
	switch {
	case m.Coding != "hvc1" && m.Coding != "av01":
		return nil, 0, errUnsupported("coding %s", m.Coding)
	case engineFor(m) == EngineSystem:
		img, err = decodeSystem(ctx, f, m)
	case m.Coding == "hvc1":
		img, peak, err = decodeHEIC(ctx, f, m, limit)
	default:
		img, peak, err = decodeAVIF(ctx, f, m, limit)
	}
	if err != nil {
		return nil, 0, err
	}
	if b := img.Bounds(); b != image.Rect(0, 0, m.Width, m.Height) {
		return nil, 0, errCorrupt("decoded %v, the container says %d×%d", b, m.Width, m.Height)
	}
	return img, peak, nil
}

// memory estimates the decoder memory for data (Codec.Memory).
func memory(data []byte, _ image.Config) int64 {
	_, m, err := open(data)
	if err != nil {
		return 0
	}
	return estimate(m, int64(len(data)))
}

// Decoder memory per pixel, measured with Instance.Peak on 1.5 MP files
// and the 8.5 MP iPhone grid (memory_test.go), rounded up. libheif's
// peak for one coded image: 7.3 B/px at 8-bit 4:2:0, 10.8 at 4:4:4, 19.7
// at 10-bit 4:4:4 (it converts through 4:4:4); a grid needs one tile's
// worth at a time (2.2 B/px of the iPhone image). libavif's: 22.4 B/px at
// 8 bits, 32.3 at 12-bit 4:2:0, 51.1 at 10-bit 4:4:4 with alpha (16-bit
// RGBA output and its conversion buffers).
const (
	baseMemory     = 16 << 20 // the instances' own memory (code data, stacks)
	heicPerPixel   = 24       // of the largest coded image (the image, or one tile)
	avif8PerPixel  = 26
	avifHdrPerPixe = 56
)

// estimate is the memory a decode of m needs: the WebAssembly instance's
// linear memory at its peak (it is also the instance's limit) plus the
// Go images made of its output.
func estimate(m *Image, input int64) int64 {
	out := int64(m.Width) * int64(m.Height)
	coded := int64(m.Declared.Width) * int64(m.Declared.Height)
	var lib, goSide int64
	switch m.Coding {
	case "av01":
		per := int64(avif8PerPixel)
		if m.BitDepth > 8 {
			per = avifHdrPerPixe
		}
		lib = per * coded
		goSide = 8 * coded // RGBA, and its transformed copy
	default:
		one := coded
		if m.Grid {
			// One tile at a time in each of gridWorkers instances, each
			// with its own base memory.
			one = int64(m.TileWidth) * int64(m.TileHeight) * int64(gridWorkers(m))
			lib = int64(gridWorkers(m)-1) * baseMemory
		}
		lib += heicPerPixel * one
		goSide = 3*coded + 3*out // the planes, their transformed copy
		if m.Alpha != 0 {
			lib *= 2
			goSide += 6 * out // the alpha plane, RGBA
		}
	}
	return baseMemory + 2*input + lib + goSide
}
