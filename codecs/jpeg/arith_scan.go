package jpeg

// Arithmetic-coded scans: the coding models of ITU T.81 F.1.4.4 and F.2.4
// (sequential) and G.1.3 (progressive), decoded with decArith.

// Sizes of the statistics areas of a DC and an AC conditioning table
// (tables F.4 and F.5).
const (
	// DC: five conditioning contexts of four bins at 0–19 (difference
	// zero?, sign, first magnitude decision for a positive and for a
	// negative difference), the magnitude category decisions X1–X15 at
	// 20–34 and the magnitude bits M2–M15 at X+14, 35–48.
	decDCBins = 49
	// AC: three bins per index k = 1…63 at 3(k−1): end of band?, zero?,
	// and the first two magnitude decisions (in refinement scans, the
	// correction bit). Then the magnitude category decisions X2–X15 at
	// 189–202 for indices up to Kx and at 217–230 above it, each with its
	// magnitude bits at X+14.
	decACBins = 245
)

// errDecBadArith reports arithmetic-coded data that decodes to something
// impossible: a magnitude category over 15, or a coefficient past the end
// of the band. libjpeg warns and fills the rest of the segment with zero
// coefficients; like damaged Huffman data, it is refused here.
var errDecBadArith = FormatError("bad arithmetic code")

// decArithMaxTables is the number of conditioning tables of each class.
// T.81 allows 4 (Tb 0–3), but libjpeg reads DAC segments and scans that
// select any of 16 and decodes them, so this decoder does too.
const decArithMaxTables = 16

// decArithTables are the conditioning tables set by DAC segments and the
// statistics of the current scan.
type decArithTables struct {
	set     [2][decArithMaxTables]bool // a DAC segment set [0] the DC, [1] the AC table
	dcL     [decArithMaxTables]uint8   // lower bound L of DC difference conditioning
	dcU     [decArithMaxTables]uint8   // upper bound U
	acKx    [decArithMaxTables]uint8   // last AC index whose category uses the lower X2 bins
	dcStats [decArithMaxTables][decDCBins]uint8
	acStats [decArithMaxTables][decACBins]uint8
}

// dcBounds returns the bounds L and U of DC table t: 0 and 1 unless a DAC
// segment said otherwise (F.1.4.4.1.4).
func (at *decArithTables) dcBounds(t uint8) (l, u uint8) {
	if !at.set[0][t] {
		return 0, 1
	}
	return at.dcL[t], at.dcU[t]
}

// kx returns the conditioning value Kx of AC table t: 5 unless a DAC
// segment said otherwise.
func (at *decArithTables) kx(t uint8) int {
	if !at.set[1][t] {
		return 5
	}
	return int(at.acKx[t])
}

// processDAC reads arithmetic conditioning tables (B.2.4.3).
func (d *decoder) processDAC(n int) error {
	if n%2 != 0 {
		return FormatError("DAC has wrong length")
	}
	for ; n > 0; n -= 2 {
		if err := d.br.readFull(d.tmp[:2]); err != nil {
			return err
		}
		tc, tb, cs := d.tmp[0]>>4, d.tmp[0]&15, d.tmp[1]
		at := &d.arith
		switch tc {
		case 0:
			l, u := cs&15, cs>>4
			if l > u {
				return FormatError("bad DAC value")
			}
			at.dcL[tb], at.dcU[tb] = l, u
		case 1:
			// T.81 allows Kx of 1 to 63; libjpeg takes any value, and so
			// does this decoder: 0 puts every index above Kx, 63 or more
			// none.
			at.acKx[tb] = cs
		default:
			return FormatError("bad Tc value")
		}
		at.set[tc][tb] = true
	}
	return nil
}

// arithStart resets the statistics of the tables the scan uses and the
// DC conditioning of its components, and starts the arithmetic decoder:
// at the start of a scan and after each restart marker (F.1.4.4, G.1.3).
func (d *decoder) arithStart(sc *decScan) {
	at := &d.arith
	for i := 0; i < sc.ns; i++ {
		if sc.ss == 0 && sc.ah == 0 {
			clear(at.dcStats[sc.td[i]][:])
		}
		if sc.se > 0 {
			clear(at.acStats[sc.ta[i]][:])
		}
		d.comp[sc.comp[i]].dcCtx = 0
	}
	d.ar.start(&d.br)
}

// arithDCDiff decodes the difference of a DC coefficient from its
// prediction with DC table t (F.2.4.1), and sets the component's
// conditioning context for the next one.
func (d *decoder) arithDCDiff(c *decComponent, t uint8) (int32, error) {
	ar, br := &d.ar, &d.br
	st := &d.arith.dcStats[t]
	s0 := int(c.dcCtx)
	if ar.decode(br, &st[s0]) == 0 {
		c.dcCtx = 0
		return 0, nil
	}
	sign := ar.decode(br, &st[s0+1])
	// The magnitude category: m = 2^(cat−1), 0 for |diff| = 1.
	v := int32(1) // |diff|
	if ar.decode(br, &st[s0+2+int(sign)]) != 0 {
		var err error
		if v, err = arithMagnitude(ar, br, st[:], 1, 20); err != nil {
			return 0, err
		}
	}

	// Conditioning for the next difference (F.1.4.4.1.2): zero up to
	// 2^(L−1) (or 0 when L = 0), large over 2^U, small between; each sign
	// apart.
	l, u := d.arith.dcBounds(t)
	switch {
	case l > 0 && v <= 1<<(l-1):
		c.dcCtx = 0
	case v > 1<<u:
		c.dcCtx = 12 + 4*sign
	default:
		c.dcCtx = 4 + 4*sign
	}
	if sign != 0 {
		v = -v
	}
	return v, nil
}

// arithDC decodes the DC coefficient of a block of a progressive DC scan
// into *p (G.1.3.1): a first scan codes its difference from the
// prediction as sequential scans do, a refinement scan one bit with the
// fixed estimate.
func (d *decoder) arithDC(sc *decScan, i int, p *int16) error {
	if sc.ah != 0 {
		if d.ar.decodeFixed(&d.br) != 0 {
			*p = decSat16(int64(*p) | 1<<sc.al)
		}
		return nil
	}
	c := &d.comp[sc.comp[i]]
	diff, err := d.arithDCDiff(c, sc.td[i])
	if err != nil {
		return err
	}
	c.dcPred += diff
	*p = decSat16(int64(c.dcPred) << sc.al)
	return nil
}

// arithACValue decodes the sign and magnitude of a non-zero AC
// coefficient at index k with AC table t (F.2.4.2).
func (d *decoder) arithACValue(t uint8, k int) (int32, error) {
	ar, br := &d.ar, &d.br
	st := &d.arith.acStats[t]
	sign := ar.decodeFixed(br)
	s := 3*(k-1) + 2
	v := int32(1) // |value|
	if ar.decode(br, &st[s]) != 0 {
		v = 2
		if ar.decode(br, &st[s]) != 0 {
			s = 189
			if k > d.arith.kx(t) {
				s = 217
			}
			var err error
			if v, err = arithMagnitude(ar, br, st[:], 2, s); err != nil {
				return 0, err
			}
		}
	}
	if sign != 0 {
		v = -v
	}
	return v, nil
}

// arithSequential decodes the 64 coefficients of a block of a sequential
// arithmetic-coded scan (F.2.4) into d.blk, natural order, and returns the
// zig-zag index of the last one coded.
func (d *decoder) arithSequential(c *decComponent, td, ta uint8) (int, error) {
	diff, err := d.arithDCDiff(c, td)
	if err != nil {
		return 0, err
	}
	c.dcPred += diff
	d.blk[0] = c.dcPred
	ar, br := &d.ar, &d.br
	st := &d.arith.acStats[ta]
	last := 0
	for k := 1; k <= 63; k++ {
		if ar.decode(br, &st[3*(k-1)]) != 0 {
			break // end of block
		}
		for ar.decode(br, &st[3*(k-1)+1]) == 0 {
			if k++; k > 63 {
				return 0, errDecBadArith
			}
		}
		v, err := d.arithACValue(ta, k)
		if err != nil {
			return 0, err
		}
		d.blk[unzig[k]] = v
		last = k
	}
	return last, nil
}

// arithACFirst decodes the first scan of a band ss..se of AC coefficients
// (G.1.3.2) into zz, zig-zag order, scaled by 2^al. It returns the set of
// positions it stored a coefficient at.
func (d *decoder) arithACFirst(zz *[64]int16, t uint8, ss, se int, al uint) (set uint64, err error) {
	ar, br := &d.ar, &d.br
	st := &d.arith.acStats[t]
	for k := ss; k <= se; k++ {
		if ar.decode(br, &st[3*(k-1)]) != 0 {
			break // end of band
		}
		for ar.decode(br, &st[3*(k-1)+1]) == 0 {
			if k++; k > se {
				return set, errDecBadArith
			}
		}
		v, err := d.arithACValue(t, k)
		if err != nil {
			return set, err
		}
		zz[k] = decSat16(int64(v) << al)
		set |= 1 << k
	}
	return set, nil
}

// arithACRefine decodes a refinement scan of a band ss..se of AC
// coefficients (G.1.3.3): a correction bit for each coefficient already
// non-zero, and the coefficients that become ±2^al. It returns the set of
// positions of the latter.
func (d *decoder) arithACRefine(zz *[64]int16, t uint8, ss, se int, al uint) (set uint64, err error) {
	ar, br := &d.ar, &d.br
	st := &d.arith.acStats[t]
	// An end of block can be coded only after the last coefficient that
	// earlier scans made non-zero.
	kex := se
	for kex > 0 && zz[kex] == 0 {
		kex--
	}
	for k := ss; k <= se; k++ {
		if k > kex && ar.decode(br, &st[3*(k-1)]) != 0 {
			break
		}
		for {
			if v := zz[k]; v != 0 {
				if ar.decode(br, &st[3*(k-1)+2]) != 0 {
					if v >= 0 {
						zz[k] = decSat16(int64(v) + 1<<al)
					} else {
						zz[k] = decSat16(int64(v) - 1<<al)
					}
				}
				break
			}
			if ar.decode(br, &st[3*(k-1)+1]) != 0 {
				v := decSat16(1 << al)
				if ar.decodeFixed(br) != 0 {
					v = -v
				}
				zz[k] = v
				set |= 1 << k
				break
			}
			if k++; k > se {
				return set, errDecBadArith
			}
		}
	}
	return set, nil
}

// arithMagnitude reads the rest of a coefficient's magnitude, the Decode_V
// procedure shared by DC differences and AC values (F.1.4.4.1.2, F.2.4.2):
// from m, the power of two of the magnitude category read so far (1 or
// 2), it doubles m while the bins from s on say so, then reads the bits
// below m with the bins 14 further on, and returns the magnitude (those
// bits plus one).
func arithMagnitude(ar *decArith, br *decBitReader, st []uint8, m int32, s int) (int32, error) {
	for ar.decode(br, &st[s]) != 0 {
		if m <<= 1; m == 1<<15 {
			return 0, errDecBadArith
		}
		s++
	}
	v := m
	for bit := m >> 1; bit != 0; bit >>= 1 {
		if ar.decode(br, &st[s+14]) != 0 {
			v |= bit
		}
	}
	return v + 1, nil
}
