package variants

// One-channel (gray, and the luma plane of lanczosResizeYCbCr) rows are
// filtered two at a time with the packing idea of lzPack: the horizontal
// pass packs two source rows into the 32-bit lanes of one uint64 (all rows
// share the column weights), the vertical pass two adjacent columns (they
// share the row weights), so that one multiply-add a tap does two samples.
// The weights keep their lzBitsHi fractional bits, and each lane sums
// exactly what lzH1 and lzVSum summed one sample at a time, from lz2Bias:
// 255·lzOneHi·[−0.29, 1.29] (TestLanczosKernel) puts a lane inside
// lz2Bias ± 2²³, so lanes neither go negative nor carry into each other,
// and its bits lzBitsHi up to lzBitsHi+10 are lz2Bias/lzOneHi plus the
// rounded sample. The results are those of one sample at a time, to the
// bit (TestLanczosGrayPacked).
const (
	lz2Lane = 32
	lz2Bias = 1 << 22
	lz2Init = (lz2Bias + lzHalfHi) * (1 + 1<<lz2Lane)
)

// lz2Tab maps bits lzBitsHi.. lzBitsHi+9 of a lane, lz2Bias/lzOneHi plus
// the rounded sample, to the sample clamped to a byte.
var lz2Tab = func() (t [1024]uint8) {
	for i := range t {
		t[i] = uint8(min(max(i-lz2Bias>>lzBitsHi, 0), 255))
	}
	return t
}()

// lzBandGray computes output rows y0..y1-1 of j, whose source is lzGray.
func lzBandGray(j *lzJob, y0, y1 int) {
	row := lzRowsGray(j)
	for y := y0; y < y1; y++ {
		row(y)
	}
}

// lzRowsGray is lzRows for a source of format lzGray.
func lzRowsGray(j *lzJob) func(y int) {
	src, kx, ky, pix, stride := j.src, j.kx, j.ky, j.pix, j.stride
	dw := len(kx.start)
	hw := (dw + 1) / 2 // a filtered row: column pairs, packed
	// Rows are filtered in pairs, r with r+1 (see lzRing).
	ring := newLzRing[uint64](ky.n, lzAhead(lzGray), hw)
	packed := make([]uint64, src.w)
	scratch := make([]byte, 2*src.w)
	acc := make([]uint64, hw)
	kp := newLzFixed(kx, src.w, 2)
	fill := func(r int) {
		row := ring.slot(r)
		a := src.bytes(r, scratch[:src.w])
		b, next := a, ring.spare()
		if r+1 < src.h {
			b, next = src.bytes(r+1, scratch[src.w:]), ring.slot(r+1)
		}
		lzH2(row, next, a, b, kp, packed)
	}
	return func(y int) {
		s, ws := ky.weights(y)
		lzV2(pix[y*stride:][:dw], acc, ring.gather(s, len(ws), fill), ws)
	}
}

// lzFixed is a kernel laid out for the lane-packed filters lzH2 and lzH3:
// every output has exactly n taps (zero weights added where it had fewer,
// which changes no sum), and the number of outputs is a multiple of the
// lanes (the last output repeated).
type lzFixed struct {
	n     int
	start []int
	w     []int32
	// n16 and w16 are the weights again as int16, n16 (n rounded up to a
	// multiple of 16, zeros after the n) for each output, for lzH2Vec and
	// lzH3Vec; nil when they do not run (see lzVec).
	n16 int
	w16 []int16
	// src is the length of the source rows the starts were laid out for,
	// and vec the number of leading groups of lanes outputs whose 16-tap
	// chunks all stay inside such a row (0 ≤ start, start+n16 ≤ src),
	// checked once here for every row the SIMD filters read.
	src, vec int
}

// newLzFixed lays out k for a filter of the given lanes; src is the number
// of source samples.
func newLzFixed(k *lzKernel, src, lanes int) *lzFixed {
	n, dw := k.n, len(k.start)
	pw := (dw + lanes - 1) / lanes * lanes
	p := &lzFixed{n: n, start: make([]int, pw), w: make([]int32, pw*n)}
	for x := range pw {
		s, ws := k.weights(min(x, dw-1))
		ps := min(s, src-n) // n ≤ src, and s+len(ws) ≤ src
		p.start[x] = ps
		copy(p.w[x*n+s-ps:], ws)
	}
	p.src = src
	if lzVec {
		p.n16 = (n + 15) / 16 * 16
		p.w16 = make([]int16, pw*p.n16)
		for x := range pw {
			for t, w := range p.w[x*n : x*n+n] {
				p.w16[x*p.n16+t] = int16(w) // |w| < 1.3·lzOneHi < 2^15
			}
		}
		for x := 0; x < pw; x++ {
			if s := p.start[x]; s < 0 || s+p.n16 > src {
				break
			}
			if x%lanes == lanes-1 {
				p.vec = (x + 1) / lanes
			}
		}
	}
	return p
}

// lzH2 filters the byte rows a and b horizontally into da and db, each
// holding output columns 2i and 2i+1 in the low and high lanes of its
// element i. p is scratch for the packed source, as long as a.
//
// With lzH2Vec (SIMD, see lzVec) the column pairs whose 16-tap
// chunks stay inside the rows (k.vec) are filtered by it, the few at the
// right edge one sample at a time (lzH2Tail); each gives the same bits as
// lzH2Packed.
func lzH2(da, db []uint64, a, b []byte, k *lzFixed, p []uint64) {
	if k.w16 == nil {
		lzH2Packed(da, db, a, b, k, p)
		return
	}
	pairs := len(k.start) / 2
	lzH2Vec(da[:k.vec], db[:k.vec], a, b, k)
	lzH2Tail(da[:pairs], db[:pairs], a, b[:len(a)], k, k.vec)
}

// lzH2Tail computes the column pairs from i0 of lzH2 one sample at a
// time, as lzH1 would.
func lzH2Tail(da, db []uint64, a, b []byte, k *lzFixed, i0 int) {
	n := k.n
	for x := 2 * i0; x < 2*len(da); x++ {
		s, w := k.start[x], k.w[x*n:x*n+n]
		sa, sb := int32(lzHalfHi), int32(lzHalfHi)
		for t, wt := range w {
			sa += wt * int32(a[s+t])
			sb += wt * int32(b[s+t])
		}
		sh := uint(x%2) * lz2Lane
		da[x/2] = da[x/2]&^(0xffffffff<<sh) | uint64(lzClamp(sa))<<sh
		db[x/2] = db[x/2]&^(0xffffffff<<sh) | uint64(lzClamp(sb))<<sh
	}
}

// lzH2Packed is lzH2 in portable Go: two rows in the lanes of a uint64.
func lzH2Packed(da, db []uint64, a, b []byte, k *lzFixed, p []uint64) {
	p = p[:len(a)]
	b = b[:len(a)]
	x := 0
	for ; x+4 <= len(p); x += 4 {
		a4, b4, p4 := a[x:x+4:x+4], b[x:x+4:x+4], p[x:x+4:x+4]
		p4[0] = uint64(a4[0]) | uint64(b4[0])<<lz2Lane
		p4[1] = uint64(a4[1]) | uint64(b4[1])<<lz2Lane
		p4[2] = uint64(a4[2]) | uint64(b4[2])<<lz2Lane
		p4[3] = uint64(a4[3]) | uint64(b4[3])<<lz2Lane
	}
	for ; x < len(p); x++ {
		p[x] = uint64(a[x]) | uint64(b[x])<<lz2Lane
	}
	n := k.n
	da, db = da[:len(k.start)/2], db[:len(k.start)/2]
	for i := range da {
		// Columns 2i and 2i+1 side by side: one loop, two sums.
		st := k.start[2*i : 2*i+2 : 2*i+2]
		w0 := k.w[2*i*n : 2*i*n+n]
		w1 := k.w[2*i*n+n : 2*i*n+2*n]
		q0 := p[st[0] : st[0]+n]
		q1 := p[st[1] : st[1]+n]
		w1, q0, q1 = w1[:len(w0)], q0[:len(w0)], q1[:len(w0)]
		v0, v1 := uint64(lz2Init), uint64(lz2Init)
		for t, w := range w0 {
			v0 += uint64(int64(w)) * q0[t]
			v1 += uint64(int64(w1[t])) * q1[t]
		}
		da[i] = uint64(lz2Tab[(v0>>lzBitsHi)&1023]) | uint64(lz2Tab[(v1>>lzBitsHi)&1023])<<lz2Lane
		db[i] = uint64(lz2Tab[(v0>>(lz2Lane+lzBitsHi))&1023]) | uint64(lz2Tab[(v1>>(lz2Lane+lzBitsHi))&1023])<<lz2Lane
	}
}

// lzV2 writes to out the weighted sum of rows of column pairs (as lzH2
// makes them), using acc, one element a pair: the first multiple of 16
// columns with lzV2Vec (SIMD, see lzVec), the rest in Go, to the same
// bits.
func lzV2(out []byte, acc []uint64, rows [][]uint64, ws []int32) {
	done := 0
	if lzVec {
		done = lzV2Vec(out, rows, ws)
	}
	i0 := done / 2
	acc = acc[:(len(out)+1)/2-i0]
	for i := range acc {
		acc[i] = lz2Init
	}
	lzVLanes(acc, rows, ws, i0)
	for i := 0; i < (len(out)-done)/2; i++ {
		v := acc[i]
		o := out[done+2*i : done+2*i+2 : done+2*i+2]
		o[0] = lz2Tab[(v>>lzBitsHi)&1023]
		o[1] = lz2Tab[(v>>(lz2Lane+lzBitsHi))&1023]
	}
	if len(out)%2 == 1 {
		out[len(out)-1] = lz2Tab[(acc[len(acc)-1]>>lzBitsHi)&1023]
	}
}

// lzVLanes adds to each lane-packed accumulator acc[i] the weighted sum
// over t of rows[t][i0+i] (ws[t] the weights, negative ones wrapping in
// two's complement as the lanes' bias allows), four rows at a time.
func lzVLanes(acc []uint64, rows [][]uint64, ws []int32, i0 int) {
	t := 0
	for ; t+4 <= len(ws); t += 4 {
		w0, w1, w2, w3 := uint64(int64(ws[t])), uint64(int64(ws[t+1])), uint64(int64(ws[t+2])), uint64(int64(ws[t+3]))
		r0, r1, r2, r3 := rows[t][i0:i0+len(acc)], rows[t+1][i0:i0+len(acc)], rows[t+2][i0:i0+len(acc)], rows[t+3][i0:i0+len(acc)]
		for i := range acc {
			acc[i] += r0[i]*w0 + r1[i]*w1 + r2[i]*w2 + r3[i]*w3
		}
	}
	for ; t < len(ws); t++ {
		w0 := uint64(int64(ws[t]))
		r0 := rows[t][i0 : i0+len(acc)]
		for i := range acc {
			acc[i] += r0[i] * w0
		}
	}
}
