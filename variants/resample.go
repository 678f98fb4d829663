package variants

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"runtime"
	"sync"
)

// The Lanczos resampler.
//
// lanczosResize scales an image with a separable Lanczos-3 filter, with the
// geometry of imaging.Resize(img, w, h, imaging.Lanczos): output pixel v
// of n covers source position (v+0.5)·src/n − 0.5, the filter is widened
// by the reduction factor when shrinking, and at the edges the taps that
// fall outside the source are dropped and the rest renormalised. Pixels
// with alpha are weighted by it, so that the colour of transparent pixels
// does not bleed into their neighbours.
//
// The weights are computed once per output column and row as fixed-point
// integers (lzBits or lzBitsHi fractional bits, summing exactly to 1), and
// the two passes run on 8-bit samples with integer accumulation, rounding
// and clamping to 0..255 after each pass as imaging does: first each
// needed source row is filtered horizontally into a small ring of rows
// (ky.n rows, which stays in cache, where imaging keeps a whole
// intermediate image), then each output row is the weighted sum of the
// ring's rows. Sources are read straight from their pixel buffers
// (*image.YCbCr of any subsampling, *image.NRGBA, *image.RGBA, *image.Gray,
// *image.CMYK, *image.Paletted); anything else is converted a row at a
// time by image/draw. Large resizes are split into bands of output rows
// run in parallel.
//
// Opaque pictures (*image.YCbCr, *image.CMYK, and any image whose Opaque
// method says so) are filtered with all three channels packed into one
// integer (see lzPack), without alpha work, and come out as *image.NRGBA
// with alpha 0xff; *image.Gray stays *image.Gray, filtered two rows or
// columns at a time the same way (lzRowsGray); the rest come out as
// *image.NRGBA.

const (
	lzBits = 12 // fractional bits of the weights for packed pixels
	lzOne  = 1 << lzBits
	lzHalf = 1 << (lzBits - 1)

	// Gray and translucent pixels, filtered one channel at a time (and
	// the colour of faint pixels being sensitive to rounding), use more.
	lzBitsHi = 14
	lzOneHi  = 1 << lzBitsHi
	lzHalfHi = 1 << (lzBitsHi - 1)

	// lzParallelMin is the amount of work (source rows × output width plus
	// output pixels) above which a resize is split into bands run on
	// several goroutines.
	lzParallelMin = 1 << 18
	// lzBandWork is the least work in a band.
	lzBandWork = 1 << 17
	// lzBandMin is the least number of output rows in a band.
	lzBandMin = 64
)

// lzKernel holds the fixed-point weights of one direction: output i is
// the sum over t < count[i] of w[i·n+t] × source[start[i]+t].
type lzKernel struct {
	n     int // the largest count: the stride of w
	start []int
	count []int
	w     []int32
}

// lanczos3 is the Lanczos kernel with a = 3.
func lanczos3(x float64) float64 {
	x = math.Abs(x)
	if x >= 3 {
		return 0
	}
	if x == 0 {
		return 1
	}
	px := math.Pi * x
	return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
}

// newLzKernel computes the weights that resample src samples to dst, with
// bits fractional bits.
func newLzKernel(dst, src, bits int) *lzKernel {
	return newLzKernelScale(dst, src, float64(src)/float64(dst), bits)
}

// newLzKernelScale is newLzKernel with output i centred on source
// position (i+0.5)·scale − 0.5 and the filter widened by scale if > 1.
func newLzKernelScale(dst, src int, scale float64, bits int) *lzKernel {
	one := int32(1) << bits
	support := 3 * max(scale, 1)
	fscale := max(scale, 1)
	reach := int(math.Ceil(support))
	n := min(2*reach+2, src)
	k := &lzKernel{start: make([]int, dst), count: make([]int, dst)}
	w := make([]int32, dst*n)
	fw := make([]float64, 2*reach+2)
	for i := range dst {
		centre := (float64(i)+0.5)*scale - 0.5
		lo := max(int(math.Ceil(centre-support)), 0)
		hi := min(int(math.Floor(centre+support)), src-1)
		if lo > hi { // cannot happen, but keep every output defined
			lo = min(max(int(math.Round(centre)), 0), src-1)
			hi = lo
		}
		fw := fw[:hi-lo+1]
		sum := 0.0
		for j := range fw {
			fw[j] = lanczos3((float64(lo+j) - centre) / fscale)
			sum += fw[j]
		}
		if sum == 0 {
			sum = 1
			fw[len(fw)/2] = 1
		}
		// Round each weight, then give the rounding error to the largest
		// so that the weights sum to exactly lzOne and flat areas stay flat.
		q := w[i*n : i*n+len(fw)]
		total, big := int32(0), 0
		for j, v := range fw {
			q[j] = int32(math.Round(v / sum * float64(one)))
			total += q[j]
			if q[j] > q[big] {
				big = j
			}
		}
		q[big] += one - total
		// Drop zero weights at both ends.
		a, b := 0, len(q)
		for a < b-1 && q[a] == 0 {
			a++
		}
		for b > a+1 && q[b-1] == 0 {
			b--
		}
		copy(q, q[a:b])
		clear(q[b-a:])
		k.start[i] = lo + a
		k.count[i] = b - a
		k.n = max(k.n, b-a)
	}
	// Repack with the actual largest count as the stride.
	if k.n < n {
		k.w = make([]int32, dst*k.n)
		for i := range dst {
			copy(k.w[i*k.n:(i+1)*k.n], w[i*n:])
		}
	} else {
		k.w = w
	}
	return k
}

// weights returns the weights of output i.
func (k *lzKernel) weights(i int) (start int, w []int32) {
	o := i * k.n
	return k.start[i], k.w[o : o+k.count[i]]
}

// Opaque colour rows are packed, one uint64 a pixel: R | G<<21 | B<<42.
// A weighted sum of packed pixels is then one multiply-add a tap for all
// three channels: each 21-bit lane accumulates its own channel, exactly,
// as long as every lane's final sum stays inside 0..2²¹−1. The sums start
// at lzBias, which keeps the negative lobes of the filter above 0; the
// positive weights of a Lanczos-3 kernel sum to at most 1.29 and the
// negative ones to at least −0.29 (TestLanczosKernel checks the bound
// over many ratios), so a lane lies in lzBias + 255·lzOne·[−0.29, 1.29],
// well inside the 21 bits with lzBits = 12.
const (
	lzLane  = 21
	lzMask  = 1<<lzLane - 1
	lzBias  = 1 << 19
	lzInitP = (lzBias + lzHalf) * (1 + 1<<lzLane + 1<<(2*lzLane))
)

// lzPack packs an opaque pixel.
func lzPack(r, g, b uint8) uint64 {
	return uint64(r) | uint64(g)<<lzLane | uint64(b)<<(2*lzLane)
}

// lzLaneTab maps the top 9 bits of a lane, lzBias/lzOne + the rounded
// channel value, to the value clamped to a byte.
var lzLaneTab = func() (t [512]uint8) {
	for i := range t {
		t[i] = uint8(min(max(i-lzBias>>lzBits, 0), 255))
	}
	return t
}()

// lzLaneByte rounds lane k of a packed sum v (started at lzInitP) to a
// byte.
func lzLaneByte(v int64, k uint) uint8 {
	return lzLaneTab[(v>>(k*lzLane+lzBits))&511]
}

// lzRepack rounds each lane of a packed sum to a byte and packs them.
func lzRepack(v int64) uint64 {
	return uint64(lzLaneTab[(v>>lzBits)&511]) |
		uint64(lzLaneTab[(v>>(lzLane+lzBits))&511])<<lzLane |
		uint64(lzLaneTab[(v>>(2*lzLane+lzBits))&511])<<(2*lzLane)
}

// lzFormat is the layout of the rows the passes work on.
type lzFormat int

const (
	lzPacked lzFormat = iota // packed uint64 pixels, opaque
	lzNRGBA                  // 4 bytes a pixel, non-premultiplied alpha
	lzGray                   // 1 byte a pixel
	lzPlane                  // 1 byte a pixel, lzBits weights (chroma planes)
)

// lzSource reads the rows of a source picture. Rows are relative to the
// bounds: 0 ≤ y < h.
type lzSource struct {
	w, h   int
	format lzFormat
	// packed returns row y packed (format lzPacked), using scratch and
	// bscratch (4 bytes a pixel) if it needs to.
	packed func(y int, scratch []uint64, bscratch []byte) []uint64
	// bytes returns row y as 4-byte NRGBA (lzNRGBA) or 1-byte gray
	// (lzGray) pixels, using scratch if it needs to.
	bytes func(y int, scratch []byte) []byte
}

// opaqueImage reports whether img says it is fully opaque.
func opaqueImage(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}

// packRows returns a packed row reader over a reader of 4-byte rows whose
// 4th byte is ignored.
func packRows(rows func(y int, scratch []byte) []byte) func(int, []uint64, []byte) []uint64 {
	return func(y int, d []uint64, bs []byte) []uint64 {
		p := rows(y, bs)
		d = d[:len(p)/4]
		for x := range d {
			q := p[4*x : 4*x+3 : 4*x+3]
			d[x] = lzPack(q[0], q[1], q[2])
		}
		return d
	}
}

// newLzSource returns the row reader for img.
func newLzSource(img image.Image) *lzSource {
	b := img.Bounds()
	s := &lzSource{w: b.Dx(), h: b.Dy()}
	w := s.w
	// rgba reads 4-byte rows, NRGBA or opaque.
	var rgba func(y int, scratch []byte) []byte
	opaque := false
	switch m := img.(type) {
	case *image.YCbCr:
		s.format = lzPacked
		s.packed = ycbcrRowReader(m)
		return s
	case *image.Gray:
		s.format = lzGray
		s.bytes = func(y int, _ []byte) []byte {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[o : o+w]
		}
		return s
	case *image.CMYK:
		s.format = lzPacked
		s.packed = func(y int, d []uint64, _ []byte) []uint64 {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			p := m.Pix[o : o+4*w]
			d = d[:w]
			for x := range d {
				c := p[4*x : 4*x+4 : 4*x+4]
				k := 0xffff - uint32(c[3])*0x101
				d[x] = lzPack(
					uint8((0xffff-uint32(c[0])*0x101)*k/0xffff>>8),
					uint8((0xffff-uint32(c[1])*0x101)*k/0xffff>>8),
					uint8((0xffff-uint32(c[2])*0x101)*k/0xffff>>8))
			}
			return d
		}
		return s
	case *image.NRGBA:
		opaque = m.Opaque()
		rgba = func(y int, _ []byte) []byte {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			return m.Pix[o : o+4*w]
		}
	case *image.RGBA:
		opaque = m.Opaque()
		rgba = func(y int, d []byte) []byte {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			p := m.Pix[o : o+4*w]
			if opaque {
				return p
			}
			d = d[:len(p)]
			for i := 0; i+3 < len(p); i += 4 {
				a := p[i+3]
				switch a {
				case 0:
					d[i], d[i+1], d[i+2] = 0, 0, 0
				case 0xff:
					d[i], d[i+1], d[i+2] = p[i], p[i+1], p[i+2]
				default:
					// Un-premultiply, truncating as imaging does.
					a16 := uint16(a)
					d[i] = uint8(uint16(p[i]) * 0xff / a16)
					d[i+1] = uint8(uint16(p[i+1]) * 0xff / a16)
					d[i+2] = uint8(uint16(p[i+2]) * 0xff / a16)
				}
				d[i+3] = a
			}
			return d
		}
	case *image.Paletted:
		pal := make([]color.NRGBA, 256)
		opaque = true
		for i, c := range m.Palette {
			if i < len(pal) {
				pal[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
				opaque = opaque && pal[i].A == 0xff
			}
		}
		if len(m.Palette) < 256 {
			// Indices past the palette read as transparent black.
			opaque = opaque && m.Opaque()
		}
		rgba = func(y int, d []byte) []byte {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			p := m.Pix[o : o+w]
			d = d[:4*w]
			for x, ix := range p {
				c := pal[ix]
				q := d[4*x : 4*x+4 : 4*x+4]
				q[0], q[1], q[2], q[3] = c.R, c.G, c.B, c.A
			}
			return d
		}
	default:
		// Anything else: draw each row into an NRGBA row.
		opaque = opaqueImage(img)
		rgba = func(y int, d []byte) []byte {
			d = d[:4*w]
			dst := &image.NRGBA{Pix: d, Stride: 4 * w, Rect: image.Rect(0, 0, w, 1)}
			draw.Draw(dst, dst.Rect, img, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
			return d
		}
	}
	if opaque {
		s.format = lzPacked
		s.packed = packRows(rgba)
	} else {
		s.format = lzNRGBA
		s.bytes = rgba
	}
	return s
}

// ycbcrRowReader converts rows of m to packed RGB, each pixel taking the
// chroma sample that covers it, with the integer arithmetic of
// color.YCbCrToRGB.
func ycbcrRowReader(m *image.YCbCr) func(int, []uint64, []byte) []uint64 {
	b := m.Rect
	w := b.Dx()
	var hs uint // horizontal chroma subsampling shift; COffset does rows
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		hs = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		hs = 2
	}
	return func(y int, d []uint64, _ []byte) []uint64 {
		d = d[:w]
		yo := m.YOffset(b.Min.X, b.Min.Y+y)
		ys := m.Y[yo : yo+w]
		co := m.COffset(b.Min.X, b.Min.Y+y)
		cx0 := b.Min.X >> hs // chroma column of the bounds' left edge
		cn := (b.Max.X-1)>>hs - cx0 + 1
		cbs := m.Cb[co : co+cn]
		crs := m.Cr[co : co+cn]
		x0 := b.Min.X
		if hs == 1 && x0%2 == 0 {
			// 4:2:0 and 4:2:2 at an even left edge: each chroma sample
			// covers two pixels.
			for ci := range cbs {
				x := 2 * ci
				rc, gc, bc := lzChroma(cbs[ci], crs[ci])
				if x+1 < len(ys) {
					p := d[x : x+2 : x+2]
					q := ys[x : x+2 : x+2]
					p[0] = lzYCbCr(q[0], rc, gc, bc)
					p[1] = lzYCbCr(q[1], rc, gc, bc)
				} else {
					d[x] = lzYCbCr(ys[x], rc, gc, bc)
				}
			}
			return d
		}
		for x, yv := range ys {
			ci := (x0+x)>>hs - cx0
			rc, gc, bc := lzChroma(cbs[ci], crs[ci])
			d[x] = lzYCbCr(yv, rc, gc, bc)
		}
		return d
	}
}

// lzChroma is the chroma part of color.YCbCrToRGB's sums.
func lzChroma(cb, cr uint8) (rc, gc, bc int32) {
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	return 91881 * cr1, -22554*cb1 - 46802*cr1, 116130 * cb1
}

// lzYCbCr converts a pixel to packed RGB as color.YCbCrToRGB does, given
// its luma and lzChroma of its chroma.
func lzYCbCr(yv uint8, rc, gc, bc int32) uint64 {
	yy1 := int32(yv) * 0x10101
	return uint64(lzYCCTab[((yy1+rc)>>16)&1023]) |
		uint64(lzYCCTab[((yy1+gc)>>16)&1023])<<lzLane |
		uint64(lzYCCTab[((yy1+bc)>>16)&1023])<<(2*lzLane)
}

// lzYCCTab clamps the integer part of color.YCbCrToRGB's 16.16 sums to a
// byte, as it does. The sums' integer parts lie in −227..481, and the
// table is indexed modulo 1024.
var lzYCCTab = func() (t [1024]uint8) {
	for i := range t {
		v := i
		if i >= 512 {
			v = i - 1024
		}
		t[i] = uint8(min(max(v, 0), 255))
	}
	return t
}()

// lzClamp rounds a fixed-point sum with lzBitsHi fractional bits (and
// lzHalfHi already added) to a byte.
func lzClamp(v int32) uint8 {
	v >>= lzBitsHi
	if uint32(v) > 255 {
		return uint8(^(v >> 31)) // 0 below, 255 above
	}
	return uint8(v)
}

// lanczosResize returns img resampled to w×h (both ≥ 1).
func lanczosResize(img image.Image, w, h int) image.Image {
	j, out := newLzResize(newLzSource(img), w, h)
	lzRun(j)
	return out
}

// newLzResize returns lanczosResize's job from src to w×h and the image
// it writes: the kernels with the bits src's format filters with, and a
// *image.Gray for gray sources, an *image.NRGBA for the rest.
func newLzResize(src *lzSource, w, h int) (*lzJob, image.Image) {
	bits := lzBits
	if src.format != lzPacked {
		bits = lzBitsHi
	}
	j := &lzJob{src: src, kx: newLzKernel(w, src.w, bits), ky: newLzKernel(h, src.h, bits)}
	if src.format == lzGray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		j.pix, j.stride = g.Pix, g.Stride
		return j, g
	}
	n := image.NewNRGBA(image.Rect(0, 0, w, h))
	j.pix, j.stride = n.Pix, n.Stride
	return j, n
}

// lzJob is one resampling: src through kx and ky into pix (stride apart).
type lzJob struct {
	src    *lzSource
	kx, ky *lzKernel
	pix    []byte
	stride int
}

// lzRun runs j, in bands of output rows on several goroutines when it is
// large.
func lzRun(j *lzJob) {
	w, h := len(j.kx.start), len(j.ky.start)
	bands := 1
	if procs := runtime.GOMAXPROCS(0); procs > 1 {
		work := j.src.h*w + w*h
		if work > lzParallelMin {
			bands = max(1, min(procs, work/lzBandWork, h/lzBandMin))
		}
	}
	if bands == 1 {
		lzBand(j, 0, h)
		return
	}
	var wg sync.WaitGroup
	for i := range bands {
		y0, y1 := h*i/bands, h*(i+1)/bands
		wg.Go(func() { lzBand(j, y0, y1) })
	}
	wg.Wait()
}

// lzBand computes output rows y0..y1-1 of j.
func lzBand(j *lzJob, y0, y1 int) {
	row := lzRows(j)
	for y := y0; y < y1; y++ {
		row(y)
	}
}

// lzRows returns the loop body of a band of j: a function that computes
// output row y, called for rows in increasing order. It owns the band's
// ring and scratch, and reads each source row it needs when it first
// needs it, so it can be called a row at a time as the source arrives
// (stripResampler) as well as through a whole band (lzBand); the rows it
// reads for output row y are lzRowsRead's.
func lzRows(j *lzJob) func(y int) {
	switch j.src.format {
	case lzGray:
		return lzRowsGray(j)
	case lzPlane:
		return lzRows3(j)
	}
	src, kx, ky, pix, stride := j.src, j.kx, j.ky, j.pix, j.stride
	dw := len(kx.start)
	if src.format == lzPacked {
		scratch := make([]uint64, src.w)
		bscratch := make([]byte, 4*src.w)
		acc := make([]int64, dw)
		ring := newLzRing[uint64](ky.n, lzAhead(lzPacked), dw)
		fill := func(r int) { lzHPacked(ring.slot(r), src.packed(r, scratch, bscratch), kx) }
		return func(y int) {
			s, ws := ky.weights(y)
			lzVPacked(acc, ring.gather(s, len(ws), fill), ws)
			out := pix[y*stride:][:4*dw]
			for x, v := range acc {
				o := out[4*x : 4*x+4 : 4*x+4]
				o[0] = lzLaneByte(v, 0)
				o[1] = lzLaneByte(v, 1)
				o[2] = lzLaneByte(v, 2)
				o[3] = 0xff
			}
		}
	}

	tl := dw * 4
	scratch := make([]byte, 4*src.w)
	ring := newLzRing[byte](ky.n, lzAhead(lzNRGBA), tl)
	fill := func(r int) { lzHAlpha(ring.slot(r), src.bytes(r, scratch), kx) }
	return func(y int) {
		s, ws := ky.weights(y)
		lzVAlpha(pix[y*stride:][:tl], ring.gather(s, len(ws), fill), ws)
	}
}

// lzAhead is how many source rows past the one it is asked for lzRows's
// fill reads and filters for a source of format f: the lane-packed
// one-channel filters do 2 (lzRowsGray) or 3 (lzRows3) rows in one sweep.
func lzAhead(f lzFormat) int {
	switch f {
	case lzGray:
		return 1
	case lzPlane:
		return 2
	}
	return 0
}

// lzRowsNeeded is how many source rows, from the top, lzRows(j) may
// read to compute output row y: the rows of its taps, and the rows its
// fill filters along with them (lzAhead).
func lzRowsNeeded(j *lzJob, y int) int {
	s, ws := j.ky.weights(y)
	return min(s+len(ws)+lzAhead(j.src.format), j.src.h)
}

// lzHPacked filters a packed row horizontally.
func lzHPacked(dst, src []uint64, k *lzKernel) {
	n := k.n
	for x := range dst {
		s, c := k.start[x], k.count[x]
		ws := k.w[x*n : x*n+c]
		p := src[s : s+c]
		p = p[:len(ws)]
		acc := int64(lzInitP)
		for i, w := range ws {
			acc += int64(w) * int64(p[i])
		}
		dst[x] = lzRepack(acc)
	}
}

// lzVPacked sets acc to lzInitP plus the weighted sum of packed rows.
func lzVPacked(acc []int64, rows [][]uint64, ws []int32) {
	for i := range acc {
		acc[i] = lzInitP
	}
	t := 0
	for ; t+4 <= len(ws); t += 4 {
		w0, w1, w2, w3 := int64(ws[t]), int64(ws[t+1]), int64(ws[t+2]), int64(ws[t+3])
		r0, r1, r2, r3 := rows[t][:len(acc)], rows[t+1][:len(acc)], rows[t+2][:len(acc)], rows[t+3][:len(acc)]
		for i := range acc {
			acc[i] += int64(r0[i])*w0 + int64(r1[i])*w1 + int64(r2[i])*w2 + int64(r3[i])*w3
		}
	}
	for ; t < len(ws); t++ {
		w0 := int64(ws[t])
		r0 := rows[t][:len(acc)]
		for i := range acc {
			acc[i] += int64(r0[i]) * w0
		}
	}
}

// lzUnpremul writes the colour sums r, g, b over the alpha sum a (all
// alpha-weighted, in fixed point) as a non-premultiplied pixel.
func lzUnpremul(d []byte, r, g, b, a int64) {
	d = d[:4]
	if a == 0 {
		d[0], d[1], d[2], d[3] = 0, 0, 0, 0
		return
	}
	inv := 1 / float64(a)
	d[0] = lzClampF(float64(r) * inv)
	d[1] = lzClampF(float64(g) * inv)
	d[2] = lzClampF(float64(b) * inv)
	d[3] = lzClamp(int32(a) + lzHalfHi)
}

// lzClampF rounds v to a byte.
func lzClampF(v float64) uint8 {
	switch {
	case v >= 254.5:
		return 255
	case v > 0:
		return uint8(v + 0.5)
	}
	return 0
}

// lzHAlpha filters an NRGBA row horizontally, weighting colours by alpha.
func lzHAlpha(dst, src []byte, k *lzKernel) {
	n := k.n
	for x := range k.start {
		s, c := k.start[x], k.count[x]
		ws := k.w[x*n : x*n+c]
		p := src[4*s : 4*(s+c)]
		var r, g, b, a int64
		for i, w := range ws {
			q := p[4*i : 4*i+4 : 4*i+4]
			aw := int64(q[3]) * int64(w)
			r += int64(q[0]) * aw
			g += int64(q[1]) * aw
			b += int64(q[2]) * aw
			a += aw
		}
		lzUnpremul(dst[4*x:], r, g, b, a)
	}
}

// lzVAlpha sums NRGBA rows vertically, weighting colours by alpha.
func lzVAlpha(out []byte, rows [][]byte, ws []int32) {
	for i := 0; i+3 < len(out); i += 4 {
		var r, g, b, a int64
		for t, w := range ws {
			q := rows[t][i : i+4 : i+4]
			aw := int64(q[3]) * int64(w)
			r += int64(q[0]) * aw
			g += int64(q[1]) * aw
			b += int64(q[2]) * aw
			a += aw
		}
		lzUnpremul(out[i:], r, g, b, a)
	}
}

// lanczosResample is lanczosResize, except that an *image.YCbCr (with its
// Min on a chroma sample) reduced in both directions is resampled plane by plane into an
// *image.YCbCr with 4:2:0 chroma: no colour conversion either way (the
// JPEG encoder takes 4:2:0 planes as they are), where lanczosResize gives
// exactly what imaging gives, in RGB. After a JPEG encoding its pictures
// are as close to imaging's as lanczosResize's (TestLanczosPlanar); when
// enlarging they were up to 0.1 dB worse, and enlarging is rare, so it
// keeps to reductions.
func lanczosResample(img image.Image, w, h int) image.Image {
	if m, ok := img.(*image.YCbCr); ok && lzPlanar(m.SubsampleRatio, m.Rect, w, h) {
		return lanczosResizeYCbCr(m, w, h)
	}
	return lanczosResize(img, w, h)
}

// lzPlanar reports whether lanczosResample resamples an *image.YCbCr of
// the given subsampling and bounds to w×h plane by plane
// (lanczosResizeYCbCr) rather than in RGB.
func lzPlanar(ratio image.YCbCrSubsampleRatio, b image.Rectangle, w, h int) bool {
	if w > b.Dx() || h > b.Dy() {
		return false
	}
	// Every subsampling: with the planes filtered several samples a
	// multiply (lzRowsGray, lzRows3), even 4:4:4's and 4:4:0's
	// full-width chroma planes cost less than converting to RGB.
	fx, fy := lzChromaFactors(ratio)
	return fx > 0 && b.Min.X%fx == 0 && b.Min.Y%fy == 0
}

// lzChromaFactors is how many pixels across and down one chroma sample of
// r covers, or 0, 0 for a ratio it does not know.
func lzChromaFactors(r image.YCbCrSubsampleRatio) (fx, fy int) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 0, 0
}

// lanczosResizeYCbCr resamples m (its Min on a chroma sample) to a w×h
// 4:2:0 image: luma as a gray picture (lzRowsGray), and each chroma plane
// (lzRows3) from m's to ⌈w/2⌉×⌈h/2⌉, each output sample
// centred on the 2×2 pixels it covers and the filter widened to the
// chroma reduction, so that 4:4:4 and 4:2:2 sources are subsampled by the
// Lanczos filter itself.
func lanczosResizeYCbCr(m *image.YCbCr, w, h int) *image.YCbCr {
	b := m.Rect
	_, fy := lzChromaFactors(m.SubsampleRatio)
	out, jobs := lzPlanarJobs(m.SubsampleRatio, b.Dx(), b.Dy(), w, h, func(p, y, n int) []byte {
		if p == 0 {
			o := m.YOffset(b.Min.X, b.Min.Y+y)
			return m.Y[o : o+n]
		}
		o := m.COffset(b.Min.X, b.Min.Y+fy*y)
		if p == 1 {
			return m.Cb[o : o+n]
		}
		return m.Cr[o : o+n]
	})
	lumaJob, cbJob, crJob := jobs[0], jobs[1], jobs[2]
	// Luma and chroma are independent: with several processors and enough
	// work, run them side by side (each may split into bands as well).
	if runtime.GOMAXPROCS(0) > 1 && b.Dy()*w+w*h > lzParallelMin {
		var wg sync.WaitGroup
		wg.Go(func() { lzRun(cbJob); lzRun(crJob) })
		lzRun(lumaJob)
		wg.Wait()
	} else {
		lzRun(lumaJob)
		lzRun(cbJob)
		lzRun(crJob)
	}
	return out
}

// lzPlanarJobs returns lanczosResizeYCbCr's output for an sw×sh picture
// with the given (known) subsampling resampled to w×h, and the jobs that
// write its luma, Cb and Cr planes; rows(p, y, n) returns row y, n
// samples, of the source's plane p (0 luma, 1 Cb, 2 Cr), for the jobs to
// read.
func lzPlanarJobs(ratio image.YCbCrSubsampleRatio, sw, sh, w, h int, rows func(p, y, n int) []byte) (*image.YCbCr, [3]*lzJob) {
	fx, fy := lzChromaFactors(ratio)
	out := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)

	luma := &lzSource{w: sw, h: sh, format: lzGray, bytes: func(y int, _ []byte) []byte { return rows(0, y, sw) }}
	jobs := [3]*lzJob{{src: luma, kx: newLzKernel(w, sw, lzBitsHi), ky: newLzKernel(h, sh, lzBitsHi),
		pix: out.Y, stride: out.YStride}}

	cw, ch := (sw+fx-1)/fx, (sh+fy-1)/fy
	dcw, dch := (w+1)/2, (h+1)/2
	kx := newLzKernelScale(dcw, cw, 2*float64(sw)/float64(w)/float64(fx), lzBits)
	ky := newLzKernelScale(dch, ch, 2*float64(sh)/float64(h)/float64(fy), lzBits)
	chroma := func(p int, pix []byte) *lzJob {
		src := &lzSource{w: cw, h: ch, format: lzPlane, bytes: func(y int, _ []byte) []byte { return rows(p, y, cw) }}
		return &lzJob{src: src, kx: kx, ky: ky, pix: pix, stride: out.CStride}
	}
	jobs[1], jobs[2] = chroma(1, out.Cb), chroma(2, out.Cr)
	return out, jobs
}
