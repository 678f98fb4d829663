package png

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The SIMD loops (filter_amd64.s, where filterVec is set) must give the
// Go loops' bytes exactly. The tests below unfilter the same rows with
// filterVec on and off, and compare both with the rows the raw rows were
// filtered from (by the spec's filters: filterRow of enc_test.go), so
// that the Go loops are checked too. Without SIMD both runs are the Go
// loops.

// haveFilterVec is filterVec as the package starts: whether the SIMD
// loops run here.
var haveFilterVec = filterVec

// setFilterVec turns the SIMD loops on (where they run) or off, until the
// end of the test or benchmark.
func setFilterVec(tb testing.TB, on bool) {
	filterVec = on && haveFilterVec
	tb.Cleanup(func() { filterVec = haveFilterVec })
}

var filterNames = [...]string{ftNone: "None", ftSub: "Sub", ftUp: "Up", ftAverage: "Average", ftPaeth: "Paeth"}

// vecWidths are the row widths the tests try: every small width, around
// the ends of the SIMD loops, and a few large ones.
func vecWidths() []int {
	var ws []int
	for w := range 41 {
		ws = append(ws, w)
	}
	return append(ws, 63, 64, 65, 255, 432, 1001, 5120)
}

// vecSamples are the ways the tests fill the unfiltered rows (both the
// row and the one above).
var vecSamples = []struct {
	name string
	fill func(rng *rand.Rand, row []byte)
}{
	{"random", func(rng *rand.Rand, row []byte) {
		for i := range row {
			row[i] = byte(rng.Uint32())
		}
	}},
	{"zeros", func(rng *rand.Rand, row []byte) { clear(row) }},
	{"ones", func(rng *rand.Rand, row []byte) {
		for i := range row {
			row[i] = 0xff
		}
	}},
	{"extremes", func(rng *rand.Rand, row []byte) {
		for i := range row {
			row[i] = byte(rng.Uint32()&1) * 0xff
		}
	}},
	{"near", func(rng *rand.Rand, row []byte) {
		// Few distinct values close together: ties of the predictor's
		// distances, and t at lo or hi.
		for i := range row {
			row[i] = byte(rng.Uint32() % 4)
		}
	}},
	{"edges", func(rng *rand.Rand, row []byte) {
		e := [...]byte{0, 1, 2, 126, 127, 128, 129, 253, 254, 255}
		for i := range row {
			row[i] = e[rng.Uint32()%uint32(len(e))]
		}
	}},
}

// vecTripleVals are the values that tripleRows combines as a, b and c:
// the ends of the byte range and its thirds, and their neighbours, so that
// every branch of the predictor is taken (t <= lo: 794 of the 1728
// triples, hi <= t: 782, c: 152), with ties t = lo (18) and t = hi (18).
var vecTripleVals = [...]byte{0, 1, 2, 84, 85, 127, 128, 170, 171, 253, 254, 255}

// tripleRows fills the unfiltered row cur and the row above prev, of
// width w and bpp bytes per pixel (both in the same layout), so that at
// pixel 2k+1 channel j has a, b and c the triple k+j·37 of vecTripleVals
// (modulo their count), as far as the width goes.
func tripleRows(rng *rand.Rand, cur, prev []byte, w, bpp int) {
	n := len(vecTripleVals)
	for i := range cur {
		cur[i] = byte(rng.Uint32())
	}
	for x := 0; x+1 < w; x += 2 {
		for j := range bpp {
			k := (x/2 + 37*j) % (n * n * n)
			a, b, c := vecTripleVals[k%n], vecTripleVals[k/n%n], vecTripleVals[k/n/n]
			cur[bpp*x+j] = a
			prev[bpp*x+j] = c
			prev[bpp*(x+1)+j] = b
		}
	}
}

// filterRGBRow filters the RGB row want (3 bytes a pixel) by ft against
// the unfiltered RGBA row above (nil: zeros), as an encoder does.
func filterRGBRow(ft byte, want, above []byte) []byte {
	w := len(want) / 3
	prev := make([]byte, 3*w)
	if above != nil {
		for x := range w {
			copy(prev[3*x:3*x+3], above[4*x:4*x+3])
		}
	}
	return filterRow(ft, want, prev, 3)[1:]
}

// TestUnfilterRGBToRGBAVec checks unfilterRGBToRGBA, with and without
// SIMD, for every filter type, width and kind of sample, with and without
// a row above.
func TestUnfilterRGBToRGBAVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fills := append(vecSamples[:len(vecSamples):len(vecSamples)], struct {
		name string
		fill func(rng *rand.Rand, row []byte)
	}{"triples", nil})
	for ft := range byte(len(filterNames)) {
		for _, w := range vecWidths() {
			for _, s := range fills {
				for _, first := range []bool{false, true} {
					want, above := make([]byte, 3*w), make([]byte, 4*w)
					if s.fill != nil {
						s.fill(rng, want)
						s.fill(rng, above)
					} else {
						// a, b, c in RGBA: the row is made in RGBA, then packed.
						want4 := make([]byte, 4*w)
						tripleRows(rng, want4, above, w, 4)
						for x := range w {
							copy(want[3*x:3*x+3], want4[4*x:4*x+3])
						}
					}
					for x := range w {
						above[4*x+3] = 0xff
					}
					if first {
						above = nil
					}
					raw := filterRGBRow(ft, want, above)
					wantRGBA := make([]byte, 4*w)
					rgbToRGBA(wantRGBA, want, w)
					name := fmt.Sprintf("%s w=%d %s first=%v", filterNames[ft], w, s.name, first)
					var outs [2][]byte
					for i, vec := range []bool{false, true} {
						setFilterVec(t, vec)
						// dst has room past the row: nothing may be
						// written there.
						dst := bytes.Repeat([]byte{0xa5}, 4*w+16)
						cur := bytes.Clone(raw)
						if err := unfilterRGBToRGBA(ft, dst[:4*w:4*w], cur[:len(cur):len(cur)], above); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(cur, raw) {
							t.Fatalf("%s vec=%v: the raw row changed", name, vec)
						}
						if !bytes.Equal(dst[4*w:], bytes.Repeat([]byte{0xa5}, 16)) {
							t.Fatalf("%s vec=%v: wrote past the row", name, vec)
						}
						outs[i] = dst[:4*w]
					}
					if !bytes.Equal(outs[1], outs[0]) {
						t.Fatalf("%s: SIMD differs from Go at byte %d", name, firstDiffByte(outs[1], outs[0]))
					}
					if !bytes.Equal(outs[0], wantRGBA) {
						t.Fatalf("%s: Go differs from the row filtered at byte %d", name, firstDiffByte(outs[0], wantRGBA))
					}
				}
			}
		}
	}
}

// TestUnfilterRGBToRGBAVecRaw checks unfilterRGBToRGBA with and without
// SIMD on raw rows of noise (not made by a filter) above rows of noise,
// of odd lengths (not a whole number of pixels).
func TestUnfilterRGBToRGBAVecRaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for ft := range byte(len(filterNames)) {
		for _, n := range []int{0, 1, 2, 4, 5, 7, 11, 14, 31, 32, 100, 3*5120 + 2} {
			w := n / 3
			raw, above := make([]byte, n), make([]byte, 4*w)
			vecSamples[0].fill(rng, raw)
			vecSamples[0].fill(rng, above)
			var outs [2][]byte
			for i, vec := range []bool{false, true} {
				setFilterVec(t, vec)
				dst := make([]byte, 4*w)
				if err := unfilterRGBToRGBA(ft, dst, bytes.Clone(raw), above); err != nil {
					t.Fatal(err)
				}
				outs[i] = dst
			}
			if !bytes.Equal(outs[1], outs[0]) {
				t.Fatalf("%s %d bytes: SIMD differs from Go at byte %d", filterNames[ft], n, firstDiffByte(outs[1], outs[0]))
			}
		}
	}
}

// TestUnfilterVec checks unfilter in place, with and without SIMD, for
// every filter type and pixel size (the SIMD loops are of 3 and 4 bytes a
// pixel), width and kind of sample.
func TestUnfilterVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, bpp := range []int{1, 2, 3, 4, 6, 8} {
		for ft := range byte(len(filterNames)) {
			for _, w := range vecWidths()[1:] { // no empty rows: the header refuses width 0
				for si := range len(vecSamples) + 1 {
					want, prev := make([]byte, bpp*w), make([]byte, bpp*w)
					name := "triples"
					if si < len(vecSamples) {
						name = vecSamples[si].name
						vecSamples[si].fill(rng, want)
						vecSamples[si].fill(rng, prev)
					} else {
						tripleRows(rng, want, prev, w, bpp)
					}
					raw := filterRow(ft, want, prev, bpp)[1:]
					name = fmt.Sprintf("bpp %d %s w=%d %s", bpp, filterNames[ft], w, name)
					var outs [2][]byte
					for i, vec := range []bool{false, true} {
						setFilterVec(t, vec)
						buf := bytes.Repeat([]byte{0xa5}, len(raw)+16)
						copy(buf, raw)
						p := bytes.Clone(prev)
						cur := buf[:len(raw):len(raw)]
						if err := unfilter(ft, cur, p, bpp); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(p, prev) {
							t.Fatalf("%s vec=%v: the row above changed", name, vec)
						}
						if !bytes.Equal(buf[len(raw):], bytes.Repeat([]byte{0xa5}, 16)) {
							t.Fatalf("%s vec=%v: wrote past the row", name, vec)
						}
						outs[i] = cur
					}
					if !bytes.Equal(outs[1], outs[0]) {
						t.Fatalf("%s: SIMD differs from Go at byte %d", name, firstDiffByte(outs[1], outs[0]))
					}
					if !bytes.Equal(outs[0], want) {
						t.Fatalf("%s: Go differs from the row filtered at byte %d", name, firstDiffByte(outs[0], want))
					}
				}
			}
		}
	}
}

func firstDiffByte(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkUnfilterRGBToRGBA unfilters one row of a 5120-pixel RGB image
// into RGBA (a row above being there), for each filter type, with the
// SIMD loops (impl=vec, where they run) and the Go ones.
func BenchmarkUnfilterRGBToRGBA(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w = 5120
	// The row above and the row, in one image as decodeRows has them.
	raw, pix := make([]byte, 3*w), make([]byte, 2*4*w)
	prev, dst := pix[:4*w], pix[4*w:]
	vecSamples[0].fill(rng, raw)
	vecSamples[0].fill(rng, prev)
	for _, ft := range []byte{ftPaeth, ftAverage, ftSub, ftUp} {
		for _, impl := range []string{"vec", "go"} {
			b.Run(fmt.Sprintf("%s/impl=%s", filterNames[ft], impl), func(b *testing.B) {
				setFilterVec(b, impl == "vec")
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					if err := unfilterRGBToRGBA(ft, dst, raw, prev); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUnfilter unfilters one row of 5120 pixels of 3 and 4 bytes in
// place (copied from the raw row first, as copy/bpp=… measures), for the
// filter types with SIMD loops, with them and in Go.
func BenchmarkUnfilter(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w = 5120
	for _, bpp := range []int{4, 3} {
		raw := make([]byte, bpp*w)
		// The row and the row above, after their filter bytes in two
		// buffers of the same size, as readRow has them.
		cur, prev := make([]byte, bpp*w+1)[1:], make([]byte, bpp*w+1)[1:]
		vecSamples[0].fill(rng, raw)
		vecSamples[0].fill(rng, prev)
		for _, ft := range []byte{ftPaeth, ftAverage} {
			for _, impl := range []string{"vec", "go"} {
				b.Run(fmt.Sprintf("bpp=%d/%s/impl=%s", bpp, filterNames[ft], impl), func(b *testing.B) {
					setFilterVec(b, impl == "vec")
					b.SetBytes(int64(len(raw)))
					for b.Loop() {
						copy(cur, raw)
						if err := unfilter(ft, cur, prev, bpp); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
		b.Run(fmt.Sprintf("bpp=%d/copy", bpp), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				copy(cur, raw)
			}
		})
	}
}
