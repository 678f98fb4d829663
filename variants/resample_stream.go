package variants

import (
	"errors"
	"fmt"
	"image"
)

// stripResampler resamples a picture that arrives in horizontal strips, top
// to bottom, to w×h, holding only the source rows it still needs: for each
// plane it filters, a window of the rows from the lowest one a later
// output row may read up to the last one fed, besides the output image and
// the rings of filtered rows the band code keeps (lzRing). The result is
// lanczosResample's of the whole picture, to the bit: the same jobs
// (lzPlanarJobs, newLzResize) run by the same row code (lzRows), on one
// goroutine, each output row computed as soon as the source rows it reads
// (lzRowsNeeded) have arrived.
//
// It takes *image.Gray and *image.YCbCr pictures of the subsamplings
// lzChromaFactors knows. A YCbCr picture comes out as lanczosResample
// gives it: a 4:2:0 *image.YCbCr when it is reduced (or kept) in both
// directions, an *image.NRGBA otherwise; a Gray one as an *image.Gray.
type stripResampler struct {
	sw, sh int
	gray   bool                      // *image.Gray strips, else *image.YCbCr
	ratio  image.YCbCrSubsampleRatio // the YCbCr strips' subsampling
	fy     int                       // rows of a chroma sample (1 for Gray)
	fed    int                       // rows fed so far
	out    image.Image

	// copyRows copies the rows of a strip (checked by feed) into the
	// windows; planes are the jobs that read them, in the order their
	// windows are numbered.
	copyRows func(strip image.Image)
	planes   []*lzStripPlane
}

// lzStripPlane is one job of a stripResampler: its row function, the next
// output row, and the window its source reads.
type lzStripPlane struct {
	j    *lzJob
	row  func(y int)
	next int
	fy   int // picture rows a row of this plane's source covers
	// low[y] is the lowest source row that output rows y.. read: a kernel's
	// starts do not decrease in practice, but nothing promises it.
	low []int
	// drop forgets the source rows below lo in the window the job reads.
	drop func(lo int)
}

// newStripResampler returns a resampler of an sw×sh picture, whose strips
// are images of the same type and layout as first (the first strip), to
// w×h; ok is false when it cannot take that kind of picture (then the
// caller decodes whole and uses lanczosResample).
//
// It takes *image.Gray and *image.YCbCr of a subsampling
// lzChromaFactors knows, all sizes at least 1; first is not kept, nor fed.
func newStripResampler(sw, sh int, first image.Image, w, h int) (r *stripResampler, ok bool) {
	if sw < 1 || sh < 1 || w < 1 || h < 1 {
		return nil, false
	}
	r = &stripResampler{sw: sw, sh: sh, fy: 1}
	switch m := first.(type) {
	case *image.Gray:
		r.gray = true
		win := newLzWindow[byte](sw)
		j, out := newLzResize(&lzSource{w: sw, h: sh, format: lzGray,
			bytes: func(y int, _ []byte) []byte { return win.row(y) }}, w, h)
		r.out = out
		r.addPlane(j, 1, win.drop)
		r.copyRows = func(strip image.Image) {
			s := strip.(*image.Gray)
			for y := s.Rect.Min.Y; y < s.Rect.Max.Y; y++ {
				o := s.PixOffset(0, y)
				copy(win.add(), s.Pix[o:o+sw])
			}
		}
	case *image.YCbCr:
		fx, fy := lzChromaFactors(m.SubsampleRatio)
		if fx == 0 {
			return nil, false
		}
		r.ratio, r.fy = m.SubsampleRatio, fy
		if lzPlanar(m.SubsampleRatio, image.Rect(0, 0, sw, sh), w, h) {
			r.planarYCbCr(fx, w, h)
		} else {
			r.packedYCbCr(w, h)
		}
	default:
		return nil, false
	}
	return r, true
}

// planarYCbCr sets r up for lanczosResizeYCbCr's path.
func (r *stripResampler) planarYCbCr(fx, w, h int) {
	sw, fy := r.sw, r.fy
	cw := (sw + fx - 1) / fx
	wins := [3]*lzWindow[byte]{newLzWindow[byte](sw), newLzWindow[byte](cw), newLzWindow[byte](cw)}
	out, jobs := lzPlanarJobs(r.ratio, sw, r.sh, w, h, func(p, y, _ int) []byte { return wins[p].row(y) })
	r.out = out
	r.addPlane(jobs[0], 1, wins[0].drop)
	r.addPlane(jobs[1], fy, wins[1].drop)
	r.addPlane(jobs[2], fy, wins[2].drop)
	r.copyRows = func(strip image.Image) {
		s := strip.(*image.YCbCr)
		for y := s.Rect.Min.Y; y < s.Rect.Max.Y; y++ {
			o := s.YOffset(0, y)
			copy(wins[0].add(), s.Y[o:o+sw])
		}
		// Chroma rows whole: feed checked that the strip starts on one
		// and ends on one or at the bottom.
		for cy := s.Rect.Min.Y / fy; cy < (s.Rect.Max.Y+fy-1)/fy; cy++ {
			o := s.COffset(0, cy*fy)
			copy(wins[1].add(), s.Cb[o:o+cw])
			copy(wins[2].add(), s.Cr[o:o+cw])
		}
	}
}

// packedYCbCr sets r up for lanczosResize's path: the rows converted to
// packed RGB (ycbcrRowReader) as they arrive.
func (r *stripResampler) packedYCbCr(w, h int) {
	win := newLzWindow[uint64](r.sw)
	j, out := newLzResize(&lzSource{w: r.sw, h: r.sh, format: lzPacked,
		packed: func(y int, _ []uint64, _ []byte) []uint64 { return win.row(y) }}, w, h)
	r.out = out
	r.addPlane(j, 1, win.drop)
	r.copyRows = func(strip image.Image) {
		s := strip.(*image.YCbCr)
		read := ycbcrRowReader(s)
		for y := range s.Rect.Dy() {
			read(y, win.add(), nil)
		}
	}
}

// addPlane adds job j, whose source rows each cover fy rows of the
// picture and are read from a window that drop trims.
func (r *stripResampler) addPlane(j *lzJob, fy int, drop func(lo int)) {
	starts := j.ky.start
	low := make([]int, len(starts))
	m := j.src.h
	for y := len(starts) - 1; y >= 0; y-- {
		m = min(m, starts[y])
		low[y] = m
	}
	r.planes = append(r.planes, &lzStripPlane{j: j, row: lzRows(j), fy: fy, low: low, drop: drop})
}

// feed takes the next strip: its Bounds() are Rect(0, y0, sw, y1) with y0
// the number of rows fed so far; the strip's memory may be reused by the
// caller after feed returns (copy what you keep).
//
// The strip must be of the type (and YCbCr subsampling) of the first, with
// at least one row, y1 ≤ sh, and, for a YCbCr subsampled vertically by
// fy, y1 a multiple of fy unless it is sh (y0 then always is one). A
// strip that breaks these is refused with an error and changes nothing.
func (r *stripResampler) feed(strip image.Image) error {
	if err := r.check(strip); err != nil {
		return err
	}
	r.copyRows(strip)
	r.fed = strip.Bounds().Max.Y
	for _, p := range r.planes {
		// The plane's rows fed so far: chroma rows are whole, or the last.
		fed := (r.fed + p.fy - 1) / p.fy
		h := len(p.j.ky.start)
		for p.next < h && lzRowsNeeded(p.j, p.next) <= fed {
			p.row(p.next)
			p.next++
		}
		lo := fed
		if p.next < h {
			lo = min(lo, p.low[p.next])
		}
		p.drop(lo)
	}
	return nil
}

// check returns why feed refuses strip, or nil.
func (r *stripResampler) check(strip image.Image) error {
	switch m := strip.(type) {
	case *image.Gray:
		if m == nil {
			return errors.New("variants: nil strip")
		}
	case *image.YCbCr:
		if m == nil {
			return errors.New("variants: nil strip")
		}
	case nil:
		return errors.New("variants: nil strip")
	}
	b := strip.Bounds()
	if r.fed == r.sh {
		return fmt.Errorf("variants: strip %v after all %d rows", b, r.sh)
	}
	if b.Min != image.Pt(0, r.fed) || b.Max.X != r.sw || b.Max.Y <= r.fed || b.Max.Y > r.sh {
		return fmt.Errorf("variants: strip %v, want Rect(0, %d, %d, y1) with %d < y1 ≤ %d", b, r.fed, r.sw, r.fed, r.sh)
	}
	if r.gray {
		m, ok := strip.(*image.Gray)
		if !ok {
			return fmt.Errorf("variants: strip of type %T, want *image.Gray", strip)
		}
		if m.Stride < r.sw || len(m.Pix) < m.PixOffset(0, b.Max.Y-1)+r.sw {
			return errors.New("variants: strip's pixels shorter than its bounds")
		}
		return nil
	}
	m, ok := strip.(*image.YCbCr)
	if !ok {
		return fmt.Errorf("variants: strip of type %T, want *image.YCbCr", strip)
	}
	if m.SubsampleRatio != r.ratio {
		return fmt.Errorf("variants: strip subsampled %v, want %v", m.SubsampleRatio, r.ratio)
	}
	if b.Max.Y%r.fy != 0 && b.Max.Y != r.sh {
		return fmt.Errorf("variants: strip %v ends inside a chroma row (%d rows each)", b, r.fy)
	}
	fx, _ := lzChromaFactors(r.ratio)
	cw := (r.sw + fx - 1) / fx
	if m.YStride < r.sw || m.CStride < cw || len(m.Y) < m.YOffset(0, b.Max.Y-1)+r.sw ||
		len(m.Cb) < m.COffset(0, b.Max.Y-1)+cw || len(m.Cr) < m.COffset(0, b.Max.Y-1)+cw {
		return errors.New("variants: strip's planes shorter than its bounds")
	}
	return nil
}

// result returns the w×h picture once all sh rows have been fed (an
// error before): what lanczosResample gives for the whole picture.
func (r *stripResampler) result() (image.Image, error) {
	if r.fed < r.sh {
		return nil, fmt.Errorf("variants: %d of %d rows fed", r.fed, r.sh)
	}
	for _, p := range r.planes {
		if p.next < len(p.j.ky.start) {
			// Cannot happen: every output row reads rows below sh.
			return nil, fmt.Errorf("variants: %d of %d output rows made", p.next, len(p.j.ky.start))
		}
	}
	return r.out, nil
}

// lzWindow holds consecutive rows lo..hi−1 of a plane, w elements each,
// in a ring of row buffers that grows when it is full: the source rows of
// a stripResampler's plane that are still to be read.
type lzWindow[T any] struct {
	w      int
	lo, hi int
	slots  [][]T // row y in slots[y%len(slots)]
}

func newLzWindow[T any](w int) *lzWindow[T] { return &lzWindow[T]{w: w} }

// add returns the storage of row hi, which it then holds.
func (b *lzWindow[T]) add() []T {
	if b.hi-b.lo == len(b.slots) {
		n := max(2*len(b.slots), 8)
		slots := make([][]T, n)
		for y := b.lo; y < b.hi; y++ {
			slots[y%n] = b.slots[y%len(b.slots)]
		}
		b.slots = slots
	}
	s := &b.slots[b.hi%len(b.slots)]
	if *s == nil {
		*s = make([]T, b.w)
	}
	b.hi++
	return *s
}

// row returns row y, which the window must hold.
func (b *lzWindow[T]) row(y int) []T {
	if y < b.lo || y >= b.hi {
		panic(fmt.Sprintf("variants: row %d read outside the strip window %d..%d", y, b.lo, b.hi-1))
	}
	return b.slots[y%len(b.slots)]
}

// drop forgets the rows below lo (at most all of them), keeping their
// buffers for later rows.
func (b *lzWindow[T]) drop(lo int) { b.lo = max(b.lo, min(lo, b.hi)) }
