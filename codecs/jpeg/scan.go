package jpeg

import "math/bits"

// decTrackCoefs makes the decoder record the largest dequantised
// coefficient in decoder.maxCoef. Only tests set it.
var decTrackCoefs = false

// errDecShortData reports entropy-coded data that ends before the scan's
// last block.
var errDecShortData = FormatError("short Huffman data")

// errDecBadCode reports bits that are no code of the Huffman table.
var errDecBadCode = FormatError("bad Huffman code")

// decScan is a scan header (B.2.3).
type decScan struct {
	ns     int    // number of components in the scan
	comp   [4]int // their indices in decoder.comp
	td, ta [4]uint8
	ss, se int // spectral selection, zig-zag indices
	ah, al uint
}

// processSOS reads a scan header and decodes the scan's entropy-coded data.
func (d *decoder) processSOS(n int) error {
	if !d.sofSeen {
		return FormatError("missing SOF marker")
	}
	if n < 6 || n > 4+2*d.ncomp || n%2 != 0 {
		return FormatError("SOS has wrong length")
	}
	p := d.tmp[:n]
	if err := d.br.readFull(p); err != nil {
		return err
	}
	var sc decScan
	sc.ns = int(p[0])
	if n != 4+2*sc.ns {
		return FormatError("SOS length inconsistent with number of components")
	}
	// The largest table selector: T.81 allows four tables, and baseline
	// files two. Arithmetic-coded scans may select any of the 16 sets of
	// statistics libjpeg keeps (see decArithTables).
	maxT := uint8(3)
	switch {
	case d.arithmetic:
		maxT = decArithMaxTables - 1
	case d.baseline:
		maxT = 1
	}
	totalHV := 0
	for i := 0; i < sc.ns; i++ {
		ci := -1
		for j := 0; j < d.ncomp; j++ {
			if d.comp[j].id == p[1+2*i] {
				ci = j
			}
		}
		if ci < 0 {
			return FormatError("unknown component selector")
		}
		for j := 0; j < i; j++ {
			if sc.comp[j] == ci {
				return FormatError("repeated component selector")
			}
		}
		sc.comp[i] = ci
		totalHV += d.comp[ci].h * d.comp[ci].v
		sc.td[i], sc.ta[i] = p[2+2*i]>>4, p[2+2*i]&15
		if sc.td[i] > maxT {
			return FormatError("bad Td value")
		}
		if sc.ta[i] > maxT {
			return FormatError("bad Ta value")
		}
	}
	if sc.ns > 1 && totalHV > 10 {
		return FormatError("total sampling factors too large")
	}
	sc.ss, sc.se = 0, 63
	if d.progressive {
		q := p[1+2*sc.ns:]
		sc.ss, sc.se = int(q[0]), int(q[1])
		sc.ah, sc.al = uint(q[2]>>4), uint(q[2]&15)
		if sc.ss == 0 && sc.se != 0 || sc.ss > sc.se || sc.se > 63 {
			return FormatError("bad spectral selection bounds")
		}
		if sc.ss != 0 && sc.ns != 1 {
			return FormatError("progressive AC coefficients for more than one component")
		}
		if sc.ah != 0 && sc.ah != sc.al+1 {
			return FormatError("bad successive approximation values")
		}
	}
	d.nscans++
	if d.nscans > decMaxScans {
		return FormatError("too many scans")
	}
	if d.emit != nil {
		if err := d.checkStrips(&sc); err != nil {
			return err
		}
	}
	if sc.ns == 1 && d.ncomp > 1 {
		c := &d.comp[sc.comp[0]]
		if d.ri > 0 && c.h*c.v > 1 || 1 < c.h && c.h < d.hmax || 1 < c.v && c.v < d.vmax {
			d.stdQuirk = true
		}
	}
	if d.nscans == 1 && d.height == 0 && d.width > 0 {
		if err := d.readDNL(true); err != nil {
			return err
		}
	}
	if d.width == 0 || d.height == 0 {
		return nil // no blocks, no data
	}
	if !d.planes {
		d.planScales()
	}

	for i := 0; i < sc.ns; i++ {
		c := &d.comp[sc.comp[i]]
		if sc.ss == 0 && sc.ah == 0 && !d.arithmetic { // DC Huffman-coded
			if err := d.needHuffman(0, sc.td[i]); err != nil {
				return err
			}
		}
		if sc.se > 0 && !d.arithmetic { // AC Huffman-coded
			if err := d.needHuffman(1, sc.ta[i]); err != nil {
				return err
			}
		}
		c.dcPred = 0
		if d.progressive {
			if c.coefs == nil {
				nb := c.pw * c.ph
				c.coefs = make([]int16, nb*d.ncoef)
				c.masks = make([]uint64, nb)
			}
		} else {
			decDequant(&c.dq, &d.quant[c.tq], c.k)
		}
	}
	if !d.progressive {
		d.allocPlanes()
	}
	return d.decodeScan(&sc)
}

// allocPlanes allocates the sample planes at output scale.
func (d *decoder) allocPlanes() {
	if d.planes {
		return
	}
	d.planes = true
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		c.stride = c.pw * c.k
		rows := c.ph
		if d.emit != nil {
			rows = c.v // one MCU row, see emitStrip
		}
		c.plane = make([]byte, c.stride*rows*c.k)
	}
}

// decodeScan decodes the MCUs of a scan, handling restart intervals.
func (d *decoder) decodeScan(sc *decScan) error {
	br := &d.br
	br.resetBits()
	if d.arithmetic {
		d.arithStart(sc)
	}
	var mcus, perRow int
	if sc.ns == 1 {
		// Non-interleaved: the MCU is one block, and only the blocks that
		// cover the component are coded (A.2.2).
		c := &d.comp[sc.comp[0]]
		mcus, perRow = c.bw*c.bh, c.bw
	} else {
		mcus, perRow = d.mcusX*d.mcusY, d.mcusX
	}
	expectedRST := byte(decRST0)
	mx, my := 0, 0
	// py is the MCU row's place in the planes: my, or 0 when they hold a
	// single MCU row that emitStrip hands over once decoded.
	py := 0
	for m := 0; m < mcus; m++ {
		if d.ri > 0 && m > 0 && m%d.ri == 0 {
			if err := d.restart(expectedRST); err != nil {
				return err
			}
			expectedRST = decRST0 + (expectedRST-decRST0+1)&7
			for i := range d.comp {
				d.comp[i].dcPred = 0
			}
			d.eobRun = 0
			if d.arithmetic {
				d.arithStart(sc)
			}
		}
		if sc.ns == 1 {
			if err := d.decodeBlock(sc, 0, mx, py); err != nil {
				return err
			}
		} else {
			for i := 0; i < sc.ns; i++ {
				c := &d.comp[sc.comp[i]]
				for y := 0; y < c.v; y++ {
					for x := 0; x < c.h; x++ {
						if err := d.decodeBlock(sc, i, mx*c.h+x, py*c.v+y); err != nil {
							return err
						}
					}
				}
			}
		}
		if mx++; mx == perRow {
			mx = 0
			my++
			if br.overrun() {
				return errDecShortData
			}
			if d.emit == nil {
				py = my
			} else if err := d.emitStrip(my - 1); err != nil {
				return err
			}
		}
	}
	if br.overrun() {
		return errDecShortData
	}
	return nil
}

// restart checks that the interval's data was complete (arithmetic-coded
// data cannot tell, see arithByte) and moves past the restart marker that
// must follow it, skipping any other bytes but 0xFF followed by a byte
// other than 0x00, 0xFF or the expected marker (as image/jpeg does; libjpeg
// also passes over other markers, see TestDecodeDamaged).
func (d *decoder) restart(expected byte) error {
	br := &d.br
	if br.overrun() {
		return errDecShortData
	}
	c0, err := br.readByte()
	if err != nil {
		return err
	}
	c1, err := br.readByte()
	if err != nil {
		return err
	}
	for {
		switch {
		case c0 == 0xff && c1 == expected:
			br.resetBits()
			return nil
		case c0 == 0xff && c1 == 0xff, c1 == 0xff:
			c0 = 0xff
			if c1, err = br.readByte(); err != nil {
				return err
			}
			continue
		case c0 == 0xff && c1 != 0:
			return FormatError("bad RST marker")
		}
		if c0, err = br.readByte(); err != nil {
			return err
		}
		if c1, err = br.readByte(); err != nil {
			return err
		}
	}
}

// decodeBlock decodes the data of one block for scan component i at block
// position bx, by of the component.
func (d *decoder) decodeBlock(sc *decScan, i, bx, by int) error {
	c := &d.comp[sc.comp[i]]
	if !d.progressive {
		var last int
		var err error
		if d.arithmetic {
			last, err = d.arithSequential(c, sc.td[i], sc.ta[i])
		} else {
			last, err = d.decodeSequential(c, &d.huff[0][sc.td[i]], &d.huff[1][sc.ta[i]])
		}
		if err != nil {
			return err
		}
		d.putBlock(c, bx, by, last)
		return nil
	}
	bi := by*c.pw + bx
	if sc.se == 0 { // DC scan
		p := &c.coefs[bi*d.ncoef]
		if d.arithmetic {
			return d.arithDC(sc, i, p)
		}
		if sc.ah == 0 {
			br := &d.br
			if br.n < 32 {
				br.refill()
			}
			s, ok := br.symbol(&d.huff[0][sc.td[i]])
			if !ok {
				return errDecBadCode
			}
			if s > 16 {
				return UnsupportedError("excessive DC component")
			}
			c.dcPred += br.receive(s)
			*p = decSat16(int64(c.dcPred) << sc.al)
		} else if d.br.bit() {
			*p = decSat16(int64(*p) | 1<<sc.al)
		}
		return nil
	}

	// AC scan. Huffman-coded scans work on the kept coefficients in place,
	// with masks[bi] telling which positions are non-zero (kept or not).
	nc := d.ncoef
	co := c.coefs[bi*nc : bi*nc+nc]
	var err error
	var set uint64
	if !d.arithmetic {
		if sc.ah == 0 {
			set, err = d.decodeACFirst(co, &d.huff[1][sc.ta[i]], sc.ss, sc.se, sc.al)
		} else {
			set, err = d.decodeACRefine(co, c.masks[bi], &d.huff[1][sc.ta[i]], sc.ss, sc.se, sc.al)
		}
		c.masks[bi] |= set
		return err
	}

	// Arithmetic-coded scans go through a full block: when scaled, the
	// kept prefix and the mask expanded, with 1 standing for the non-zero
	// coefficients not kept.
	var zz *[64]int16
	if d.k == 8 {
		zz = (*[64]int16)(co)
	} else {
		zz = &d.scratch
		clear(zz[:])
		copy(zz[:nc], co)
		for m := c.masks[bi] &^ (1<<nc - 1); m != 0; m &= m - 1 {
			zz[bits.TrailingZeros64(m)] = 1
		}
	}
	if sc.ah == 0 {
		set, err = d.arithACFirst(zz, sc.ta[i], sc.ss, sc.se, sc.al)
	} else {
		set, err = d.arithACRefine(zz, sc.ta[i], sc.ss, sc.se, sc.al)
	}
	if d.k < 8 && sc.ss < nc {
		copy(co, zz[:nc])
	}
	c.masks[bi] |= set
	return err
}

// decSat16 saturates v to the int16 range. Valid streams never need it.
func decSat16(v int64) int16 {
	if v != int64(int16(v)) {
		if v < 0 {
			return -1 << 15
		}
		return 1<<15 - 1
	}
	return int16(v)
}

// decodeSequential decodes the 64 coefficients of a block of a sequential
// scan (F.2.2) into d.blk, natural order, and returns the zig-zag index of
// the last one coded. It keeps the bit buffer in locals, which the
// compiler holds in registers.
func (d *decoder) decodeSequential(c *decComponent, dc, ac *decHuffman) (int, error) {
	br := &d.br
	blk := &d.blk
	if br.n < 32 {
		br.refill()
	}
	s, ok := br.symbol(dc)
	if !ok {
		return 0, errDecBadCode
	}
	if s > 16 {
		return 0, UnsupportedError("excessive DC component")
	}
	c.dcPred += br.receive(s)
	blk[0] = c.dcPred
	if d.eobRun > 0 {
		// Only corrupt sequential data has end-of-band runs; this follows
		// image/jpeg, which treats them as in progressive scans.
		d.eobRun--
		return 0, nil
	}
	acc, n := br.acc, br.n
	last := 0
	for z := 1; z < 64; z++ {
		if n < 32 {
			br.acc, br.n = acc, n
			br.refill()
			acc, n = br.acc, br.n
		}
		if f := ac.fastAC[acc>>(64-decLookBits)]; f != 0 && z+int(f>>8&15) < 64 {
			z += int(f >> 8 & 15)
			l := uint(f & 15)
			acc <<= l
			n -= l
			blk[unzig[z]&63] = f >> 16
			last = z
			continue
		}
		var sym uint8
		if e := ac.lut[acc>>(64-decLookBits)]; e != 0 {
			l := uint(e & 15)
			acc <<= l
			n -= l
			sym = uint8(e >> 8)
		} else {
			br.acc, br.n = acc, n
			if sym, ok = br.symbolSlow(ac); !ok {
				return 0, errDecBadCode
			}
			acc, n = br.acc, br.n
		}
		r, s := int(sym>>4), uint(sym&15)
		if s != 0 {
			z += r
			if z > 63 {
				break
			}
			v := int32(acc >> (64 - s))
			acc <<= s
			n -= s
			if v < 1<<(s-1) {
				v += -1<<s + 1
			}
			blk[unzig[z]&63] = v
			last = z
			continue
		}
		if r != 15 {
			if r != 0 {
				br.acc, br.n = acc, n
				d.eobRun = uint16(1<<r|br.bits(uint8(r))) - 1
				return last, nil
			}
			break
		}
		z += 15
	}
	br.acc, br.n = acc, n
	return last, nil
}

// putBlock runs the inverse DCT of d.blk into the plane of c at block
// position bx, by, and clears d.blk. last is the zig-zag index of the last
// non-zero coefficient, or less.
func (d *decoder) putBlock(c *decComponent, bx, by, last int) {
	if decTrackCoefs {
		for i, v := range d.blk {
			m := int(v) * int(c.dq[i])
			if c.k < 8 {
				m >>= decRedBits
			}
			d.maxCoef = max(d.maxCoef, m, -m)
		}
	}
	k := c.k
	dst := c.plane[(by*c.stride+bx)*k:]
	switch {
	case last == 0 || k == 1:
		decFillDC(d.blk[0], c.dq[0], k, dst, c.stride)
		d.blk[0] = 0
		if last == 0 {
			return
		}
	case k == 8:
		decIDCT8(&d.blk, &c.dq, dst, c.stride)
	case k == 4:
		decIDCT4(&d.blk, &c.dq, dst, c.stride)
	default:
		decIDCT2(&d.blk, &c.dq, dst, c.stride)
	}
	clear(d.blk[:])
}

// decodeACFirst decodes the first scan of a band of AC coefficients
// (G.1.2.2) into co, a block's kept coefficients in zig-zag order
// (positions from len(co) on are decoded and dropped). It returns the set
// of positions it decoded a coefficient for.
func (d *decoder) decodeACFirst(co []int16, h *decHuffman, ss, se int, al uint) (set uint64, err error) {
	if d.eobRun > 0 {
		d.eobRun--
		return 0, nil
	}
	br := &d.br
	for z := ss; z <= se; z++ {
		if br.n < 32 {
			br.refill()
		}
		if f := h.fastAC[br.acc>>(64-decLookBits)]; f != 0 && z+int(f>>8&15) <= se {
			z += int(f >> 8 & 15)
			l := uint(f & 15)
			br.acc <<= l
			br.n -= l
			if z < len(co) {
				co[z] = decSat16(int64(f>>16) << al)
			}
			set |= 1 << z
			continue
		}
		sym, ok := br.symbol(h)
		if !ok {
			return set, errDecBadCode
		}
		r, s := int(sym>>4), sym&15
		if s != 0 {
			z += r
			if z > se {
				break
			}
			v := br.receive(s)
			if z < len(co) {
				co[z] = decSat16(int64(v) << al)
			}
			set |= 1 << z
			continue
		}
		if r != 15 {
			d.eobRun = uint16(1<<r|br.bits(uint8(r))) - 1
			break
		}
		z += 15
	}
	return set, nil
}

// decodeACRefine decodes a refinement scan of a band of AC coefficients
// (G.1.2.3) into co, as decodeACFirst: a correction bit for every
// coefficient already non-zero (nz, kept or not), and the coefficients
// that become non-zero (±2^al). It returns the set of positions of the
// latter.
func (d *decoder) decodeACRefine(co []int16, nz uint64, h *decHuffman, ss, se int, al uint) (set uint64, err error) {
	br := &d.br
	z := ss
	if d.eobRun == 0 {
		for ; z <= se; z++ {
			if br.n < 32 {
				br.refill()
			}
			sym, ok := br.symbol(h)
			if !ok {
				return set, errDecBadCode
			}
			r, s := int(sym>>4), sym&15
			var v int16
			switch s {
			case 0:
				if r != 15 {
					d.eobRun = uint16(1<<r | br.bits(uint8(r)))
					goto eob
				}
			case 1:
				v = decSat16(1 << al)
				if !br.bit() {
					v = -v
				}
			default:
				return set, FormatError("unexpected Huffman code")
			}
			z = d.refineNonZero(co, nz, z, se, r, al)
			if z > se {
				return set, FormatError("too many coefficients")
			}
			if v != 0 {
				if z < len(co) {
					co[z] = v
				}
				set |= 1 << z
			}
		}
		return set, nil
	}
eob:
	if d.eobRun > 0 {
		d.eobRun--
		d.refineNonZero(co, nz, z, se, -1, al)
	}
	return set, nil
}

// refineNonZero reads the correction bits (G.1.2.3) of the band's
// coefficients that are already non-zero (nz) from z on, up to the
// (zeros+1)-th one that is zero, or through se when zeros < 0, and applies
// them to those kept in co. It returns the position of that zero
// coefficient, or se+1 when there is none (or zeros < 0). The bits are
// taken up to 32 at a time and handed out by walking the mask, instead of
// visiting every position.
func (d *decoder) refineNonZero(co []int16, nz uint64, z, se, zeros int, al uint) int {
	band := (uint64(1)<<(se+1) - 1) &^ (uint64(1)<<z - 1)
	end := se + 1
	if zeros >= 0 {
		zm := ^nz & band
		for ; zeros > 0 && zm != 0; zeros-- {
			zm &= zm - 1
		}
		if zm != 0 {
			end = bits.TrailingZeros64(zm)
		}
	}
	todo := nz & band & (uint64(1)<<end - 1)
	br := &d.br
	for todo != 0 {
		take := uint(min(bits.OnesCount64(todo), 32))
		if br.n < take {
			br.refill()
		}
		b := br.acc >> (64 - take)
		br.acc <<= take
		br.n -= take
		for j := int(take) - 1; j >= 0; j-- {
			pos := bits.TrailingZeros64(todo)
			todo &= todo - 1
			if b>>j&1 == 1 && pos < len(co) {
				if v := co[pos]; v >= 0 {
					co[pos] = decSat16(int64(v) + 1<<al)
				} else {
					co[pos] = decSat16(int64(v) - 1<<al)
				}
			}
		}
	}
	return end
}

// reconstructProgressive runs the inverse DCT of every block of a
// progressive image, once all its scans are decoded. Like image/jpeg, it
// uses the quantisation tables defined at the end of the image.
func (d *decoder) reconstructProgressive() {
	d.allocPlanes()
	nc := d.ncoef
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		if c.coefs == nil {
			continue
		}
		decDequant(&c.dq, &d.quant[c.tq], c.k)
		for by := 0; by < c.bh; by++ {
			for bx := 0; bx < c.bw; bx++ {
				bi := by*c.pw + bx
				co := c.coefs[bi*nc : bi*nc+nc]
				// The last non-zero kept coefficient, from the mask.
				last := max(bits.Len64(c.masks[bi]&(1<<nc-1))-1, 0)
				for z, v := range co[:last+1] {
					d.blk[unzig[z]&63] = int32(v)
				}
				d.putBlock(c, bx, by, last)
			}
		}
	}
}
