package variants

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"slices"
	"sync"
)

// AdequateScale is how much larger than its resample size an already-made
// image must be for Render to start a Resampler from it instead of from a
// larger one: resampling from at least twice the target keeps Lanczos
// quality (Pillow's reducing_gap uses the same factor).
const AdequateScale = 2

// Need returns the smallest source size from which Render can make every
// spec for a full×full picture without loss: the largest of
// AdequateScale × ResampleSize over the specs whose first processor is a
// Resampler, capped at full, or full itself if any spec starts with another
// processor (or has none). A decoder that can decode at a reduced scale may
// decode to any size at least Need.
//
// With no specs at all nothing needs any pixels, and Need is the zero Point.
func Need(full image.Point, specs []Spec) image.Point {
	var need image.Point
	for _, s := range specs {
		r, ok := firstResampler(s)
		if !ok {
			return full
		}
		rw, rh := r.ResampleSize(full.X, full.Y)
		need.X = max(need.X, AdequateScale*rw)
		need.Y = max(need.Y, AdequateScale*rh)
	}
	need.X = min(need.X, full.X)
	need.Y = min(need.Y, full.Y)
	return need
}

// firstResampler returns s's first processor if it is a Resampler.
func firstResampler(s Spec) (Resampler, bool) {
	if len(s.Processors) == 0 || s.Processors[0] == nil {
		return nil, false
	}
	r, ok := s.Processors[0].(Resampler)
	return r, ok
}

// pureRescale reports whether s is a single Fit or Resize: its image is the
// whole picture, rescaled, that other specs may start from.
func pureRescale(s Spec) bool {
	if len(s.Processors) != 1 {
		return false
	}
	switch s.Processors[0].(type) {
	case Fit, Resize:
		return true
	}
	return false
}

// renderPlan is the order Render starts specs in and what each starts
// from. It depends only on the sizes and the specs, so a Render is
// deterministic: each spec's image is the same however the goroutines are
// scheduled.
type renderPlan struct {
	// order lists the specs by descending resample size (specs that need
	// the whole picture first, ties in spec order). A spec only ever
	// starts from the image of a spec before it.
	order []int
	// from[i] is the spec whose image spec i starts from, or -1 for src.
	from []int
	// keep[i] reports whether some spec starts from spec i's image.
	keep []bool
	// reduce[i], for a spec starting from src, is the factor by which src
	// is box-reduced first (see reduceFactor); 1 means not at all.
	reduce []int
}

// planRender plans the specs for a src of size srcSize, the whole picture
// being full.
func planRender(srcSize, full image.Point, specs []Spec) renderPlan {
	n := len(specs)
	p := renderPlan{order: make([]int, n), from: make([]int, n), keep: make([]bool, n), reduce: make([]int, n)}
	rs := make([]image.Point, n)
	resamples := make([]bool, n)
	for i, s := range specs {
		p.order[i] = i
		p.from[i] = -1
		p.reduce[i] = 1
		if r, ok := firstResampler(s); ok {
			resamples[i] = true
			rs[i].X, rs[i].Y = r.ResampleSize(full.X, full.Y)
		}
	}
	area := func(q image.Point) int64 { return int64(q.X) * int64(q.Y) }
	rank := func(i int) int64 {
		if !resamples[i] {
			return math.MinInt64 // before every resampler
		}
		return -area(rs[i])
	}
	slices.SortStableFunc(p.order, func(a, b int) int { return cmp.Compare(rank(a), rank(b)) })

	srcArea := area(srcSize)
	for pos, i := range p.order {
		if !resamples[i] {
			continue
		}
		best, bestArea := -1, srcArea
		for _, j := range p.order[:pos] {
			if !pureRescale(specs[j]) {
				continue
			}
			o := rs[j] // the size of spec j's image
			if o.X <= srcSize.X && o.Y <= srcSize.Y && area(o) < bestArea &&
				int64(o.X) >= AdequateScale*int64(rs[i].X) && int64(o.Y) >= AdequateScale*int64(rs[i].Y) {
				best, bestArea = j, area(o)
			}
		}
		p.from[i] = best
		if best >= 0 {
			p.keep[best] = true
		} else {
			p.reduce[i] = reduceFactor(srcSize, rs[i])
		}
	}
	return p
}

// sources returns the images the specs starting from src start from, for
// a box-reduction factor k (1: none; see boxReduce): stored(k), src as
// stored, and upright(k), src turned upright by orientation o. Each is made
// once, when first asked for, and shared.
func sources(src image.Image, o int, plan renderPlan) (stored, upright func(k int) image.Image) {
	type pair struct{ stored, upright func() image.Image }
	made := map[int]*pair{}
	for _, k := range plan.reduce {
		if made[k] != nil {
			continue
		}
		p := &pair{stored: func() image.Image { return src }}
		if k > 1 {
			p.stored = sync.OnceValue(func() image.Image { return boxReduce(src, k) })
		}
		p.upright = p.stored
		if o != 1 {
			p.upright = sync.OnceValue(func() image.Image { return Orient(p.stored(), o) })
		}
		made[k] = p
	}
	return func(k int) image.Image { return made[k].stored() },
		func(k int) image.Image { return made[k].upright() }
}

// Render makes the image of every spec from src, the oriented source at
// full size or reduced to at least Need(full, specs) (full is the size of
// the whole oriented picture). It calls emit(i, img) with spec i's image
// (before encoding) as each one is ready, from up to concurrency goroutines
// at once (≤ 0 means GOMAXPROCS); emit must not modify img.
//
// Each spec starts from the smallest image already made that is adequate:
// src, or the image of a spec that is a single Fit or Resize (a pure
// rescale of the whole picture), when it is at least AdequateScale times
// the spec's ResampleSize. Specs that depend on no other run concurrently.
// Render stops at the first error (from a processor, from emit, or ctx) and
// returns it after every started goroutine has finished.
//
// Specs are started in order of descending resample size (those needing
// the whole picture first) as slots free up, and a spec made from another's
// image waits for it (other specs go ahead), so which image each spec
// starts from depends only on the sizes, never on scheduling; with
// concurrency 1, the order of emit is fixed too. A processor that panics makes Render return an error
// naming the spec and the processor; a panic in emit is raised again in
// Render's caller once the other goroutines have finished. It is an error
// to give a reduced src when a spec needs the whole picture (see Need).
func Render(ctx context.Context, src image.Image, full image.Point, specs []Spec, concurrency int, emit func(i int, img image.Image) error) error {
	return RenderStored(ctx, src, 1, full, specs, concurrency, emit)
}

// RenderStored is Render for a source not yet turned upright: src is the
// picture as stored, which EXIF orientation o (see Orient) turns into the
// displayed one, full×full when whole. The images emitted are upright, as
// Render's. A spec that starts with a Fit or a Resize is resampled in the
// stored orientation (its box turned with the picture) and only its result
// is turned, which is the same picture for far less work than turning the
// whole source first; the other specs start from the source turned upright,
// once, when the first of them needs it.
func RenderStored(ctx context.Context, src image.Image, o int, full image.Point, specs []Spec, concurrency int, emit func(i int, img image.Image) error) error {
	if o < 2 || o > 8 {
		o = 1
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(specs) == 0 {
		return nil
	}
	if src == nil {
		return errors.New("variants: Render: nil source image")
	}
	return renderStored(ctx, src, src.Bounds().Size(), nil, o, full, specs, concurrency, emit)
}

// renderStored is RenderStored (o in 1…8, specs not empty) for a source
// of size stored as stored, whose specs in pre (if any) start from the
// given image: the source already resampled, in the stored orientation,
// by the spec's first processor (see RenderStrips). src is only read by
// the specs that start from it and are not in pre, and may be nil when
// there are none.
func renderStored(ctx context.Context, src image.Image, stored image.Point, pre map[int]image.Image, o int, full image.Point, specs []Spec, concurrency int, emit func(i int, img image.Image) error) error {
	size := stored // as displayed
	if o >= 5 {
		size = image.Pt(size.Y, size.X)
	}
	switch {
	case size.X <= 0 || size.Y <= 0:
		return errors.New("variants: Render: empty source image")
	case size.X > full.X || size.Y > full.Y:
		return fmt.Errorf("variants: Render: source %dx%d is larger than the full picture %dx%d", size.X, size.Y, full.X, full.Y)
	}
	if size != full {
		for _, s := range specs {
			if _, ok := firstResampler(s); !ok {
				return fmt.Errorf("variants: Render: spec %q needs the whole %dx%d picture, not a reduced %dx%d one", s.Name, full.X, full.Y, size.X, size.Y)
			}
		}
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	plan := planRender(size, full, specs)
	storedAt, upright := sources(src, o, plan)

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		made     int
		panicked bool
		panicVal any
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	images := make([]image.Image, len(specs))
	finished := make(chan int, len(specs)) // never blocks

	run := func(i int) {
		defer wg.Done()
		defer func() { finished <- i }()
		var start image.Image
		render := renderSpec
		switch d, k := plan.from[i], plan.reduce[i]; {
		case d >= 0:
			start = images[d]
		case pre[i] != nil:
			start = pre[i]
			render = func(ctx context.Context, s Spec, start image.Image, _ image.Point) (image.Image, error) {
				return runProcessors(ctx, s, Orient(start, o), 1)
			}
		case o != 1 && rescaleFirst(specs[i]):
			start = storedAt(k)
			render = func(ctx context.Context, s Spec, start image.Image, full image.Point) (image.Image, error) {
				return renderTurned(ctx, s, start, o, full)
			}
		default:
			start = upright(k)
		}
		if err := rctx.Err(); err != nil || start == nil {
			fail(cmp.Or(err, errors.New("variants: Render: no source image"))) // start is nil only if its spec failed
			return
		}
		out, err := render(rctx, specs[i], start, full)
		if err != nil {
			fail(err)
			return
		}
		if plan.keep[i] {
			images[i] = out // read by the specs started after i finished
		}
		// ctx first: a parent's cancellation reaches rctx a moment after
		// ctx's Done is closed, and a processor may have seen that already.
		if err := cmp.Or(ctx.Err(), rctx.Err()); err != nil {
			fail(err)
			return
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					if !panicked {
						panicked, panicVal = true, v
					}
					mu.Unlock()
					err = fmt.Errorf("variants: Render: emit panicked: %v", v)
				}
			}()
			err = emit(i, out)
		}()
		if err != nil {
			fail(err)
			return
		}
		mu.Lock()
		made++
		mu.Unlock()
	}

	// Start specs in plan order as soon as their source image is made and
	// a slot is free; the running count is the semaphore. A spec's source
	// is always earlier in the plan, so there is always one to start or
	// one running.
	pending := slices.Clone(plan.order)
	finishedSpec := make([]bool, len(specs))
	running := 0
	for len(pending) > 0 && rctx.Err() == nil {
		rest := pending[:0]
		for _, i := range pending {
			if d := plan.from[i]; running < concurrency && (d < 0 || finishedSpec[d]) {
				running++
				wg.Add(1)
				go run(i)
			} else {
				rest = append(rest, i)
			}
		}
		pending = rest
		if len(pending) == 0 {
			break
		}
		select {
		case i := <-finished:
			running--
			finishedSpec[i] = true
		case <-rctx.Done():
		}
	}
	wg.Wait()

	if panicked {
		panic(panicVal)
	}
	if firstErr != nil {
		return firstErr
	}
	if made < len(specs) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("variants: Render: stopped before every spec was made") // not reached
	}
	return nil
}

// renderSpec makes spec s's image from start, the whole picture (full
// pixels wide and high) at full size or smaller. A smaller start is only
// given to a spec whose first processor is a Resampler. ctx is checked
// between processors; a processor's panic is returned as an error.
func renderSpec(ctx context.Context, s Spec, start image.Image, full image.Point) (image.Image, error) {
	if len(s.Processors) == 0 {
		return start, nil
	}
	p := s.Processors[0]
	var img image.Image
	var err error
	if r, ok := p.(Resampler); ok && start.Bounds().Size() != full {
		img, err = safely(func() (image.Image, error) { return r.ProcessScaled(start, full.X, full.Y) })
		if err == nil && img == nil {
			err = fmt.Errorf("%s returned no image", describe(p))
		}
	} else {
		img, err = safely(func() (image.Image, error) { return runProcessor(p, start) })
	}
	if err != nil {
		return nil, fmt.Errorf("variants: %s: processors[0]: %w", s.Name, err)
	}
	return runProcessors(ctx, s, img, 1)
}

// rescaleFirst reports whether s starts with a Fit or a Resize, whose
// image is the same whether the picture is turned before or after.
func rescaleFirst(s Spec) bool {
	if len(s.Processors) == 0 {
		return false
	}
	switch s.Processors[0].(type) {
	case Fit, Resize:
		return true
	}
	return false
}

// renderTurned makes spec s, which starts with a Fit or a Resize, from
// start, the whole picture as stored (at full size or reduced), which
// orientation o turns upright into a full×full one: the first processor
// runs on the stored picture with its box turned the same way, its result
// is turned upright, and the other processors run on that.
func renderTurned(ctx context.Context, s Spec, start image.Image, o int, full image.Point) (image.Image, error) {
	r, sfull := storedRescale(s, o, full)
	img, err := safely(func() (image.Image, error) { return r.ProcessScaled(start, sfull.X, sfull.Y) })
	if err == nil && img == nil {
		err = fmt.Errorf("%s returned no image", describe(s.Processors[0]))
	}
	if err != nil {
		return nil, fmt.Errorf("variants: %s: processors[0]: %w", s.Name, err)
	}
	img = Orient(img, o)
	return runProcessors(ctx, s, img, 1)
}

// storedRescale returns the first processor of s, a Fit or a Resize,
// with its box turned as orientation o turns the picture, and the size of
// the whole picture as stored, full being its size upright: resampling the
// stored picture with them and turning the result upright gives what the
// processor makes of the upright picture.
func storedRescale(s Spec, o int, full image.Point) (r Resampler, sfull image.Point) {
	sfull = full
	switch p := s.Processors[0].(type) {
	case Fit:
		if o >= 5 {
			p.Width, p.Height = p.Height, p.Width
			sfull = image.Pt(full.Y, full.X)
		}
		r = p
	case Resize:
		if o >= 5 {
			p.Width, p.Height = p.Height, p.Width
			sfull = image.Pt(full.Y, full.X)
		}
		r = p
	}
	return r, sfull
}

// runProcessors runs s's processors from index first on img, checking ctx
// between them.
func runProcessors(ctx context.Context, s Spec, img image.Image, first int) (image.Image, error) {
	for k := first; k < len(s.Processors); k++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := s.Processors[k]
		out, err := safely(func() (image.Image, error) { return runProcessor(p, img) })
		if err != nil {
			return nil, fmt.Errorf("variants: %s: processors[%d]: %w", s.Name, k, err)
		}
		img = out
	}
	return img, nil
}

// safely calls fn, turning a panic into an error.
func safely(fn func() (image.Image, error)) (img image.Image, err error) {
	defer func() {
		if v := recover(); v != nil {
			img = nil
			if e, ok := v.(error); ok {
				err = fmt.Errorf("panic: %w", e)
			} else {
				err = fmt.Errorf("panic: %v", v)
			}
		}
	}()
	return fn()
}
