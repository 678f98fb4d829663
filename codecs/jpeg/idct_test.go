package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// idctBlock returns random coefficients for decIDCT8: mostly the sparse,
// low-frequency blocks of photos, some dense, some at the extremes of
// coefficient range, and a quarter anywhere in int16, as corrupt data
// gives (sums that wrap must wrap alike).
func idctBlock(rng *rand.Rand) (in, dq [64]int32) {
	kind := rng.IntN(4)
	for i := range in {
		dq[i] = int32(1 + rng.IntN(64))
		if kind == 3 {
			dq[i] = int32(1 + rng.IntN(255))
		}
	}
	switch kind {
	case 0: // sparse, low frequencies
		for range 1 + rng.IntN(6) {
			v, u := rng.IntN(4), rng.IntN(4)
			in[8*v+u] = int32(rng.IntN(201) - 100)
		}
	case 1: // dense
		for i := range in {
			in[i] = int32(rng.IntN(81) - 40)
		}
	case 2: // large values
		for i := range in {
			in[i] = int32(rng.IntN(2*1024+1) - 1024)
			dq[i] = int32(1 + 4096/(1+abs(in[i])))
		}
	default: // corrupt: anything in int16
		for i := range in {
			in[i] = int32(rng.IntN(65536) - 32768)
		}
	}
	return in, dq
}

func abs(v int32) int32 { return max(v, -v) }

// TestIDCT8Vec checks the SIMD inverse DCT against decIDCT8Go, to the
// bit, on random blocks of every kind and at strides wider than a block.
func TestIDCT8Vec(t *testing.T) {
	if !jpegVec {
		t.Skip("no SIMD path on this machine or build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200000 {
		in, dq := idctBlock(rng)
		stride := 8 + rng.IntN(3)*8
		want, got := make([]byte, 8*stride), make([]byte, 8*stride)
		decIDCT8Go(&in, &dq, want, stride)
		decIDCT8Vec(&in, &dq, got, stride)
		if !bytes.Equal(got, want) {
			t.Fatalf("block %d (stride %d): in %v dq %v\ngot  %v\nwant %v", i, stride, in, dq, got, want)
		}
	}
}

// TestIDCT4Vec checks the SIMD 4×4 reduced inverse DCT against
// decIDCT4Go, to the bit, on random blocks of every kind with the
// reduced transform's dequantisation tables.
func TestIDCT4Vec(t *testing.T) {
	if !jpegVec {
		t.Skip("no SIMD path on this machine or build")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 200000 {
		in, q := idctBlock(rng)
		var qz [64]uint16
		for z, nat := range unzig {
			qz[z] = uint16(q[nat])
		}
		var dq [64]int32
		decDequant(&dq, &qz, 4)
		if i%50 == 0 { // corrupt tables too: anything in int32
			for k := range dq {
				dq[k] = int32(rng.Uint32())
			}
		}
		stride := 4 + rng.IntN(3)*4
		want, got := make([]byte, 4*stride), make([]byte, 4*stride)
		decIDCT4Go(&in, &dq, want, stride)
		decIDCT4Vec(&in, &dq, got, stride)
		if !bytes.Equal(got, want) {
			t.Fatalf("block %d (stride %d): in %v dq %v\ngot  %v\nwant %v", i, stride, in, dq, got, want)
		}
	}
}

// TestIDCT8Accuracy checks decIDCT8Go against the inverse DCT of T.81
// A.3.3 in float64, on the coefficients of real 8-bit blocks (random,
// smooth and hard-edged pixels, through a float forward DCT and a random
// quantiser, as an encoder makes them): no sample more than 1 level away,
// and a mean error per sample below what IEEE 1180 allows an 8×8 inverse
// DCT (0.015).
func TestIDCT8Accuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cos [8][8]float64 // cos[x][u] with C(u)/2 folded in
	for x := range 8 {
		for u := range 8 {
			c := 1.0
			if u == 0 {
				c = math.Sqrt2 / 2
			}
			cos[x][u] = c * math.Cos(float64((2*x+1)*u)*math.Pi/16) / 2
		}
	}
	var sum float64
	n := 0
	for i := range 20000 {
		var px [64]float64
		for k := range px {
			switch i % 3 {
			case 0:
				px[k] = float64(rng.IntN(256))
			case 1:
				px[k] = float64(k%8*20 + k/8*9)
			default:
				px[k] = float64(255 * ((k%8 + k/8 + i) % 2))
			}
		}
		var in, dq [64]int32
		for v := range 8 {
			for u := range 8 {
				var f float64
				for y := range 8 {
					for x := range 8 {
						f += (px[8*y+x] - 128) * cos[y][v] * cos[x][u]
					}
				}
				q := int32(1 + rng.IntN(1+i%50))
				dq[8*v+u], in[8*v+u] = q, int32(math.Round(f/float64(q)))
			}
		}
		out := make([]byte, 64)
		decIDCT8Go(&in, &dq, out, 8)
		for y := range 8 {
			for x := range 8 {
				var f float64
				for v := range 8 {
					for u := range 8 {
						f += float64(in[8*v+u]*dq[8*v+u]) * cos[y][v] * cos[x][u]
					}
				}
				want := min(max(math.Round(f)+128, 0), 255)
				d := float64(out[8*y+x]) - want
				if math.Abs(d) > 1 {
					t.Fatalf("in %v dq %v: sample (%d,%d) = %d, want %.0f", in, dq, x, y, out[8*y+x], want)
				}
				sum += math.Abs(d)
				n++
			}
		}
	}
	if mean := sum / float64(n); mean > 0.015 {
		t.Errorf("mean error %.4f per sample, want ≤ 0.015", mean)
	}
	t.Logf("mean error %.4f per sample over %d", sum/float64(n), n)
}

// TestDecodeGrayDjpeg checks that a full-size decode of grayscale JPEGs
// (no colour conversion or upsampling on either side) gives djpeg's
// samples to the bit: the same inverse DCT as libjpeg's default.
func TestDecodeGrayDjpeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, q := range []int{30, 75, 95, 100} {
		g := image.NewGray(image.Rect(0, 0, 61, 45))
		for y := range 45 {
			for x := range 61 {
				g.Pix[y*g.Stride+x] = uint8(x*4 + y*2 + rng.IntN(40))
				if (x/7+y/5)%4 == 0 {
					g.Pix[y*g.Stride+x] = uint8(255 * ((x / 3) % 2))
				}
			}
		}
		var buf bytes.Buffer
		if err := Encode(&buf, g, &Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		want := decDjpeg(t, buf.Bytes()).(*image.Gray)
		gg, ok := got.(*image.Gray)
		if !ok {
			t.Fatalf("q%d: Decode gave %T", q, got)
		}
		for y := range 45 {
			if !bytes.Equal(gg.Pix[y*gg.Stride:][:61], want.Pix[y*want.Stride:][:61]) {
				t.Fatalf("q%d: row %d differs from djpeg's:\ngot  %v\nwant %v", q, y, gg.Pix[y*gg.Stride:][:61], want.Pix[y*want.Stride:][:61])
			}
		}
	}
}

// BenchmarkIDCT8 times decIDCT8Go and, where it runs, decIDCT8Vec on a
// dense block, and the same for the 4×4 transform.
func BenchmarkIDCT8(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in, dq [64]int32
	for i := range in {
		in[i], dq[i] = int32(rng.IntN(81)-40), int32(1+rng.IntN(30))
	}
	out := make([]byte, 64)
	impls := map[string]func(in, dq *[64]int32, dst []byte, stride int){"go": decIDCT8Go, "4x4-go": decIDCT4Go}
	if jpegVec {
		impls["vec"], impls["4x4-vec"] = decIDCT8Vec, decIDCT4Vec
	}
	for _, name := range []string{"go", "vec", "4x4-go", "4x4-vec"} {
		f, ok := impls[name]
		if !ok {
			continue
		}
		b.Run(fmt.Sprintf("impl=%s", name), func(b *testing.B) {
			for b.Loop() {
				f(&in, &dq, out, 8)
			}
		})
	}
}

// TestEncodeFDCTVec checks the SIMD forward DCT and quantisation against
// encFDCTQuant, to the bit (coefficients in zigzag order and the mask of
// non-zero AC ones), on random, flat, striped and extreme blocks, with the
// tables of every quality, at strides wider than a block.
func TestEncodeFDCTVec(t *testing.T) {
	if !jpegVec {
		t.Skip("no SIMD path on this machine or build")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for q := 1; q <= 100; q++ {
		for tbl := range 2 {
			qt := encScaleQuant(&encBaseQuant[tbl], q)
			recip := encReciprocals(&qt)
			nat := encNaturalRecip(&recip)
			for trial := range 300 {
				stride := 8 + 8*rng.IntN(3)
				px := make([]byte, 8*stride)
				for i := range px {
					switch trial % 4 {
					case 0:
						px[i] = byte(rng.IntN(256))
					case 1:
						px[i] = byte(255 * (i & 1))
					case 2:
						px[i] = byte(255 * ((i / stride) & 1))
					default:
						px[i] = byte(100 + rng.IntN(20) + 4*(i%8))
					}
				}
				var want, got [64]int32
				wnz := encFDCTQuant(px, 0, stride, &recip, &want)
				gnz := encFDCTQuantVec(px, 0, stride, &nat, &got)
				if got != want || gnz != wnz {
					t.Fatalf("q%d table %d trial %d: got %v (mask %#x), want %v (mask %#x)", q, tbl, trial, got, gnz, want, wnz)
				}
			}
		}
	}
}

// BenchmarkFDCTQuant times encFDCTQuant and, where it runs,
// encFDCTQuantVec at quality 85 on a smooth block with a little noise (a
// photo's: a few non-zero coefficients) and on noise (most of them).
func BenchmarkFDCTQuant(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	smooth, noise := make([]byte, 64), make([]byte, 64)
	for i := range smooth {
		smooth[i] = byte(90 + 5*(i%8) + 3*(i/8) + rng.IntN(4))
		noise[i] = byte(rng.IntN(256))
	}
	qt := encScaleQuant(&encBaseQuant[0], 85)
	recip := encReciprocals(&qt)
	nat := encNaturalRecip(&recip)
	var out [64]int32
	for _, blk := range []struct {
		name string
		px   []byte
	}{{"smooth", smooth}, {"noise", noise}} {
		b.Run("block="+blk.name+"/impl=go", func(b *testing.B) {
			for b.Loop() {
				encFDCTQuant(blk.px, 0, 8, &recip, &out)
			}
		})
		if jpegVec {
			b.Run("block="+blk.name+"/impl=vec", func(b *testing.B) {
				for b.Loop() {
					encFDCTQuantVec(blk.px, 0, 8, &nat, &out)
				}
			})
		}
	}
}
