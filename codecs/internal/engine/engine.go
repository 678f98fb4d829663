// Package engine chooses, for one codec library, between its WebAssembly
// build and the system's shared library (gen2brain's purego "dynamic"
// path), and runs calls into the shared library, which cannot be stopped.
//
// Each codec package holds one Library for the system library it may call,
// and all of them choose alike: Env forces wasm or system, and anything
// else asks for the automatic choice, which is the system library where it
// works, except while a call into it whose caller gave up is still
// running: that call's memory is charged to no one, so the automatic
// choice stays on WebAssembly, whose memory is bounded, until it ends.
package engine

import (
	"context"
	"fmt"
	"image"
	"os"
	"sync"
	"sync/atomic"
)

// Env is the environment variable that forces an engine: Wasm, System, or
// anything else (unset, "auto") for the automatic choice. It is read at
// every choice.
const Env = "BLOBIMAGE_CODEC_ENGINE"

// Engines, as the codec packages export them (untyped, so that they stay
// plain strings there).
const (
	// Wasm is the library's WebAssembly build run by wazero.
	Wasm = "wasm"
	// System is the system's shared library called through purego.
	System = "system"
)

// Library is one system library that may serve in place of its
// WebAssembly build. Use New; its methods are safe for concurrent use.
type Library struct {
	works     func() error
	abandoned atomic.Int64
}

// New returns the Library whose availability probe reports: nil when the
// system library is loaded and does its job, else why not. probe runs
// once, at the first call that needs it, and its answer is kept.
func New(probe func() error) *Library {
	return &Library{works: sync.OnceValue(probe)}
}

// Works reports why the system library cannot be used, or nil: the probe's
// answer.
func (l *Library) Works() error { return l.works() }

// Abandoned reports how many calls Run gave up waiting for are still
// running.
func (l *Library) Abandoned() int64 { return l.abandoned.Load() }

// Choose returns the engine under the current setting of Env: Wasm when
// Env says wasm or the system library does not work; else System when Env
// says system; else (the automatic choice) System unless an abandoned call
// is still running.
func (l *Library) Choose() string {
	mode := os.Getenv(Env)
	if mode == Wasm || l.Works() != nil {
		return Wasm
	}
	if mode != System && l.Abandoned() > 0 {
		return Wasm
	}
	return System
}

// PanicError is a panic in a call Run made, as an error.
type PanicError struct {
	// Value is what the call panicked with.
	Value any
}

// Error returns "panic: " and the value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Run calls fn, a call into l that cannot be interrupted, in a goroutine
// of its own and waits for it or for ctx to end, whichever comes first.
//
// When fn returns first, Run returns its results, a panic in fn as a
// *PanicError, and stop nil. When ctx ends first, Run returns ctx.Err() as
// stop and leaves fn running: its results are dropped when it ends, and
// until then it counts in l.Abandoned, which keeps Choose's automatic
// choice on Wasm.
func Run[T any](ctx context.Context, l *Library, fn func() (T, error)) (v T, err, stop error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: &PanicError{Value: p}}
			}
			done <- r
		}()
		r.v, r.err = fn()
	}()
	select {
	case r := <-done:
		return r.v, r.err, nil
	case <-ctx.Done():
		l.abandoned.Add(1)
		go func() {
			<-done
			l.abandoned.Add(-1)
		}()
		return v, nil, ctx.Err()
	}
}

// ProbePicture returns a new 16×16 opaque picture of varied samples, for a
// probe to encode with the system library and check what comes back.
func ProbePicture() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for i := range m.Pix {
		m.Pix[i] = uint8(i*37 + i/4)
	}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 0xff
	}
	return m
}
