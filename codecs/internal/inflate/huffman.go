package inflate

import "math/bits"

// A table entry is a uint32 that tells everything a decoding step needs,
// so that the hot loop does one lookup and one shift per symbol:
//
//	bits 0–7   n: the bits to consume, the codeword's and the extra bits';
//	           for a subtable pointer, the root bits
//	bits 8–11  cl: the codeword's length (the extra bits follow it); for a
//	           subtable pointer, the subtable's index bits
//	bits 12–15 flags
//	bits 16–31 the literal byte, the base of a length or a distance, a
//	           code-length symbol, or a subtable's offset in the table
//
// A length or distance is its base plus the extra bits, which are bits
// cl to n−1 of the bit buffer as it was before the entry was consumed.
const (
	fLiteral = 1 << 12 // a literal byte
	fSub     = 1 << 13 // a pointer to a subtable for longer codewords
	fEOB     = 1 << 14 // the end of the block
	fBad     = 1 << 15 // no codeword, or a symbol the format leaves undefined
)

const (
	litRoot  = 11 // index bits of the literal/length table's root
	distRoot = 8  // index bits of the distance table's root
	clRoot   = 7  // index bits of the code-length table: codes are at most 7 bits
	maxBits  = 15 // the longest codeword
)

// entry packs a table entry.
func entry(value uint32, n, cl uint, flags uint32) uint32 {
	return value<<16 | flags | uint32(cl)<<8 | uint32(n)
}

// badEntry marks an entry no codeword reaches. Its n is set to the
// table's index bits, so that the slow path asks for that many bits before
// it calls the code invalid.
const badEntry = fBad

// Lengths 257–285 and distances 0–29 (RFC 1951, 3.2.5): base and extra bits.
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// symbolFunc gives a symbol's entry fields: its value, extra bits and flags.
type symbolFunc func(sym int) (value uint32, extra uint, flags uint32)

func litSymbol(sym int) (uint32, uint, uint32) {
	switch {
	case sym < 256:
		return uint32(sym), 0, fLiteral
	case sym == 256:
		return 0, 0, fEOB
	case sym < 286:
		return uint32(lengthBase[sym-257]), uint(lengthExtra[sym-257]), 0
	}
	return 0, 0, fBad // 286 and 287: fixed codes the format does not use
}

func distSymbol(sym int) (uint32, uint, uint32) {
	if sym < 30 {
		return uint32(distBase[sym]), uint(distExtra[sym]), 0
	}
	return 0, 0, fBad // 30 and 31
}

func clSymbol(sym int) (uint32, uint, uint32) { return uint32(sym), 0, 0 }

// build makes the decoding table of the canonical Huffman code that
// lengths gives (0: the symbol has no codeword) into t, reusing its
// memory, and returns it. The root has 1<<root entries; codewords longer
// than root bits go to subtables of 1<<(longest−root) entries each, one per
// root prefix they share. ok is false when the lengths are not a code
// compress/flate accepts: over-subscribed, or incomplete other than the
// single codeword of one bit that zlib writes. No codeword at all is
// accepted (a block without matches has no distance code), and decoding
// with such a table fails at the first symbol.
func build(t []uint32, lengths []uint8, root uint, sym symbolFunc) (table []uint32, ok bool) {
	var count [maxBits + 1]int
	longest := uint(0)
	for _, l := range lengths {
		count[l]++
		longest = max(longest, uint(l))
	}
	t = t[:0]
	for range 1 << root {
		t = append(t, badEntry|uint32(root))
	}
	if longest == 0 {
		return t, true
	}
	// next[l] is the first codeword of length l (RFC 1951, 3.2.2); the
	// code is complete when the longest codewords end at 1<<longest.
	count[0] = 0
	var next [maxBits + 1]int
	code := 0
	for l := 1; l <= maxBits; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	end := next[longest] + count[longest]
	if end > 1<<longest || (end < 1<<longest && !(end == 1 && longest == 1)) {
		return t, false
	}
	sub := longest - min(root, longest) // subtable index bits
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		cl := uint(l)
		c := next[cl]
		next[cl]++
		rev := int(bits.Reverse16(uint16(c)) >> (16 - cl)) // first bit read first
		value, extra, flags := sym(s)
		if cl <= root {
			e := entry(value, cl+extra, cl, flags)
			for i := rev; i < 1<<root; i += 1 << cl {
				t[i] = e
			}
			continue
		}
		p := rev & (1<<root - 1)
		if t[p]&fSub == 0 {
			t[p] = entry(uint32(len(t)), root, sub, fSub)
			for range 1 << sub {
				t = append(t, badEntry|uint32(sub))
			}
		}
		base := int(t[p] >> 16)
		scl := cl - root
		e := entry(value, scl+extra, scl, flags)
		for i := rev >> root; i < 1<<sub; i += 1 << scl {
			t[base+i] = e
		}
	}
	return t, true
}

// The fixed code of RFC 1951, 3.2.6, built once.
var fixedLit, fixedDist = func() ([]uint32, []uint32) {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	lit, _ := build(nil, l[:], litRoot, litSymbol)
	dist, _ := build(nil, d[:], distRoot, distSymbol)
	return lit, dist
}()
