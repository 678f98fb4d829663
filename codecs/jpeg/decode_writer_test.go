package jpeg

// A small JPEG writer for testing the decoder with files that image/jpeg's
// encoder cannot produce: any sampling factors, 1 to 4 components,
// progressive scans (spectral selection and successive approximation),
// non-interleaved scans, restart intervals, 16-bit quantisation tables,
// Adobe and JFIF segments and fill bytes. It is slow and simple: a float
// forward DCT and Huffman tables built per scan from the symbol counts
// (ITU T.81 K.2), so every scan redefines its tables.

import (
	"image"
	"image/color"
	"math"
	"sort"
)

// twComp is a component of the frame to write.
type twComp struct {
	id   byte
	h, v int
	tq   int
}

// twScan is a scan: the components (indices into the frame's), the
// spectral selection and the successive approximation bit positions.
type twScan struct {
	comps          []int
	ss, se, ah, al int
}

// twOptions describe the file to write.
type twOptions struct {
	comps       []twComp
	sof         byte     // decSOF0, decSOF1 or decSOF2
	scans       []twScan // nil: one interleaved scan, or the standard progressive script
	restart     int      // restart interval in MCUs, 0 for none
	quality     int      // quantisation tables scaled as by libjpeg
	quant16     bool     // write 16-bit quantisation tables
	jfif        bool
	adobe       int  // -1: no APP14; else the transform flag
	fillBytes   bool // write extra 0xFF before every marker
	requantEach bool // redefine the quantisation tables before every scan with quality+10·scan
}

// twWriter holds the state of one write.
type twWriter struct {
	o          twOptions
	w, h       int
	hmax, vmax int
	mcusX      int
	mcusY      int
	pw, ph     []int
	bw, bh     []int
	coefs      [][][64]int32 // per component, per block of the padded grid, zig-zag order
	out        []byte
	acc        uint32
	nacc       uint
}

// twBaseQuant are the example tables of ITU T.81 K.1 and K.2 in zig-zag
// order.
var twBaseQuant = [2][64]int{
	{16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99},
	{17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99},
}

// twQuant returns the quantisation table tq (0 luma, else chroma) for a
// quality.
func twQuant(tq, quality int) [64]uint16 {
	quality = min(max(quality, 1), 100)
	s := 200 - 2*quality
	if quality < 50 {
		s = 5000 / quality
	}
	var q [64]uint16
	for i, b := range twBaseQuant[min(tq, 1)] {
		q[i] = uint16(min(max((b*s+50)/100, 1), 255))
	}
	return q
}

// twProgressiveScript is a progressive scan script like libjpeg's default
// for the given number of components.
func twProgressiveScript(comps []twComp) []twScan {
	n := len(comps)
	all := make([]int, n)
	hv := 0
	for i, c := range comps {
		all[i] = i
		hv += c.h * c.v
	}
	var s []twScan
	if hv > 10 {
		// Too many blocks per MCU to interleave: one DC scan each.
		for i := range all {
			s = append(s, twScan{comps: []int{i}, al: 1})
		}
	} else {
		s = append(s, twScan{comps: all, al: 1})
	}
	for i := 0; i < n; i++ {
		s = append(s, twScan{comps: []int{i}, ss: 1, se: 5, al: 2})
	}
	for i := 0; i < n; i++ {
		s = append(s, twScan{comps: []int{i}, ss: 6, se: 63, al: 2})
	}
	for i := 0; i < n; i++ {
		s = append(s, twScan{comps: []int{i}, ss: 1, se: 63, ah: 2, al: 1})
	}
	if hv > 10 {
		for i := range all {
			s = append(s, twScan{comps: []int{i}, ah: 1})
		}
	} else {
		s = append(s, twScan{comps: all, ah: 1})
	}
	for i := n - 1; i >= 0; i-- {
		s = append(s, twScan{comps: []int{i}, ss: 1, se: 63, ah: 1, al: 0})
	}
	return s
}

// twEncode writes a JPEG of the w×h component planes (full resolution,
// one byte per sample; component i is subsampled by point sampling to its
// sampling factors).
func twEncode(planes [][]byte, w, h int, o twOptions) []byte {
	if o.sof == 0 {
		o.sof = decSOF1
	}
	if o.quality == 0 {
		o.quality = 90
	}
	t := &twWriter{o: o, w: w, h: h, hmax: 1, vmax: 1}
	for _, c := range o.comps {
		t.hmax, t.vmax = max(t.hmax, c.h), max(t.vmax, c.v)
	}
	t.mcusX = (w + 8*t.hmax - 1) / (8 * t.hmax)
	t.mcusY = (h + 8*t.vmax - 1) / (8 * t.vmax)
	if len(o.comps) == 1 {
		t.mcusX, t.mcusY = (w+7)/8, (h+7)/8
	}
	scans := o.scans
	if scans == nil {
		if o.sof == decSOF2 {
			scans = twProgressiveScript(o.comps)
		} else {
			all := make([]int, len(o.comps))
			for i := range all {
				all[i] = i
			}
			scans = []twScan{{comps: all, se: 63}}
		}
	}

	t.marker(decSOI)
	if o.jfif {
		t.segment(decAPP0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))
	}
	if o.adobe >= 0 {
		t.segment(decAPP14, []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, byte(o.adobe)})
	}
	quality := o.quality
	t.writeDQT(quality)
	quants := make([][64]uint16, len(o.comps))
	for i, c := range o.comps {
		quants[i] = twQuant(c.tq, quality)
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(o.comps))}
	for _, c := range o.comps {
		sof = append(sof, c.id, byte(c.h<<4|c.v), byte(c.tq))
	}
	t.segment(o.sof, sof)
	if o.restart > 0 {
		t.segment(decDRI, []byte{byte(o.restart >> 8), byte(o.restart)})
	}
	t.coefs = make([][][64]int32, len(o.comps))
	for i := range o.comps {
		t.transform(i, planes[i], quants[i])
	}
	for si, sc := range scans {
		if o.requantEach && o.sof != decSOF2 {
			// Sequential scans may each use different tables; the
			// coefficients of the scan's components are quantised again.
			quality = min(o.quality+10*si, 100)
			t.writeDQT(quality)
			for _, ci := range sc.comps {
				t.transform(ci, planes[ci], twQuant(o.comps[ci].tq, quality))
			}
		}
		t.writeScan(sc)
	}
	t.marker(decEOI)
	return t.out
}

func (t *twWriter) marker(m byte) {
	if t.o.fillBytes && m != decSOI {
		t.out = append(t.out, 0xff, 0xff)
	}
	t.out = append(t.out, 0xff, m)
}

func (t *twWriter) segment(m byte, p []byte) {
	t.marker(m)
	t.out = append(t.out, byte((len(p)+2)>>8), byte(len(p)+2))
	t.out = append(t.out, p...)
}

func (t *twWriter) writeDQT(quality int) {
	var p []byte
	for tq := 0; tq < 4; tq++ {
		q := twQuant(tq, quality)
		if t.o.quant16 {
			p = append(p, 0x10|byte(tq))
			for _, v := range q {
				p = append(p, byte(v>>8), byte(v))
			}
		} else {
			p = append(p, byte(tq))
			for _, v := range q {
				p = append(p, byte(v))
			}
		}
	}
	t.segment(decDQT, p)
}

// twCos[x][u] is cos((2x+1)uπ/16).
var twCos = func() (c [8][8]float64) {
	for x := range c {
		for u := range c[x] {
			c[x][u] = math.Cos(float64((2*x+1)*u) * math.Pi / 16)
		}
	}
	return c
}()

// transform subsamples, pads, transforms and quantises component i.
func (t *twWriter) transform(i int, plane []byte, q [64]uint16) {
	c := t.o.comps[i]
	hmax, vmax := t.hmax, t.vmax
	ch, cv := c.h, c.v
	if len(t.o.comps) == 1 {
		hmax, vmax, ch, cv = 1, 1, 1, 1
	}
	cw := (t.w*ch + hmax - 1) / hmax
	chh := (t.h*cv + vmax - 1) / vmax
	pw, ph := t.mcusX*ch, t.mcusY*cv
	if t.pw == nil {
		t.pw, t.ph = make([]int, len(t.o.comps)), make([]int, len(t.o.comps))
		t.bw, t.bh = make([]int, len(t.o.comps)), make([]int, len(t.o.comps))
	}
	t.pw[i], t.ph[i] = pw, ph
	t.bw[i], t.bh[i] = (cw+7)/8, (chh+7)/8
	sample := func(x, y int) float64 {
		x, y = min(x, cw-1), min(y, chh-1) // pad by replication
		fx, fy := min(x*hmax/ch, t.w-1), min(y*vmax/cv, t.h-1)
		return float64(plane[fy*t.w+fx]) - 128
	}
	blocks := make([][64]int32, pw*ph)
	for by := 0; by < ph; by++ {
		for bx := 0; bx < pw; bx++ {
			var px [8][8]float64
			for y := 0; y < 8; y++ {
				for x := 0; x < 8; x++ {
					px[y][x] = sample(bx*8+x, by*8+y)
				}
			}
			b := &blocks[by*pw+bx]
			for z, nat := range unzig {
				v, u := int(nat)/8, int(nat)%8
				s := 0.0
				for y := 0; y < 8; y++ {
					for x := 0; x < 8; x++ {
						s += px[y][x] * twCos[x][u] * twCos[y][v]
					}
				}
				s /= 4
				if u == 0 {
					s /= math.Sqrt2
				}
				if v == 0 {
					s /= math.Sqrt2
				}
				b[z] = int32(math.Round(s / float64(q[z])))
			}
		}
	}
	t.coefs[i] = blocks
}

// twToken is one unit of a scan's entropy-coded data: a Huffman symbol of
// table tab (or raw bits when tab < 0) followed by n extra bits, or a
// restart marker (rst).
type twToken struct {
	tab  int
	sym  byte
	bits uint32
	n    uint
	rst  int
}

// twSize is the magnitude category of v (F.1.2.1).
func twSize(v int32) uint {
	if v < 0 {
		v = -v
	}
	n := uint(0)
	for v != 0 {
		n++
		v >>= 1
	}
	return n
}

// twBits is the s-bit representation of v (negative values as v-1).
func twBits(v int32, s uint) uint32 {
	if v < 0 {
		v--
	}
	return uint32(v) & (1<<s - 1)
}

// writeScan writes DHT, SOS and the entropy-coded data of a scan.
func (t *twWriter) writeScan(sc twScan) {
	o := t.o
	var toks []twToken
	sym := func(tab int, s byte, bits uint32, n uint) {
		toks = append(toks, twToken{tab: tab, sym: s, bits: bits, n: n})
	}
	raw := func(bits uint32, n uint) { toks = append(toks, twToken{tab: -1, bits: bits, n: n}) }
	// Table slots: DC tables 0..3, AC tables 4..7; baseline shares slot 1
	// between all components but the first.
	slot := func(i int) int {
		if o.sof == decSOF0 {
			return min(i, 1)
		}
		return i
	}

	progressive := o.sof == decSOF2
	dcPred := make([]int32, len(o.comps))
	var eobrun int
	var be []byte // correction bits buffered during an EOB run
	acTab := 4 + slot(0)
	flushEOB := func() {
		if eobrun == 0 {
			return
		}
		n := twSize(int32(eobrun)) - 1
		sym(acTab, byte(n<<4), uint32(eobrun)&(1<<n-1), n)
		for _, b := range be {
			raw(uint32(b), 1)
		}
		eobrun, be = 0, nil
	}

	block := func(i int, b *[64]int32) {
		c := slot(i)
		if !progressive || sc.ss == 0 && sc.ah == 0 {
			// DC, sequential or first progressive scan.
			dc := b[0] >> sc.al
			diff := dc - dcPred[i]
			dcPred[i] = dc
			s := twSize(diff)
			sym(c, byte(s), twBits(diff, s), s)
		} else if sc.ss == 0 {
			raw(uint32(b[0]>>sc.al)&1, 1)
		}
		if !progressive {
			r := 0
			for z := 1; z < 64; z++ {
				v := b[z]
				if v == 0 {
					r++
					continue
				}
				for ; r > 15; r -= 16 {
					sym(4+c, 0xf0, 0, 0)
				}
				s := twSize(v)
				sym(4+c, byte(r<<4)|byte(s), twBits(v, s), s)
				r = 0
			}
			if r > 0 {
				sym(4+c, 0, 0, 0)
			}
			return
		}
		if sc.ss == 0 {
			return
		}
		acTab = 4 + c
		if sc.ah == 0 {
			r := 0
			for z := sc.ss; z <= sc.se; z++ {
				v := b[z]
				a := v
				if a < 0 {
					a = -a
				}
				a >>= sc.al
				if a == 0 {
					r++
					continue
				}
				if v < 0 {
					a = -a
				}
				flushEOB()
				for ; r > 15; r -= 16 {
					sym(acTab, 0xf0, 0, 0)
				}
				s := twSize(a)
				sym(acTab, byte(r<<4)|byte(s), twBits(a, s), s)
				r = 0
			}
			if r > 0 {
				eobrun++
				if eobrun == 0x7fff {
					flushEOB()
				}
			}
			return
		}
		// AC refinement (G.1.2.3).
		var abs [64]int32
		eob := 0
		for z := sc.ss; z <= sc.se; z++ {
			a := b[z]
			if a < 0 {
				a = -a
			}
			abs[z] = a >> sc.al
			if abs[z] == 1 {
				eob = z
			}
		}
		r := 0
		var br []byte
		for z := sc.ss; z <= sc.se; z++ {
			a := abs[z]
			if a == 0 {
				r++
				continue
			}
			for r > 15 && z <= eob {
				flushEOB()
				sym(acTab, 0xf0, 0, 0)
				r -= 16
				for _, x := range br {
					raw(uint32(x), 1)
				}
				br = nil
			}
			if a > 1 {
				br = append(br, byte(a&1))
				continue
			}
			flushEOB()
			sign := uint32(1)
			if b[z] < 0 {
				sign = 0
			}
			sym(acTab, byte(r<<4|1), sign, 1)
			for _, x := range br {
				raw(uint32(x), 1)
			}
			br, r = nil, 0
		}
		if r > 0 || len(br) > 0 {
			eobrun++
			be = append(be, br...)
			if eobrun == 0x7fff || len(be) > 900 {
				flushEOB()
			}
		}
	}

	mcus := 0
	rst := 0
	endInterval := func() {
		flushEOB()
		for i := range dcPred {
			dcPred[i] = 0
		}
	}
	countMCU := func(last bool) {
		mcus++
		if o.restart > 0 && mcus%o.restart == 0 && !last {
			endInterval()
			toks = append(toks, twToken{rst: 1 + rst})
			rst = (rst + 1) & 7
		}
	}
	if len(sc.comps) == 1 {
		i := sc.comps[0]
		for by := 0; by < t.bh[i]; by++ {
			for bx := 0; bx < t.bw[i]; bx++ {
				block(i, &t.coefs[i][by*t.pw[i]+bx])
				countMCU(by == t.bh[i]-1 && bx == t.bw[i]-1)
			}
		}
	} else {
		for my := 0; my < t.mcusY; my++ {
			for mx := 0; mx < t.mcusX; mx++ {
				for _, i := range sc.comps {
					c := o.comps[i]
					for y := 0; y < c.v; y++ {
						for x := 0; x < c.h; x++ {
							block(i, &t.coefs[i][(my*c.v+y)*t.pw[i]+mx*c.h+x])
						}
					}
				}
				countMCU(my == t.mcusY-1 && mx == t.mcusX-1)
			}
		}
	}
	endInterval()

	// Build the tables from the symbol counts and write them.
	var freq [8][256]int
	used := [8]bool{}
	for _, tk := range toks {
		if tk.rst == 0 && tk.tab >= 0 {
			freq[tk.tab][tk.sym]++
			used[tk.tab] = true
		}
	}
	var codes [8][256]uint32
	var lens [8][256]uint
	var dht []byte
	for tab := 0; tab < 8; tab++ {
		if !used[tab] {
			continue
		}
		counts, vals := twHuffmanTable(&freq[tab])
		dht = append(dht, byte(tab/4)<<4|byte(tab%4))
		dht = append(dht, counts[:]...)
		dht = append(dht, vals...)
		code, k := uint32(0), 0
		for l := 1; l <= 16; l++ {
			for j := 0; j < int(counts[l-1]); j++ {
				codes[tab][vals[k]], lens[tab][vals[k]] = code, uint(l)
				code++
				k++
			}
			code <<= 1
		}
	}
	if len(dht) > 0 {
		t.segment(decDHT, dht)
	}
	sos := []byte{byte(len(sc.comps))}
	for _, i := range sc.comps {
		sos = append(sos, o.comps[i].id, byte(slot(i)<<4|slot(i)))
	}
	if progressive {
		sos = append(sos, byte(sc.ss), byte(sc.se), byte(sc.ah<<4|sc.al))
	} else {
		sos = append(sos, 0, 63, 0)
	}
	t.segment(decSOS, sos)
	for _, tk := range toks {
		switch {
		case tk.rst > 0:
			t.flushBits()
			t.out = append(t.out, 0xff, decRST0+byte(tk.rst-1))
		case tk.tab >= 0:
			t.putBits(codes[tk.tab][tk.sym], lens[tk.tab][tk.sym])
			t.putBits(tk.bits, tk.n)
		default:
			t.putBits(tk.bits, tk.n)
		}
	}
	t.flushBits()
}

// putBits appends the n low bits of b, stuffing a zero byte after 0xFF.
func (t *twWriter) putBits(b uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		t.acc = t.acc<<1 | b>>uint(i)&1
		t.nacc++
		if t.nacc == 8 {
			t.out = append(t.out, byte(t.acc))
			if byte(t.acc) == 0xff {
				t.out = append(t.out, 0)
			}
			t.acc, t.nacc = 0, 0
		}
	}
}

// flushBits pads the last byte with one bits.
func (t *twWriter) flushBits() {
	if t.nacc > 0 {
		t.putBits(1<<(8-t.nacc)-1, 8-t.nacc)
	}
}

// twHuffmanTable returns the code-length counts and the symbols in code
// order of a Huffman code for the symbol frequencies (ITU T.81 K.2: code
// sizes by repeated merging of the two least frequent, a reserved symbol
// so that no code is all ones, lengths limited to 16).
func twHuffmanTable(freq *[256]int) (counts [16]byte, vals []byte) {
	var f [257]int
	copy(f[:], freq[:])
	f[256] = 1
	var size [257]int
	others := make([]int, 257)
	for i := range others {
		others[i] = -1
	}
	for {
		v1, v2 := -1, -1
		for i := range f {
			if f[i] == 0 {
				continue
			}
			if v1 < 0 || f[i] <= f[v1] {
				v1 = i
			}
		}
		for i := range f {
			if f[i] == 0 || i == v1 {
				continue
			}
			if v2 < 0 || f[i] <= f[v2] {
				v2 = i
			}
		}
		if v2 < 0 {
			break
		}
		f[v1] += f[v2]
		f[v2] = 0
		size[v1]++
		for others[v1] >= 0 {
			v1 = others[v1]
			size[v1]++
		}
		others[v1] = v2
		size[v2]++
		for others[v2] >= 0 {
			v2 = others[v2]
			size[v2]++
		}
	}
	var bitsN [33]int
	for _, s := range size {
		if s > 0 {
			bitsN[s]++
		}
	}
	for i := 32; i > 16; i-- {
		for bitsN[i] > 0 {
			j := i - 2
			for bitsN[j] == 0 {
				j--
			}
			bitsN[i] -= 2
			bitsN[i-1]++
			bitsN[j+1] += 2
			bitsN[j]--
		}
	}
	i := 16
	for bitsN[i] == 0 {
		i--
	}
	bitsN[i]-- // remove the reserved symbol
	for l := 1; l <= 16; l++ {
		counts[l-1] = byte(bitsN[l])
	}
	type sv struct{ size, sym int }
	var syms []sv
	for s := 0; s < 256; s++ {
		if size[s] > 0 {
			syms = append(syms, sv{size[s], s})
		}
	}
	sort.Slice(syms, func(a, b int) bool {
		if syms[a].size != syms[b].size {
			return syms[a].size < syms[b].size
		}
		return syms[a].sym < syms[b].sym
	})
	for _, s := range syms {
		vals = append(vals, byte(s.sym))
	}
	return counts, vals
}

// twPlanes splits an RGBA image into full-resolution component planes:
// Y, Cb, Cr for three components (RGB when rgb), C, M, Y, K (with K from
// the darkest channel) stored inverted as Adobe does for four (YCCK when
// ycck), or gray for one.
func twPlanes(m *image.RGBA, n int, rgb, ycck bool) [][]byte {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	planes := make([][]byte, n)
	for i := range planes {
		planes[i] = make([]byte, w*h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := m.Pix[y*m.Stride+4*x:]
			r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
			yy := 0.299*r + 0.587*g + 0.114*b
			cb := -0.168736*r - 0.331264*g + 0.5*b + 128
			cr := 0.5*r - 0.418688*g - 0.081312*b + 128
			i := y*w + x
			clamp := func(v float64) byte { return byte(min(max(math.Round(v), 0), 255)) }
			switch n {
			case 1:
				planes[0][i] = clamp(yy)
			case 3:
				if rgb {
					planes[0][i], planes[1][i], planes[2][i] = p[0], p[1], p[2]
				} else {
					planes[0][i], planes[1][i], planes[2][i] = clamp(yy), clamp(cb), clamp(cr)
				}
			case 4:
				c, mm, yy, k := color.RGBToCMYK(p[0], p[1], p[2])
				if ycck {
					// image/jpeg's reading: Y, Cb, Cr of C, M, Y as if
					// they were R, G, B; K inverted.
					planes[0][i], planes[1][i], planes[2][i] = color.RGBToYCbCr(c, mm, yy)
				} else {
					planes[0][i], planes[1][i], planes[2][i] = 255-c, 255-mm, 255-yy
				}
				planes[3][i] = 255 - k
			}
		}
	}
	return planes
}
