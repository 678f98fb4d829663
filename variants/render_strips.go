package variants

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// Strips is a picture that a decoder hands over in horizontal strips (see
// codecs.DecodeStrips), as RenderStrips takes it.
type Strips struct {
	// Size is the picture's size as stored, at the scale it is decoded
	// at: the size of the image Whole returns.
	Size image.Point
	// Deliver decodes the picture, calling emit with each strip, top to
	// bottom: an *image.YCbCr or *image.Gray of width Size.X, whose bounds
	// start on the row where the previous strip's ended. A strip may be
	// reused once emit returns, and an error from emit stops Deliver,
	// which returns it. Deliver reports ok false, having never called
	// emit, for a picture it cannot deliver in strips.
	Deliver func(emit func(strip image.Image) error) (ok bool, err error)
	// Whole decodes the whole picture, for when strips will not do.
	Whole func() (image.Image, error)
}

// RenderStrips is RenderStored for a source that a decoder can hand over
// in strips. When a single spec starts from the source and its first
// processor is a Fit or a Resize that shrinks it (the largest variant,
// which the others are then made from), that resample runs on the strips
// as they are decoded, and the source is never held whole: only the
// resampled picture and the few rows the filter still needs. Otherwise,
// or when the picture cannot be delivered in strips, src.Whole decodes it
// and RenderStored renders from it. The images emitted are RenderStored's
// from the whole picture, to the bit. The picture is decoded even when
// specs is empty, which checks it.
func RenderStrips(ctx context.Context, src Strips, o int, full image.Point, specs []Spec, concurrency int, emit func(i int, img image.Image) error) error {
	if o < 2 || o > 8 {
		o = 1
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if i, w, h, ok := stripSpec(src.Size, o, full, specs); ok {
		img, err := resampleStrips(src, w, h)
		if err != nil {
			return err
		}
		if img != nil {
			return renderStored(ctx, nil, src.Size, map[int]image.Image{i: img}, o, full, specs, concurrency, emit)
		}
	}
	img, err := src.Whole()
	if err != nil {
		return err
	}
	return RenderStored(ctx, img, o, full, specs, concurrency, emit)
}

// StripsMemory reports whether RenderStrips would resample one of specs
// from the strips of a source of size stored (at the scale it is decoded
// at; o and full as RenderStrips takes them) rather than from the whole
// picture, and if so a bound on what that resample holds beside the
// decoder's memory: its window of source rows (the Lanczos taps of the
// shrink plus a strip of up to 32 rows, in a ring that may grow to twice
// that, 3 bytes a pixel for 4:4:4 planes), its weights, and the resampled
// picture with one oriented copy (3 bytes a pixel each, at most). The
// variants made from that picture are smaller still.
func StripsMemory(stored image.Point, o int, full image.Point, specs []Spec) (int64, bool) {
	if o < 2 || o > 8 {
		o = 1
	}
	_, w, h, ok := stripSpec(stored, o, full, specs)
	if !ok {
		return 0, false
	}
	// Lanczos-3 reads 3 source samples either side per output step,
	// widened by the shrink (newLzKernelScale).
	taps := func(from, to int) int64 { return int64(2*3*((from+to-1)/to) + 2) }
	rows := 2 * (taps(stored.Y, h) + 32)
	weights := 8 * (int64(w)*taps(stored.X, w) + int64(h)*taps(stored.Y, h))
	return rows*int64(stored.X)*3 + weights + int64(w)*int64(h)*6 + 64<<10, true
}

// stripSpec finds the spec that RenderStrips resamples strip by strip for
// a source of size stored (as stored, o turning it upright into a full
// picture): the only spec that planRender starts from the source, when it
// starts with a valid Fit or Resize that shrinks the source in at least
// one direction without box-reducing it first; w×h is its resample size,
// as stored.
func stripSpec(stored image.Point, o int, full image.Point, specs []Spec) (i, w, h int, ok bool) {
	size := stored
	if o >= 5 {
		size = image.Pt(size.Y, size.X)
	}
	if size.X <= 0 || size.Y <= 0 || size.X > full.X || size.Y > full.Y {
		return 0, 0, 0, false // RenderStored reports it
	}
	plan := planRender(size, full, specs)
	i = -1
	for j := range specs {
		if plan.from[j] < 0 {
			if i >= 0 {
				return 0, 0, 0, false
			}
			i = j
		}
	}
	if i < 0 || !rescaleFirst(specs[i]) || plan.reduce[i] != 1 {
		return 0, 0, 0, false
	}
	r, sfull := storedRescale(specs[i], o, full)
	if v, ok := r.(interface{ validate() error }); !ok || v.validate() != nil {
		return 0, 0, 0, false // the whole-picture path reports the error
	}
	w, h = r.ResampleSize(sfull.X, sfull.Y)
	if w <= 0 || h <= 0 || w > stored.X || h > stored.Y || (w == stored.X && h == stored.Y) {
		return 0, 0, 0, false
	}
	return i, w, h, true
}

// errNotStrips stops a delivery whose strips the resampler cannot take.
var errNotStrips = errors.New("variants: strips of an unsupported kind")

// resampleStrips resamples the picture src delivers to w×h, strip by
// strip. It returns nil and no error when the picture is not delivered in
// strips, or in strips the resampler does not take; a panic in the
// resampler is an error.
func resampleStrips(src Strips, w, h int) (image.Image, error) {
	var r *stripResampler
	ok, err := src.Deliver(func(strip image.Image) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("variants: resampling strips panicked: %v", v)
			}
		}()
		if r == nil {
			var can bool
			if r, can = newStripResampler(src.Size.X, src.Size.Y, strip, w, h); !can {
				return errNotStrips
			}
		}
		return r.feed(strip)
	})
	switch {
	case errors.Is(err, errNotStrips), err == nil && !ok:
		return nil, nil
	case err != nil:
		return nil, err
	case r == nil:
		return nil, errors.New("variants: the decoder delivered no strips")
	}
	return r.result()
}
