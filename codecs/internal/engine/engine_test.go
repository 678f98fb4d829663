package engine_test

import (
	"context"
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs/internal/engine"
)

var errMissing = errors.New("libfoo.so: cannot open shared object file")

// TestProbeOnce: the probe runs once however many choices are made, from
// however many goroutines, and Works reports its answer.
func TestProbeOnce(t *testing.T) {
	for _, want := range []error{nil, errMissing} {
		var calls atomic.Int32
		l := engine.New(func() error {
			calls.Add(1)
			return want
		})
		if n := calls.Load(); n != 0 {
			t.Fatalf("New ran the probe %d times", n)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 100 {
					l.Choose()
				}
			})
		}
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Errorf("probe ran %d times, want 1", n)
		}
		if err := l.Works(); err != want {
			t.Errorf("Works() = %v, want %v", err, want)
		}
	}
}

// TestChoose: Env forces wasm always and system where the library works;
// anything else chooses system exactly where it works.
func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		probe error
		env   map[string]string
	}{
		{nil, map[string]string{"wasm": engine.Wasm, "system": engine.System, "auto": engine.System, "": engine.System, "gpu": engine.System}},
		{errMissing, map[string]string{"wasm": engine.Wasm, "system": engine.Wasm, "auto": engine.Wasm, "": engine.Wasm, "gpu": engine.Wasm}},
	} {
		l := engine.New(func() error { return tc.probe })
		for env, want := range tc.env {
			t.Setenv(engine.Env, env)
			if got := l.Choose(); got != want {
				t.Errorf("probe %v, %s=%q: Choose() = %s, want %s", tc.probe, engine.Env, env, got, want)
			}
		}
	}
}

// TestRunReturns: a call that ends in time gives its value, its error, or
// its panic as a *PanicError, and leaves nothing counted as abandoned.
func TestRunReturns(t *testing.T) {
	l := engine.New(func() error { return nil })
	ctx := context.Background()

	v, err, stop := engine.Run(ctx, l, func() ([]byte, error) { return []byte("out"), nil })
	if string(v) != "out" || err != nil || stop != nil {
		t.Errorf("success: %q, %v, %v", v, err, stop)
	}

	failed := errors.New("bad bitstream")
	n, err, stop := engine.Run(ctx, l, func() (int, error) { return 7, failed })
	if n != 7 || err != failed || stop != nil {
		t.Errorf("failure: %d, %v, %v; want 7, %v, nil", n, err, stop, failed)
	}

	s, err, stop := engine.Run(ctx, l, func() (string, error) { panic("boom") })
	var p *engine.PanicError
	if s != "" || !errors.As(err, &p) || p.Value != "boom" || err.Error() != "panic: boom" || stop != nil {
		t.Errorf("panic: %q, %v (%T), %v; want a *PanicError of boom", s, err, err, stop)
	}

	if a := l.Abandoned(); a != 0 {
		t.Errorf("Abandoned() = %d after calls that ended in time", a)
	}
}

// TestRunAbandoned: when the context ends first, Run returns at once with
// its error; while the call runs on, the automatic choice is wasm and a
// forced system is not held back; once it ends, the choice is system
// again.
func TestRunAbandoned(t *testing.T) {
	l := engine.New(func() error { return nil })
	t.Setenv(engine.Env, "")
	release := make(chan struct{})
	finished := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	v, err, stop := engine.Run(ctx, l, func() (int, error) {
		defer close(finished)
		<-release
		return 1, nil
	})
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run returned %v after a 20 ms deadline", d)
	}
	if v != 0 || err != nil || !errors.Is(stop, context.DeadlineExceeded) {
		t.Fatalf("Run = %d, %v, %v; want 0, nil, DeadlineExceeded", v, err, stop)
	}
	if a := l.Abandoned(); a != 1 {
		t.Errorf("Abandoned() = %d while the call runs, want 1", a)
	}
	if e := l.Choose(); e != engine.Wasm {
		t.Errorf("auto: Choose() = %s while the abandoned call runs, want wasm", e)
	}
	t.Setenv(engine.Env, engine.System)
	if e := l.Choose(); e != engine.System {
		t.Errorf("forced: Choose() = %s while the abandoned call runs, want system", e)
	}
	t.Setenv(engine.Env, "auto")

	close(release)
	<-finished
	deadline := time.Now().Add(10 * time.Second)
	for l.Abandoned() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("Abandoned() = %d 10 s after the call ended", l.Abandoned())
		}
		time.Sleep(time.Millisecond)
	}
	if e := l.Choose(); e != engine.System {
		t.Errorf("auto: Choose() = %s after the abandoned call ended, want system", e)
	}
}

// TestAbandonedPerLibrary: an abandoned call holds back only its own
// library's automatic choice.
func TestAbandonedPerLibrary(t *testing.T) {
	t.Setenv(engine.Env, "auto")
	a := engine.New(func() error { return nil })
	b := engine.New(func() error { return nil })
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, stop := engine.Run(ctx, a, func() (struct{}, error) { <-release; return struct{}{}, nil }); stop == nil {
		t.Fatal("Run waited for a call under a cancelled context")
	}
	if ea, eb := a.Choose(), b.Choose(); ea != engine.Wasm || eb != engine.System {
		t.Errorf("Choose() = %s (abandoned call) and %s (none), want wasm and system", ea, eb)
	}
}

// TestProbePicture: the probe picture is 16×16, opaque, varied and the
// same at every call (a new copy each time).
func TestProbePicture(t *testing.T) {
	a, b := engine.ProbePicture(), engine.ProbePicture()
	if a.Rect != image.Rect(0, 0, 16, 16) {
		t.Fatalf("bounds %v", a.Rect)
	}
	seen := map[[3]uint8]bool{}
	for i := 0; i < len(a.Pix); i += 4 {
		if a.Pix[i+3] != 0xff {
			t.Fatalf("alpha %d at pixel %d", a.Pix[i+3], i/4)
		}
		seen[[3]uint8(a.Pix[i:i+3])] = true
	}
	if len(seen) < 200 {
		t.Errorf("%d colours among 256 pixels", len(seen))
	}
	a.Pix[0]++
	if a.Pix[0] == b.Pix[0] {
		t.Error("two calls share their pixels")
	}
}
