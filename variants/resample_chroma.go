package variants

// The chroma planes of lanczosResizeYCbCr are filtered one plane at a
// time, three samples to a uint64 in the 21-bit lanes of lzPack, with
// lzBits weights: the horizontal pass packs three source rows, the
// vertical pass three adjacent columns. Each lane sums, from lzBias,
// exactly what a packed pixel's lane sums (TestLanczosKernel bounds it),
// so the planes come out as they did with Cb and Cr packed side by side
// in one uint64 (TestLanczosChromaPacked), a third more samples a
// multiply.

// lzRows3 is lzRows for a source of format lzPlane.
func lzRows3(j *lzJob) func(y int) {
	src, kx, ky, pix, stride := j.src, j.kx, j.ky, j.pix, j.stride
	dw := len(kx.start)
	hw := (dw + 2) / 3 // a filtered row: column triples, packed
	// Rows are filtered three at a time, r with r+1 and r+2 (see lzRing).
	ring := newLzRing[uint64](ky.n, lzAhead(lzPlane), hw)
	packed := make([]uint64, src.w)
	acc := make([]uint64, hw)
	kp := newLzFixed(kx, src.w, 3)
	var in [3][]byte
	var dst [3][]uint64
	fill := func(r int) {
		for i := range 3 {
			if r+i < src.h {
				in[i], dst[i] = src.bytes(r+i, nil), ring.slot(r+i)
			} else {
				in[i], dst[i] = in[0], ring.spare()
			}
		}
		lzH3(dst, in, kp, packed)
	}
	return func(y int) {
		s, ws := ky.weights(y)
		lzV3(pix[y*stride:][:dw], acc, ring.gather(s, len(ws), fill), ws)
	}
}

// lzH3 filters the byte rows in horizontally into dst, each holding
// output columns 3i, 3i+1 and 3i+2 in the lanes of its element i. p is
// scratch for the packed source, as long as the rows.
//
// With lzH3Vec (SIMD, see lzVec) the column triples whose 16-tap chunks
// stay inside the rows (k.vec) are filtered by it, the few at the right edge one
// sample at a time (lzH3Tail); each gives the same bits as lzH3Packed.
func lzH3(dst [3][]uint64, in [3][]byte, k *lzFixed, p []uint64) {
	if k.w16 == nil {
		lzH3Packed(dst, in, k, p)
		return
	}
	a := in[0]
	b, c := in[1][:len(a)], in[2][:len(a)]
	lzH3Vec(dst[0][:k.vec], dst[1][:k.vec], dst[2][:k.vec], a, b, c, k)
	lzH3Tail(dst, [3][]byte{a, b, c}, k, k.vec, len(k.start)/3)
}

// lzH3Tail computes the column triples i0..m-1 of lzH3 one sample at a
// time.
func lzH3Tail(dst [3][]uint64, in [3][]byte, k *lzFixed, i0, m int) {
	n := k.n
	for x := 3 * i0; x < 3*m; x++ {
		s, w := k.start[x], k.w[x*n:x*n+n]
		sh := uint(x%3) * lzLane
		for r, row := range in {
			v := int32(lzHalf)
			for t, wt := range w {
				v += wt * int32(row[s+t])
			}
			b := uint64(min(max(v>>lzBits, 0), 255))
			dst[r][x/3] = dst[r][x/3]&^(lzMask<<sh) | b<<sh
		}
	}
}

// lzH3Packed is lzH3 in portable Go: three rows in the lanes of a
// uint64.
func lzH3Packed(dst [3][]uint64, in [3][]byte, k *lzFixed, p []uint64) {
	a := in[0]
	p = p[:len(a)]
	b, c := in[1][:len(a)], in[2][:len(a)]
	for x := range p {
		p[x] = uint64(a[x]) | uint64(b[x])<<lzLane | uint64(c[x])<<(2*lzLane)
	}
	n := k.n
	m := len(k.start) / 3
	da, db, dc := dst[0][:m], dst[1][:m], dst[2][:m]
	for i := range da {
		// Columns 3i, 3i+1 and 3i+2 side by side: one loop, three sums.
		st := k.start[3*i : 3*i+3 : 3*i+3]
		w0 := k.w[3*i*n : 3*i*n+n]
		w1 := k.w[3*i*n+n : 3*i*n+2*n]
		w2 := k.w[3*i*n+2*n : 3*i*n+3*n]
		q0 := p[st[0] : st[0]+n]
		q1 := p[st[1] : st[1]+n]
		q2 := p[st[2] : st[2]+n]
		w1, w2, q0, q1, q2 = w1[:len(w0)], w2[:len(w0)], q0[:len(w0)], q1[:len(w0)], q2[:len(w0)]
		v0, v1, v2 := uint64(lzInitP), uint64(lzInitP), uint64(lzInitP)
		for t, w := range w0 {
			v0 += uint64(int64(w)) * q0[t]
			v1 += uint64(int64(w1[t])) * q1[t]
			v2 += uint64(int64(w2[t])) * q2[t]
		}
		da[i] = lzGather(v0, v1, v2, 0)
		db[i] = lzGather(v0, v1, v2, 1)
		dc[i] = lzGather(v0, v1, v2, 2)
	}
}

// lzGather packs lane k of the packed sums v0, v1 and v2, each rounded
// to a byte, into lanes 0, 1 and 2.
func lzGather(v0, v1, v2 uint64, k uint) uint64 {
	return uint64(lzLaneTab[(v0>>(k*lzLane+lzBits))&511]) |
		uint64(lzLaneTab[(v1>>(k*lzLane+lzBits))&511])<<lzLane |
		uint64(lzLaneTab[(v2>>(k*lzLane+lzBits))&511])<<(2*lzLane)
}

// lzV3 writes to out the weighted sum of rows of column triples (as lzH3
// makes them), using acc, one element a triple.
func lzV3(out []byte, acc []uint64, rows [][]uint64, ws []int32) {
	acc = acc[:(len(out)+2)/3]
	for i := range acc {
		acc[i] = lzInitP
	}
	lzVLanes(acc, rows, ws, 0)
	for i := 0; i < len(out)/3; i++ {
		v := int64(acc[i])
		o := out[3*i : 3*i+3 : 3*i+3]
		o[0] = lzLaneByte(v, 0)
		o[1] = lzLaneByte(v, 1)
		o[2] = lzLaneByte(v, 2)
	}
	for x := len(out) / 3 * 3; x < len(out); x++ {
		out[x] = lzLaneByte(int64(acc[len(acc)-1]), uint(x%3))
	}
}
