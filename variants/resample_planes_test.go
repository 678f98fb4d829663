package variants

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// lzBandGrayRef is lzBandGray as it was, one sample a multiply: the
// reference for TestLanczosGrayPacked.
func lzBandGrayRef(j *lzJob, y0, y1 int) {
	src, kx, ky, pix, stride := j.src, j.kx, j.ky, j.pix, j.stride
	dw := len(kx.start)
	ring := ky.n
	tag := make([]int, ring)
	for i := range tag {
		tag[i] = -1
	}
	tmp := make([]byte, ring*dw)
	scratch := make([]byte, src.w)
	rows := make([][]byte, ring)
	acc := make([]int32, dw)
	for y := y0; y < y1; y++ {
		s, ws := ky.weights(y)
		rows = rows[:len(ws)]
		for t := range ws {
			r := s + t
			slot := r % ring
			row := tmp[slot*dw : (slot+1)*dw]
			if tag[slot] != r {
				lzH1Ref(row, src.bytes(r, scratch), kx)
				tag[slot] = r
			}
			rows[t] = row
		}
		out := pix[y*stride:][:dw]
		lzVSumRef(acc, rows, ws)
		for x, a := range acc {
			out[x] = lzClamp(a)
		}
	}
}

// lzVSumRef sets acc to lzHalfHi plus the weighted sum of byte rows.
func lzVSumRef(acc []int32, rows [][]byte, ws []int32) {
	for i := range acc {
		acc[i] = lzHalfHi
	}
	for t, w := range ws {
		r := rows[t][:len(acc)]
		for i := range acc {
			acc[i] += int32(r[i]) * w
		}
	}
}

// lzH1Ref filters a 1-byte row horizontally.
func lzH1Ref(dst, src []byte, k *lzKernel) {
	n := k.n
	for x := range dst {
		s, c := k.start[x], k.count[x]
		ws := k.w[x*n : x*n+c]
		p := src[s : s+c]
		v := int32(lzHalfHi)
		for i, w := range ws {
			v += int32(p[i]) * w
		}
		dst[x] = lzClamp(v)
	}
}

// TestLanczosGrayPacked checks that the packed one-channel path gives,
// to the bit, what filtering one sample at a time gives: on random gray
// planes (noise, and noise with flat black and white runs that push the
// sums past 0..255) of odd and even sizes, down and up by many ratios,
// in one band and in several, and through lanczosResize (gray) and
// lanczosResizeYCbCr (luma).
func TestLanczosGrayPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	plane := func(w, h int, harsh bool) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.Uint32())
			if harsh && (i/3)%2 == 0 {
				g.Pix[i] = 0
				if (i/7)%2 == 0 {
					g.Pix[i] = 255
				}
			}
		}
		return g
	}
	sizes := []int{1, 2, 3, 5, 7, 11, 13, 31, 64, 97, 150, 211, 333}
	cases := 0
	for _, sw := range sizes {
		for _, sh := range sizes {
			for range 3 {
				dw := 1 + rng.IntN(2*sw+2)
				dh := 1 + rng.IntN(2*sh+2)
				if rng.IntN(2) == 0 { // mostly reductions, as in use
					dw, dh = 1+rng.IntN(sw), 1+rng.IntN(sh)
				}
				src := plane(sw, sh, rng.IntN(2) == 0)
				name := fmt.Sprintf("%dx%d→%dx%d", sw, sh, dw, dh)
				s := newLzSource(src)
				job := func() (*lzJob, *image.Gray) {
					out := image.NewGray(image.Rect(0, 0, dw, dh))
					return &lzJob{src: s, kx: newLzKernel(dw, sw, lzBitsHi), ky: newLzKernel(dh, sh, lzBitsHi),
						pix: out.Pix, stride: out.Stride}, out
				}
				jr, want := job()
				lzBandGrayRef(jr, 0, dh)
				got := lanczosResize(src, dw, dh).(*image.Gray)
				lzGrayEqual(t, name, got, want)
				// In bands.
				jb, banded := job()
				for y0 := 0; y0 < dh; {
					y1 := min(dh, y0+1+rng.IntN(7))
					lzBandGray(jb, y0, y1)
					y0 = y1
				}
				lzGrayEqual(t, name+" banded", banded, want)
				cases++
			}
		}
	}
	// The luma plane of the planar path, from a sub-image.
	for _, sz := range []image.Point{{77, 51}, {40, 27}, {13, 9}, {150, 100}, {1, 1}} {
		base := lzPattern("noise", 170, 113, rng)
		ycc := testimage.YCbCr(base, image.YCbCrSubsampleRatio420).SubImage(image.Rect(4, 2, 163, 113)).(*image.YCbCr)
		got := lanczosResizeYCbCr(ycc, sz.X, sz.Y)
		b := ycc.Rect
		luma := &image.Gray{Pix: ycc.Y[ycc.YOffset(b.Min.X, b.Min.Y):], Stride: ycc.YStride, Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
		want := image.NewGray(image.Rect(0, 0, sz.X, sz.Y))
		lzBandGrayRef(&lzJob{src: newLzSource(luma), kx: newLzKernel(sz.X, b.Dx(), lzBitsHi), ky: newLzKernel(sz.Y, b.Dy(), lzBitsHi),
			pix: want.Pix, stride: want.Stride}, 0, sz.Y)
		lzGrayEqual(t, fmt.Sprintf("luma %v", sz), &image.Gray{Pix: got.Y, Stride: got.YStride, Rect: got.Rect}, want)
	}
	t.Logf("%d gray resamples", cases)
}

// lzGrayEqual fails t unless got and want hold the same samples.
func lzGrayEqual(t *testing.T, name string, got, want *image.Gray) {
	t.Helper()
	if got.Rect.Size() != want.Rect.Size() {
		t.Fatalf("%s: size %v, want %v", name, got.Rect.Size(), want.Rect.Size())
	}
	for y := range want.Rect.Dy() {
		g := got.Pix[y*got.Stride:][:want.Rect.Dx()]
		w := want.Pix[y*want.Stride:][:want.Rect.Dx()]
		for x := range w {
			if g[x] != w[x] {
				t.Fatalf("%s: (%d,%d) = %d, want %d", name, x, y, g[x], w[x])
			}
		}
	}
}

// lzChromaRef resamples the chroma planes of m as lanczosResizeYCbCr did
// before lzBand3, with Cb and Cr packed side by side in lanes 0 and 1 of
// one uint64: the reference for TestLanczosChromaPacked.
func lzChromaRef(m *image.YCbCr, w, h int) (cb, cr []byte) {
	b := m.Rect
	sw, sh := b.Dx(), b.Dy()
	fx, fy := lzChromaFactors(m.SubsampleRatio)
	cw, ch := (sw+fx-1)/fx, (sh+fy-1)/fy
	dcw, dch := (w+1)/2, (h+1)/2
	kx := newLzKernelScale(dcw, cw, 2*float64(sw)/float64(w)/float64(fx), lzBits)
	ky := newLzKernelScale(dch, ch, 2*float64(sh)/float64(h)/float64(fy), lzBits)
	rows := make([][]uint64, ch)
	in := make([]uint64, cw)
	for y := range ch {
		o := m.COffset(b.Min.X, b.Min.Y+fy*y)
		for x := range cw {
			in[x] = uint64(m.Cb[o+x]) | uint64(m.Cr[o+x])<<lzLane
		}
		rows[y] = make([]uint64, dcw)
		lzHPacked(rows[y], in, kx)
	}
	cb, cr = make([]byte, dcw*dch), make([]byte, dcw*dch)
	acc := make([]int64, dcw)
	for y := range dch {
		s, ws := ky.weights(y)
		lzVPacked(acc, rows[s:s+len(ws)], ws)
		for x, v := range acc {
			cb[y*dcw+x] = lzLaneByte(v, 0)
			cr[y*dcw+x] = lzLaneByte(v, 1)
		}
	}
	return cb, cr
}

// TestLanczosChromaPacked checks that the chroma planes, filtered three
// samples a multiply, come out as they did with Cb and Cr packed in one
// uint64: random planes of odd and even sizes, every subsampling,
// sub-images, many ratios, in one band and in several.
func TestLanczosChromaPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	sizes := []int{1, 2, 3, 4, 5, 7, 9, 13, 31, 64, 97, 150, 211, 333}
	cases := 0
	for _, sw := range sizes {
		for _, sh := range sizes {
			for _, r := range ratios {
				m := image.NewYCbCr(image.Rect(0, 0, sw+8, sh+4), r)
				for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
					harsh := rng.IntN(2) == 0
					for i := range p {
						p[i] = uint8(rng.Uint32())
						if harsh && (i/3)%2 == 0 {
							p[i] = uint8(255 * ((i / 7) % 2))
						}
					}
				}
				sub := m.SubImage(image.Rect(4, 4, 4+sw, 4+sh)).(*image.YCbCr)
				w, h := 1+rng.IntN(sw), 1+rng.IntN(sh)
				name := fmt.Sprintf("%v %dx%d→%dx%d", r, sw, sh, w, h)
				got := lanczosResizeYCbCr(sub, w, h)
				cb, cr := lzChromaRef(sub, w, h)
				for i := range cb {
					if got.Cb[i] != cb[i] || got.Cr[i] != cr[i] {
						t.Fatalf("%s: chroma sample %d = %d %d, want %d %d", name, i, got.Cb[i], got.Cr[i], cb[i], cr[i])
					}
				}
				cases++
			}
		}
	}
	// In bands, on a plane of its own.
	for range 50 {
		sw, sh := 1+rng.IntN(200), 1+rng.IntN(200)
		g := image.NewGray(image.Rect(0, 0, sw, sh))
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.Uint32())
		}
		dw, dh := 1+rng.IntN(sw), 1+rng.IntN(sh)
		s := &lzSource{w: sw, h: sh, format: lzPlane, bytes: func(y int, _ []byte) []byte { return g.Pix[y*sw : (y+1)*sw] }}
		kx, ky := newLzKernel(dw, sw, lzBits), newLzKernel(dh, sh, lzBits)
		whole, banded := make([]byte, dw*dh), make([]byte, dw*dh)
		lzBand(&lzJob{src: s, kx: kx, ky: ky, pix: whole, stride: dw}, 0, dh)
		jb := &lzJob{src: s, kx: kx, ky: ky, pix: banded, stride: dw}
		for y0 := 0; y0 < dh; {
			y1 := min(dh, y0+1+rng.IntN(7))
			lzBand(jb, y0, y1)
			y0 = y1
		}
		// And the reference, one sample a lane.
		want := make([]byte, dw*dh)
		rows := make([][]uint64, sh)
		for y := range sh {
			in := make([]uint64, sw)
			for x := range in {
				in[x] = uint64(g.Pix[y*sw+x])
			}
			rows[y] = make([]uint64, dw)
			lzHPacked(rows[y], in, kx)
		}
		acc := make([]int64, dw)
		for y := range dh {
			st, ws := ky.weights(y)
			lzVPacked(acc, rows[st:st+len(ws)], ws)
			for x, v := range acc {
				want[y*dw+x] = lzLaneByte(v, 0)
			}
		}
		for i := range want {
			if whole[i] != want[i] || banded[i] != want[i] {
				t.Fatalf("%dx%d→%dx%d: sample %d = %d (banded %d), want %d", sw, sh, dw, dh, i, whole[i], banded[i], want[i])
			}
		}
	}
	t.Logf("%d chroma resamples", cases)
}
