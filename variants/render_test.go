package variants_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

func spec(name string, ps ...variants.Processor) variants.Spec {
	return variants.Spec{Name: name, Processors: ps}
}

func TestNeed(t *testing.T) {
	full := image.Pt(4000, 3000)
	fit := func(w, h int) variants.Processor { return variants.Fit{Width: w, Height: h} }
	for _, tc := range []struct {
		name  string
		specs []variants.Spec
		want  image.Point
	}{
		{"no specs", nil, image.Point{}},
		{"one fit", []variants.Spec{spec("s", fit(400, 400))}, image.Pt(800, 600)},
		{"small and medium", []variants.Spec{spec("s", fit(400, 400)), spec("m", fit(1000, 1000))}, image.Pt(2000, 1500)},
		{"fit then post-ops", []variants.Spec{spec("s", fit(400, 400), variants.Grayscale{}, variants.Rotate{Angle: 90})}, image.Pt(800, 600)},
		{"fill covers", []variants.Spec{spec("t", variants.Fill{Width: 100, Height: 300})}, image.Pt(800, 600)},
		{"resize distorts", []variants.Spec{spec("r", variants.Resize{Width: 100, Height: 1000})}, image.Pt(200, 2000)},
		{"pad", []variants.Spec{spec("p", variants.Pad{Width: 300, Height: 300})}, image.Pt(600, 450)},
		{"capped at full", []variants.Spec{spec("l", fit(3000, 3000))}, full},
		{"capped per side", []variants.Spec{spec("r", variants.Resize{Width: 100, Height: 2000})}, image.Pt(200, 3000)},
		{"crop needs the whole picture", []variants.Spec{spec("s", fit(100, 100)), spec("c", variants.Crop{Width: 10, Height: 10})}, full},
		{"post-op first needs the whole picture", []variants.Spec{spec("g", variants.Grayscale{}, fit(10, 10))}, full},
		{"no processors needs the whole picture", []variants.Spec{spec("s", fit(100, 100)), spec("copy")}, full},
		{"nil processor", []variants.Spec{spec("n", nil)}, full},
	} {
		if got := variants.Need(full, tc.specs); got != tc.want {
			t.Errorf("%s: Need = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// collect renders specs from src and returns the images by spec index.
func collect(t *testing.T, src image.Image, full image.Point, specs []variants.Spec, concurrency int) []image.Image {
	t.Helper()
	out := make([]image.Image, len(specs))
	var mu sync.Mutex
	err := variants.Render(context.Background(), src, full, specs, concurrency, func(i int, img image.Image) error {
		mu.Lock()
		defer mu.Unlock()
		if out[i] != nil {
			return fmt.Errorf("spec %d emitted twice", i)
		}
		out[i] = img
		return nil
	})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	for i, img := range out {
		if img == nil {
			t.Fatalf("spec %d (%s) was not emitted", i, specs[i].Name)
		}
	}
	return out
}

func TestRenderMakesEverySpec(t *testing.T) {
	src := testimage.Pattern(800, 600)
	specs := []variants.Spec{
		spec("small", variants.Fit{Width: 100, Height: 100}),
		spec("medium", variants.Fit{Width: 400, Height: 400}),
		spec("thumb", variants.Fill{Width: 20, Height: 20}),
		spec("crop", variants.Crop{Width: 50, Height: 40, Anchor: variants.TopLeft}),
		spec("pad", variants.Pad{Width: 120, Height: 120, Background: white}),
		spec("wide", variants.Resize{Width: 300}),
		spec("big", variants.Fit{Width: 2000, Height: 2000}),
		spec("turned", variants.Fit{Width: 200, Height: 200}, variants.Rotate{Angle: 90}),
		spec("grey", variants.Grayscale{}),
		spec("copy"),
	}
	want := []image.Point{{100, 75}, {400, 300}, {20, 20}, {50, 40}, {120, 120}, {300, 225}, {800, 600}, {150, 200}, {800, 600}, {800, 600}}
	for _, c := range []int{1, 3, 0} {
		t.Run(fmt.Sprintf("concurrency %d", c), func(t *testing.T) {
			out := collect(t, src, image.Pt(800, 600), specs, c)
			for i, img := range out {
				if s := img.Bounds().Size(); s != want[i] {
					t.Errorf("%s: size %v, want %v", specs[i].Name, s, want[i])
				}
			}
			checkQuadrants(t, out[0], asIs)
			checkQuadrants(t, out[2], asIs)
			checkQuadrants(t, out[3], [4]color.NRGBA{red, red, red, red})
			checkQuadrants(t, out[7], [4]color.NRGBA{green, yellow, red, blue})
			if out[9] != image.Image(src) {
				t.Errorf("a spec without processors did not get src itself")
			}
		})
	}
}

// probeLog records what a probe was given.
type probeLog struct {
	mu    sync.Mutex
	calls []probeCall
}

type probeCall struct {
	src    image.Point // size of the image given
	full   image.Point // the full size, for ProcessScaled; src for Process
	scaled bool
}

func (l *probeLog) add(c probeCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

func (l *probeLog) only(t *testing.T) probeCall {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) != 1 {
		t.Fatalf("probe called %d times, want once", len(l.calls))
	}
	return l.calls[0]
}

// probe is a Resampler that records the image it starts from and then
// does what R does.
type probe struct {
	R   variants.Resampler
	log *probeLog
}

func (p probe) Process(img image.Image) (image.Image, error) {
	s := img.Bounds().Size()
	p.log.add(probeCall{src: s, full: s})
	return p.R.Process(img)
}

func (p probe) ResampleSize(w, h int) (int, int) { return p.R.ResampleSize(w, h) }

func (p probe) ProcessScaled(src image.Image, w, h int) (image.Image, error) {
	p.log.add(probeCall{src: src.Bounds().Size(), full: image.Pt(w, h), scaled: true})
	return p.R.ProcessScaled(src, w, h)
}

func TestRenderStartsFromSmallestAdequateImage(t *testing.T) {
	src := testimage.Pattern(800, 600)
	full := image.Pt(800, 600)
	fit := func(w, h int) variants.Processor { return variants.Fit{Width: w, Height: h} }
	for _, tc := range []struct {
		name  string
		specs func(p variants.Processor) []variants.Spec
		from  image.Point // the image the probe starts from
		size  image.Point // what the probe makes
	}{
		{"from medium", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("probe", p), spec("medium", fit(400, 400))}
		}, image.Pt(400, 300), image.Pt(100, 75)},
		{"from the smallest adequate", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("m", fit(400, 400)), spec("s", fit(200, 200)), spec("probe", p), spec("xs", fit(60, 60))}
		}, image.Pt(200, 150), image.Pt(100, 75)},
		{"from a resize", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("r", variants.Resize{Width: 300, Height: 160}), spec("probe", p)}
		}, image.Pt(300, 160), image.Pt(100, 75)},
		{"not from an inadequate image (but src box-reduced by 4)", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("m", fit(199, 199)), spec("probe", p)}
		}, image.Pt(200, 150), image.Pt(100, 75)},
		{"not from a spec with post-ops (but src box-reduced by 4)", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("m", fit(400, 400), variants.Grayscale{}), spec("probe", p)}
		}, image.Pt(200, 150), image.Pt(100, 75)},
		{"not from a fill (but src box-reduced by 4)", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("m", variants.Fill{Width: 400, Height: 300}), spec("probe", p)}
		}, image.Pt(200, 150), image.Pt(100, 75)},
		{"not from a pad (but src box-reduced by 4)", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("m", variants.Pad{Width: 400, Height: 300}), spec("probe", p)}
		}, image.Pt(200, 150), image.Pt(100, 75)},
		{"src itself when a reduction would leave less than twice", func(p variants.Processor) []variants.Spec {
			return []variants.Spec{spec("probe", p)}
		}, image.Pt(800, 600), image.Pt(300, 225)},
	} {
		for _, c := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s, concurrency %d", tc.name, c), func(t *testing.T) {
				log := &probeLog{}
				var r variants.Resampler = variants.Fit{Width: 100, Height: 100}
				if tc.size.X == 300 {
					r = variants.Fit{Width: 300, Height: 300} // 300×225 from 800×600: k=2 would leave 400×300
				}
				specs := tc.specs(probe{R: r, log: log})
				out := collect(t, src, full, specs, c)
				call := log.only(t)
				if call.src != tc.from {
					t.Errorf("probe started from %v, want %v", call.src, tc.from)
				}
				if call.scaled != (tc.from != full) || (call.scaled && call.full != full) {
					t.Errorf("probe call %+v: want ProcessScaled with the full size %v exactly when starting from a smaller image", call, full)
				}
				i := slices.IndexFunc(specs, func(s variants.Spec) bool { return s.Name == "probe" })
				if s := out[i].Bounds().Size(); s != tc.size {
					t.Errorf("probe made %v, want %v", s, tc.size)
				}
				checkQuadrants(t, out[i], asIs)
			})
		}
	}
}

func TestRenderDerivedFillMatchesDirect(t *testing.T) {
	src := testimage.Pattern(800, 600)
	specs := []variants.Spec{
		spec("medium", variants.Fit{Width: 400, Height: 400}),
		spec("thumb", variants.Fill{Width: 60, Height: 60, Anchor: variants.BottomRight}),
	}
	out := collect(t, src, image.Pt(800, 600), specs, 2)
	direct, err := specs[1].Apply(src)
	if err != nil {
		t.Fatal(err)
	}
	if out[1].Bounds().Size() != direct.Bounds().Size() {
		t.Fatalf("derived %v, direct %v", out[1].Bounds().Size(), direct.Bounds().Size())
	}
	checkQuadrants(t, out[1], testimage.Quadrants(direct))
}

func TestRenderReducedSource(t *testing.T) {
	full := image.Pt(800, 600)
	src := testimage.Pattern(400, 300) // the picture, decoded at half scale
	log := &probeLog{}
	specs := []variants.Spec{
		spec("small", variants.Fit{Width: 100, Height: 100}),
		spec("probe", probe{R: variants.Fit{Width: 150, Height: 150}, log: log}),
		spec("thumb", variants.Fill{Width: 30, Height: 30}),
	}
	if need := variants.Need(full, specs); need.X > 400 || need.Y > 300 {
		t.Fatalf("Need = %v, the test wants a half-size source to be enough", need)
	}
	out := collect(t, src, full, specs, 2)
	want := []image.Point{{100, 75}, {150, 113}, {30, 30}}
	for i, img := range out {
		if s := img.Bounds().Size(); s != want[i] {
			t.Errorf("%s: size %v, want %v (the full picture's geometry)", specs[i].Name, s, want[i])
		}
	}
	if call := log.only(t); !call.scaled || call.full != full || call.src != image.Pt(400, 300) {
		t.Errorf("probe call %+v, want ProcessScaled of the 400x300 source with the full size", call)
	}
}

func TestRenderRefusesBadSources(t *testing.T) {
	ctx := context.Background()
	emit := func(int, image.Image) error { return nil }
	fit := spec("s", variants.Fit{Width: 10})
	for _, tc := range []struct {
		name  string
		src   image.Image
		full  image.Point
		specs []variants.Spec
		want  string
	}{
		{"reduced source for a crop", testimage.Pattern(400, 300), image.Pt(800, 600), []variants.Spec{fit, spec("c", variants.Crop{Width: 5, Height: 5})}, `spec "c" needs the whole`},
		{"reduced source for a copy", testimage.Pattern(400, 300), image.Pt(800, 600), []variants.Spec{spec("copy")}, `spec "copy" needs the whole`},
		{"source larger than full", testimage.Pattern(400, 300), image.Pt(200, 300), []variants.Spec{fit}, "larger than the full picture"},
		{"nil source", nil, image.Pt(200, 300), []variants.Spec{fit}, "nil source"},
		{"empty source", image.NewNRGBA(image.Rect(0, 0, 0, 5)), image.Pt(200, 300), []variants.Spec{fit}, "empty source"},
	} {
		err := variants.Render(ctx, tc.src, tc.full, tc.specs, 1, emit)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Render = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestRenderNoSpecs(t *testing.T) {
	err := variants.Render(context.Background(), testimage.Pattern(4, 4), image.Pt(4, 4), nil, 0, func(int, image.Image) error {
		t.Error("emit called")
		return nil
	})
	if err != nil {
		t.Errorf("Render: %v", err)
	}
}

// counting returns emit counting its calls.
func counting(n *atomic.Int32) func(int, image.Image) error {
	return func(int, image.Image) error {
		n.Add(1)
		return nil
	}
}

func TestRenderProcessorErrorStops(t *testing.T) {
	boom := errors.New("boom")
	src := testimage.Pattern(200, 100)
	fail := variants.Func("fail", func(image.Image) (image.Image, error) { return nil, boom })
	var ran atomic.Int32
	count := variants.Func("count", func(img image.Image) (image.Image, error) { ran.Add(1); return img, nil })
	specs := []variants.Spec{
		spec("a", variants.Fit{Width: 50}, count),
		spec("b", variants.Fit{Width: 40}, count),
		spec("bad", fail), // no Resampler: starts first
		spec("c", variants.Fit{Width: 30}, count),
	}
	var emitted atomic.Int32
	err := variants.Render(context.Background(), src, image.Pt(200, 100), specs, 1, counting(&emitted))
	if !errors.Is(err, boom) {
		t.Fatalf("Render = %v, want boom", err)
	}
	if !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), "processors[0]") {
		t.Errorf("error %q does not name the spec and the processor", err)
	}
	if n := emitted.Load() + ran.Load(); n != 0 {
		t.Errorf("with concurrency 1, %d other specs ran after the failure", n)
	}

	// Concurrently: the error still comes back, and every goroutine is done
	// when Render returns.
	for range 20 {
		emitted.Store(0)
		err := variants.Render(context.Background(), src, image.Pt(200, 100), specs, 4, counting(&emitted))
		if !errors.Is(err, boom) {
			t.Fatalf("Render = %v, want boom", err)
		}
		if n := emitted.Load(); n > 3 {
			t.Fatalf("emitted %d", n)
		}
	}
}

func TestRenderNilResult(t *testing.T) {
	specs := []variants.Spec{spec("nil", variants.Func("nil", func(image.Image) (image.Image, error) { return nil, nil }))}
	err := variants.Render(context.Background(), testimage.Pattern(4, 4), image.Pt(4, 4), specs, 1, func(int, image.Image) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "no image") {
		t.Errorf("Render = %v, want a no-image error", err)
	}
}

func TestRenderEmitErrorStops(t *testing.T) {
	stop := errors.New("disk full")
	specs := []variants.Spec{
		spec("a", variants.Fit{Width: 100}),
		spec("b", variants.Fit{Width: 50}),
		spec("c", variants.Fit{Width: 20}),
	}
	var calls atomic.Int32
	err := variants.Render(context.Background(), testimage.Pattern(200, 100), image.Pt(200, 100), specs, 1, func(i int, img image.Image) error {
		calls.Add(1)
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Render = %v, want the emit error", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("emit called %d times after failing, want 1", n)
	}
}

func TestRenderContext(t *testing.T) {
	src := testimage.Pattern(200, 100)
	full := image.Pt(200, 100)
	specs := []variants.Spec{spec("a", variants.Fit{Width: 100}), spec("b", variants.Fit{Width: 50})}

	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var emitted atomic.Int32
		if err := variants.Render(ctx, src, full, specs, 2, counting(&emitted)); !errors.Is(err, context.Canceled) {
			t.Errorf("Render = %v, want context.Canceled", err)
		}
		if emitted.Load() != 0 {
			t.Errorf("emitted after cancellation")
		}
	})
	t.Run("cancelled during", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cancelling := variants.Func("cancel", func(img image.Image) (image.Image, error) { cancel(); return img, nil })
		var ran atomic.Int32
		count := variants.Func("count", func(img image.Image) (image.Image, error) { ran.Add(1); return img, nil })
		specs := []variants.Spec{
			spec("a", variants.Fit{Width: 100}, count),
			spec("cancel", cancelling, count), // starts first
			spec("b", variants.Fit{Width: 50}, count),
		}
		var emitted atomic.Int32
		if err := variants.Render(ctx, src, full, specs, 1, counting(&emitted)); !errors.Is(err, context.Canceled) {
			t.Errorf("Render = %v, want context.Canceled", err)
		}
		if emitted.Load() != 0 || ran.Load() != 0 {
			t.Errorf("after cancellation: %d emitted, %d processors ran", emitted.Load(), ran.Load())
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		slow := variants.Func("slow", func(img image.Image) (image.Image, error) {
			<-ctx.Done()
			return img, nil
		})
		specs := []variants.Spec{spec("slow", slow), spec("a", variants.Fit{Width: 10})}
		if err := variants.Render(ctx, src, full, specs, 2, func(int, image.Image) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Render = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestRenderRecoversProcessorPanic(t *testing.T) {
	src := testimage.Pattern(200, 100)
	sentinel := errors.New("sentinel")
	for _, tc := range []struct {
		value any
		want  string
	}{
		{"kaboom", "panic: kaboom"},
		{sentinel, "panic: sentinel"},
	} {
		bad := variants.Func("panics", func(image.Image) (image.Image, error) { panic(tc.value) })
		specs := []variants.Spec{spec("ok", variants.Fit{Width: 10}), spec("boom", variants.Fit{Width: 50}, bad)}
		err := variants.Render(context.Background(), src, image.Pt(200, 100), specs, 2, func(int, image.Image) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "boom: processors[1]") {
			t.Errorf("Render = %v, want an error with %q naming the spec and processor", err, tc.want)
		}
		if e, ok := tc.value.(error); ok && !errors.Is(err, e) {
			t.Errorf("Render = %v does not wrap the panic's error", err)
		}
	}

	// A panicking Resampler started from a smaller image.
	log := &probeLog{}
	specs := []variants.Spec{spec("m", variants.Fit{Width: 100}), spec("p", probe{R: panicky{}, log: log})}
	err := variants.Render(context.Background(), src, image.Pt(200, 100), specs, 1, func(int, image.Image) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "panic: resampler") {
		t.Errorf("Render = %v, want the resampler's panic", err)
	}
	if call := log.only(t); !call.scaled {
		t.Errorf("the panicking resampler was not started from the smaller image: %+v", call)
	}
}

// panicky is a Resampler that panics.
type panicky struct{}

func (panicky) Process(image.Image) (image.Image, error)                 { panic("resampler") }
func (panicky) ResampleSize(w, h int) (int, int)                         { return 10, 5 }
func (panicky) ProcessScaled(image.Image, int, int) (image.Image, error) { panic("resampler") }

func TestRenderEmitPanicReachesCaller(t *testing.T) {
	specs := []variants.Spec{spec("a", variants.Fit{Width: 10}), spec("b", variants.Fit{Width: 20})}
	defer func() {
		if v := recover(); v != "emit bug" {
			t.Errorf("recovered %v, want the emit panic", v)
		}
	}()
	_ = variants.Render(context.Background(), testimage.Pattern(40, 40), image.Pt(40, 40), specs, 2, func(i int, img image.Image) error {
		if i == 0 {
			panic("emit bug")
		}
		return nil
	})
	t.Errorf("Render returned")
}

func TestRenderConcurrencyBound(t *testing.T) {
	var running, peak atomic.Int32
	busy := variants.Func("busy", func(img image.Image) (image.Image, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return img, nil
	})
	var specs []variants.Spec
	for i := range 10 {
		specs = append(specs, spec(fmt.Sprint("s", i), variants.Fit{Width: 10 + i}, busy))
	}
	var emitting, emitPeak atomic.Int32
	emit := func(int, image.Image) error {
		n := emitting.Add(1)
		if n > emitPeak.Load() {
			emitPeak.Store(n)
		}
		time.Sleep(time.Millisecond)
		emitting.Add(-1)
		return nil
	}
	if err := variants.Render(context.Background(), testimage.Pattern(100, 100), image.Pt(100, 100), specs, 3, emit); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 || (p < 2 && runtime.GOMAXPROCS(0) > 1) {
		t.Errorf("peak concurrency %d, want 2–3", p)
	}
	if p := emitPeak.Load(); p > 3 {
		t.Errorf("emit ran %d at once, want at most 3", p)
	}
}

func TestRenderEmitOrderWithConcurrencyOne(t *testing.T) {
	specs := []variants.Spec{
		spec("small", variants.Fit{Width: 100, Height: 100}),
		spec("crop", variants.Crop{Width: 10, Height: 10}),
		spec("medium", variants.Fit{Width: 400, Height: 400}),
		spec("thumb", variants.Fill{Width: 20, Height: 20}),
	}
	var order []string
	err := variants.Render(context.Background(), testimage.Pattern(800, 600), image.Pt(800, 600), specs, 1, func(i int, img image.Image) error {
		order = append(order, specs[i].Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Whole-picture specs first, then by descending resample size.
	if want := []string{"crop", "medium", "small", "thumb"}; !slices.Equal(order, want) {
		t.Errorf("emit order %v, want %v", order, want)
	}
}

// pixels returns img's pixels as NRGBA bytes.
func pixels(img image.Image) []byte {
	n := image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(n, n.Bounds(), img, img.Bounds().Min, draw.Src)
	return n.Pix
}

func TestRenderIsDeterministic(t *testing.T) {
	src := testimage.Pattern(640, 480)
	specs := []variants.Spec{
		spec("xs", variants.Fit{Width: 40, Height: 40}),
		spec("s", variants.Fit{Width: 100, Height: 100}),
		spec("m", variants.Fit{Width: 300, Height: 300}),
		spec("t", variants.Fill{Width: 30, Height: 30, Anchor: variants.Top}),
		spec("p", variants.Pad{Width: 64, Height: 64, Background: white}),
	}
	first := collect(t, src, image.Pt(640, 480), specs, 1)
	for _, c := range []int{2, 5, 0} {
		again := collect(t, src, image.Pt(640, 480), specs, c)
		for i := range specs {
			if !slices.Equal(pixels(first[i]), pixels(again[i])) {
				t.Errorf("concurrency %d: %s differs from concurrency 1", c, specs[i].Name)
			}
		}
	}
}

// TestRenderStored: rendering a picture as stored, with its orientation,
// gives what rendering it turned upright gives, for all eight
// orientations, stored as NRGBA and as 4:2:0 YCbCr, with specs that are
// resampled before turning (fit, resize, and a fit with post-ops) and
// specs that start from the upright picture (fill, pad). The picture is
// smooth (gradients: red across, green down, so any wrong turn shows), as
// the two orders differ where Lanczos rings against a clamped hard edge
// and where 4:2:0 output pairs other pixels for chroma.
func TestRenderStored(t *testing.T) {
	displayed := gradients(640, 480, 97, 61)
	specs := []variants.Spec{
		spec("fit", variants.Fit{Width: 300, Height: 200}),
		spec("resize", variants.Resize{Width: 90}),
		spec("grey", variants.Fit{Width: 120, Height: 120}, variants.Grayscale{}),
		spec("fill", variants.Fill{Width: 50, Height: 70, Anchor: variants.TopLeft}),
		spec("pad", variants.Pad{Width: 80, Height: 80, Background: white}),
		spec("xs", variants.Fit{Width: 40, Height: 40}),
	}
	full := displayed.Bounds().Size()
	for o := 1; o <= 8; o++ {
		stored := testimage.Stored(displayed, o)
		ycc := testimage.YCbCr(stored, image.YCbCrSubsampleRatio420)
		for name, src := range map[string]image.Image{"nrgba": stored, "ycbcr": ycc} {
			want := collect(t, variants.Orient(src, o), full, specs, 2)
			got := make([]image.Image, len(specs))
			err := variants.RenderStored(context.Background(), src, o, full, specs, 2, func(i int, img image.Image) error {
				got[i] = img
				return nil
			})
			if err != nil {
				t.Fatalf("orientation %d %s: %v", o, name, err)
			}
			for i := range specs {
				if got[i].Bounds().Size() != want[i].Bounds().Size() {
					t.Fatalf("orientation %d %s: %s is %v, want %v", o, name, specs[i].Name, got[i].Bounds().Size(), want[i].Bounds().Size())
				}
				if name == "nrgba" {
					if d := maxChannelDiff(got[i], want[i]); d > 3 {
						t.Errorf("orientation %d %s: %s differs by up to %d levels from rendering upright", o, name, specs[i].Name, d)
					}
					continue
				}
				// 4:2:0 output shares chroma between other pairs of
				// pixels when turned: luma must agree, colour on average
				// (40 pixels across a 215-level gradient are 5 levels a
				// pixel apart, so a shifted chroma pair costs about 3).
				if d := maxLumaDiff(got[i], want[i]); d > 3 {
					t.Errorf("orientation %d %s: %s luma differs by up to %d levels from rendering upright", o, name, specs[i].Name, d)
				}
				if d := meanChannelDiff(got[i], want[i]); d > 3 {
					t.Errorf("orientation %d %s: %s colour differs by %.1f levels on average from rendering upright", o, name, specs[i].Name, d)
				}
			}
		}
	}
}

// TestRescaleBoxesTurn: a Fit or Resize box turned with the picture gives
// the turned size, so a spec resampled as stored has the size it would
// have upright.
func TestRescaleBoxesTurn(t *testing.T) {
	for w := 1; w < 90; w += 7 {
		for h := 1; h < 90; h += 5 {
			for _, r := range []variants.Resampler{
				variants.Fit{Width: 30, Height: 20}, variants.Fit{Width: 40}, variants.Fit{Height: 13},
				variants.Resize{Width: 30, Height: 20}, variants.Resize{Width: 17}, variants.Resize{Height: 9},
			} {
				var turned variants.Resampler
				switch p := r.(type) {
				case variants.Fit:
					turned = variants.Fit{Width: p.Height, Height: p.Width}
				case variants.Resize:
					turned = variants.Resize{Width: p.Height, Height: p.Width}
				}
				rw, rh := r.ResampleSize(w, h)
				tw, th := turned.ResampleSize(h, w)
				if tw != rh || th != rw {
					t.Fatalf("%#v on %d×%d: %d×%d, turned %d×%d", r, w, h, rw, rh, tw, th)
				}
			}
		}
	}
}

// eachPair calls f with each pixel of a and the pixel of b at the same
// offset from its bounds' origin.
func eachPair(a, b image.Image, f func(p, q color.NRGBA)) {
	ra, rb := a.Bounds(), b.Bounds()
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			f(color.NRGBAModel.Convert(a.At(ra.Min.X+x, ra.Min.Y+y)).(color.NRGBA),
				color.NRGBAModel.Convert(b.At(rb.Min.X+x, rb.Min.Y+y)).(color.NRGBA))
		}
	}
}

// maxLumaDiff is the largest difference of the pixels' luma (BT.601, as
// JPEG's Y).
func maxLumaDiff(a, b image.Image) int {
	d := 0
	eachPair(a, b, func(p, q color.NRGBA) {
		yp, _, _ := color.RGBToYCbCr(p.R, p.G, p.B)
		yq, _, _ := color.RGBToYCbCr(q.R, q.G, q.B)
		d = max(d, int(yp)-int(yq), int(yq)-int(yp))
	})
	return d
}

// meanChannelDiff is the mean absolute difference of the colour channels.
func meanChannelDiff(a, b image.Image) float64 {
	sum := 0
	eachPair(a, b, func(p, q color.NRGBA) {
		for _, v := range []int{int(p.R) - int(q.R), int(p.G) - int(q.G), int(p.B) - int(q.B)} {
			sum += max(v, -v)
		}
	})
	return float64(sum) / float64(3*a.Bounds().Dx()*a.Bounds().Dy())
}

// maxChannelDiff is the largest difference of any channel, alpha included.
func maxChannelDiff(a, b image.Image) int {
	d := 0
	eachPair(a, b, func(p, q color.NRGBA) {
		for _, v := range []int{int(p.R) - int(q.R), int(p.G) - int(q.G), int(p.B) - int(q.B), int(p.A) - int(q.A)} {
			d = max(d, v, -v)
		}
	})
	return d
}

// gradients is a smooth w×h picture in which a wrong turn shows: red
// rising across, green down, and blue waving with periods of about 2π·px
// across and 2π·py down.
func gradients(w, h int, px, py float64) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			b := 128 + 60*math.Sin(float64(x)/px)*math.Cos(float64(y)/py)
			m.SetNRGBA(x, y, color.NRGBA{uint8(20 + x*215/w), uint8(20 + y*215/h), uint8(b), 255})
		}
	}
	return m
}
