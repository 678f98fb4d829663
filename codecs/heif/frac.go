package heif

// frac is a fraction with libheif's arithmetic (libheif 1.18, box.cc):
// 32-bit numerator and denominator, sums and differences computed in 64
// bits and halved until they fit, integer division truncating towards
// zero. The clean aperture's window is computed with it so that the
// displayed size this package reports is the one libheif decodes to,
// rounding included.
type frac struct{ n, d int64 }

const maxFrac = 0x10000

func newFrac32(n, d int64) frac {
	for d > maxFrac || d < -maxFrac {
		n /= 2
		d /= 2
	}
	for d > 1 && (n > maxFrac || n < -maxFrac) {
		n /= 2
		d /= 2
	}
	return frac{n, d}
}

func newFrac64(n, d int64) frac {
	const lo, hi = -1 << 31, 1<<31 - 1
	for n < lo || n > hi || d < lo || d > hi {
		n = (n + sign(n)) / 2
		d = (d + sign(d)) / 2
	}
	return frac{n, d}
}

func sign(v int64) int64 {
	if v >= 0 {
		return 1
	}
	return -1
}

func (a frac) add(b frac) frac {
	if a.d == b.d {
		return newFrac64(a.n+b.n, a.d)
	}
	return newFrac64(a.n*b.d+b.n*a.d, a.d*b.d)
}

func (a frac) sub(b frac) frac {
	if a.d == b.d {
		return newFrac64(a.n-b.n, a.d)
	}
	return newFrac64(a.n*b.d-b.n*a.d, a.d*b.d)
}

func (a frac) addInt(v int64) frac { return newFrac64(a.n+v*a.d, a.d) }
func (a frac) subInt(v int64) frac { return newFrac64(a.n-v*a.d, a.d) }
func (a frac) div(v int64) frac    { return newFrac64(a.n, a.d*v) }
func (a frac) roundDown() int64    { return a.n / a.d }
func (a frac) round() int64        { return (a.n + a.d/2) / a.d }

// window returns the clean aperture's crop of a w×h image as
// [left, right] × [top, bottom] (inclusive), as libheif computes it.
func (c CLAP) window(w, h int) (left, right, top, bottom int64, ok bool) {
	const max32 = 1<<31 - 1
	if c.WidthN > max32 || c.WidthD > max32 || c.HeightN > max32 || c.HeightD > max32 ||
		c.WidthD == 0 || c.HeightD == 0 || c.HorizOffD <= 0 || c.VertOffD <= 0 {
		return 0, 0, 0, 0, false
	}
	cw := newFrac32(int64(c.WidthN), int64(c.WidthD))
	ch := newFrac32(int64(c.HeightN), int64(c.HeightD))
	ho := newFrac32(int64(c.HorizOffN), int64(c.HorizOffD))
	vo := newFrac32(int64(c.VertOffN), int64(c.VertOffD))
	if cw.d == 0 || ch.d == 0 || ho.d == 0 || vo.d == 0 {
		return 0, 0, 0, 0, false
	}
	pcX := ho.add(newFrac32(int64(w)-1, 2))
	l := pcX.sub(cw.subInt(1).div(2))
	if l.d == 0 {
		return 0, 0, 0, 0, false
	}
	left = l.roundDown()
	r := cw.subInt(1).addInt(left)
	pcY := vo.add(newFrac32(int64(h)-1, 2))
	t := pcY.sub(ch.subInt(1).div(2))
	if r.d == 0 || t.d == 0 {
		return 0, 0, 0, 0, false
	}
	right = r.round()
	top = t.round()
	b := ch.subInt(1).addInt(top)
	if b.d == 0 {
		return 0, 0, 0, 0, false
	}
	bottom = b.round()
	return left, right, top, bottom, true
}
