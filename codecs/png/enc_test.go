package png

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
)

// A testPNG describes a PNG that the tests write with their own small
// encoder, for every colour type, bit depth, filter and interlacing
// (image/png writes only some of them).
type testPNG struct {
	w, h       int
	colorType  int
	depth      int
	interlaced bool
	// filter is the filter type of every row, or -1 for each row's type
	// chosen in turn from 0 to 4.
	filter int
	plte   int    // palette entries (colour type 3)
	trns   []byte // tRNS chunk data, if any
	// idat is the size of each IDAT chunk (0: one chunk).
	idat int
	seed uint64
}

// channels is the number of samples per pixel of each colour type.
var channels = [...]int{ctGray: 1, ctRGB: 3, ctPalette: 1, ctGrayAlpha: 2, ctRGBA: 4}

// chunk returns a PNG chunk with its length and CRC.
func chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// ihdr returns an IHDR chunk.
func ihdr(w, h, depth, ct int, interlaced bool) []byte {
	var b [13]byte
	binary.BigEndian.PutUint32(b[0:], uint32(w))
	binary.BigEndian.PutUint32(b[4:], uint32(h))
	b[8], b[9] = byte(depth), byte(ct)
	if interlaced {
		b[12] = 1
	}
	return chunk("IHDR", b[:])
}

// raw returns the unfiltered scanlines of the image (of each pass, when
// interlaced), without filter bytes: smooth random samples, so that every
// filter has something to predict, with random bits at the ends of rows
// and random palette indices (some past the palette).
func (p testPNG) raw(rng *rand.Rand) [][]byte {
	bitsPP := p.depth * channels[p.colorType]
	var rows [][]byte
	addPass := func(w, h int) {
		if w <= 0 || h <= 0 {
			return
		}
		n := (bitsPP*w + 7) / 8
		prev := make([]byte, n)
		for range h {
			row := make([]byte, n)
			for i := range row {
				switch rng.IntN(4) {
				case 0:
					row[i] = byte(rng.Uint32())
				default:
					row[i] = prev[i] + byte(rng.IntN(9)) - 4
				}
			}
			rows = append(rows, row)
			prev = row
		}
	}
	if !p.interlaced {
		addPass(p.w, p.h)
		return rows
	}
	for _, a := range adam7 {
		addPass((p.w-a.x0+a.dx-1)/a.dx, (p.h-a.y0+a.dy-1)/a.dy)
	}
	return rows
}

// filterRow applies filter type ft to row given the previous row.
func filterRow(ft byte, row, prev []byte, bpp int) []byte {
	out := make([]byte, 1+len(row))
	out[0] = ft
	for i, x := range row {
		var a, b, c int
		if i >= bpp {
			a = int(row[i-bpp])
			c = int(prev[i-bpp])
		}
		b = int(prev[i])
		var pred int
		switch ft {
		case ftSub:
			pred = a
		case ftUp:
			pred = b
		case ftAverage:
			pred = (a + b) / 2
		case ftPaeth:
			pred = specPaeth(a, b, c)
		}
		out[1+i] = x - byte(pred)
	}
	return out
}

// encode writes the PNG.
func (p testPNG) encode() []byte {
	rng := rand.New(rand.NewPCG(p.seed, 7))
	var out bytes.Buffer
	out.WriteString(signature)
	out.Write(ihdr(p.w, p.h, p.depth, p.colorType, p.interlaced))
	if p.plte > 0 {
		pl := make([]byte, 3*p.plte)
		for i := range pl {
			pl[i] = byte(rng.Uint32())
		}
		out.Write(chunk("PLTE", pl))
	}
	if p.trns != nil {
		out.Write(chunk("tRNS", p.trns))
	}
	out.Write(chunk("tEXt", []byte("Comment\x00a chunk to skip")))
	bpp := max(1, p.depth*channels[p.colorType]/8)
	var data bytes.Buffer
	var prev []byte
	for i, row := range p.raw(rng) {
		if len(prev) != len(row) {
			prev = make([]byte, len(row)) // the first row of a pass
		}
		ft := byte(p.filter)
		if p.filter < 0 {
			ft = byte(i % 5)
		}
		data.Write(filterRow(ft, row, prev, bpp))
		prev = row
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data.Bytes())
	zw.Close()
	zb := z.Bytes()
	for len(zb) > 0 {
		n := len(zb)
		if p.idat > 0 {
			n = min(n, p.idat)
		}
		out.Write(chunk("IDAT", zb[:n]))
		zb = zb[n:]
	}
	out.Write(chunk("IEND", nil))
	return out.Bytes()
}

// matrix returns PNGs of every colour type and bit depth, with and without
// tRNS, interlaced or not, each filter type alone and mixed, in sizes that
// leave partial bytes and partial blocks.
func matrix() []testPNG {
	var ps []testPNG
	type cd struct{ ct, depth int }
	var cds []cd
	for _, d := range []int{1, 2, 4, 8, 16} {
		cds = append(cds, cd{ctGray, d})
	}
	for _, d := range []int{1, 2, 4, 8} {
		cds = append(cds, cd{ctPalette, d})
	}
	for _, d := range []int{8, 16} {
		cds = append(cds, cd{ctRGB, d}, cd{ctGrayAlpha, d}, cd{ctRGBA, d})
	}
	seed := uint64(1)
	for _, c := range cds {
		var trnss [][]byte
		switch c.ct {
		case ctGray:
			// A value the samples take (0 and 1 for low depths).
			trnss = [][]byte{nil, {0, 1}, {0, 0}}
			if c.depth == 16 {
				trnss = append(trnss, []byte{0x12, 0x34})
			}
		case ctRGB:
			trnss = [][]byte{nil, {0, 7, 0, 7, 0, 7}}
		case ctPalette:
			trnss = [][]byte{nil, {0, 128, 255}}
		default:
			trnss = [][]byte{nil}
		}
		for _, trns := range trnss {
			for _, il := range []bool{false, true} {
				for _, f := range []int{-1, 0, 1, 2, 3, 4} {
					seed++
					p := testPNG{w: 37, h: 29, colorType: c.ct, depth: c.depth, interlaced: il, filter: f, trns: trns, seed: seed, idat: 61}
					if c.ct == ctPalette {
						p.plte = min(1<<c.depth, 200) - 1 // some indices are past the palette
					}
					if f == 2 {
						p.w, p.h, p.idat = 5, 3, 0 // tiny: interlace passes are empty
					}
					ps = append(ps, p)
				}
			}
		}
	}
	return ps
}
