// Package adler32 computes the Adler-32 checksum of RFC 1950, the one
// that ends a zlib stream, for the deflate decoder that checks the
// IDAT data of PNG files. It gives the same sums as hash/adler32, but on
// amd64 with AVX2 it runs 64 bytes at a time; elsewhere (or with the
// purego build tag) it runs in Go.
package adler32

const (
	// mod is the largest prime below 1<<16, the modulus of both sums.
	mod = 65521

	// nmax is the most bytes the Go loop adds before it reduces the sums
	// mod 65521: the largest n with 255·n(n+1)/2 + (n+1)·(mod−1) below
	// 1<<32, so that s2, starting below mod and growing by at most
	// s1 + 255·k at the k-th byte, cannot wrap its uint32. It is a
	// multiple of 16, the unrolling.
	nmax = 5552
)

// Update returns the Adler-32 checksum of the data whose checksum is
// adler, extended by p. Update(1, p) is the checksum of p; adler must be
// a checksum (both 16-bit halves below 65521), as the ones Update and
// Checksum return are.
func Update(adler uint32, p []byte) uint32 {
	adler, n := updateVec(adler, p)
	return updateGo(adler, p[n:])
}

// Checksum returns the Adler-32 checksum of p.
func Checksum(p []byte) uint32 {
	return Update(1, p)
}

// updateGo is Update in Go: s1 is 1 plus the sum of the bytes, s2 the sum
// of s1 after each byte, both mod 65521, and the checksum s2<<16 | s1.
func updateGo(adler uint32, p []byte) uint32 {
	s1, s2 := adler&0xffff, adler>>16
	for len(p) > 0 {
		q := p[:min(len(p), nmax)]
		p = p[len(q):]
		for len(q) >= 16 {
			b := q[:16:16]
			s1 += uint32(b[0])
			s2 += s1
			s1 += uint32(b[1])
			s2 += s1
			s1 += uint32(b[2])
			s2 += s1
			s1 += uint32(b[3])
			s2 += s1
			s1 += uint32(b[4])
			s2 += s1
			s1 += uint32(b[5])
			s2 += s1
			s1 += uint32(b[6])
			s2 += s1
			s1 += uint32(b[7])
			s2 += s1
			s1 += uint32(b[8])
			s2 += s1
			s1 += uint32(b[9])
			s2 += s1
			s1 += uint32(b[10])
			s2 += s1
			s1 += uint32(b[11])
			s2 += s1
			s1 += uint32(b[12])
			s2 += s1
			s1 += uint32(b[13])
			s2 += s1
			s1 += uint32(b[14])
			s2 += s1
			s1 += uint32(b[15])
			s2 += s1
			q = q[16:]
		}
		for _, c := range q {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return s2<<16 | s1
}
