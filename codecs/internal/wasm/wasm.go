// Package wasm runs the WebAssembly builds of C image libraries (libheif
// with libde265, libavif with dav1d and aom, libwebp) under limits that
// untrusted uploads need and their own Go wrappers do not set: each call
// gets a fresh instance whose linear memory may not grow past the bytes
// the caller was granted (the memory budget's charge), is stopped when the
// caller's context is done, writes nothing to the process's stdout or
// stderr, and leaves no memory behind: what the caller needs is copied out,
// and on Linux the linear memory is mapped outside the Go heap and unmapped
// as soon as the call ends, so neither a garbage collection nor a copy on
// growth stands between a decode and the memory it used.
//
// A module is compiled once per process, on first use (0.3–1.5 s for these
// libraries); set BLOBIMAGE_WASM_CACHE to a directory to keep the compiled
// code between processes.
package wasm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// Errors of a call. Callers classify them: ErrMemoryLimit as a limit
// (the input needs more memory than it was granted), ErrTrap as a corrupt
// input (the library crashed on it).
var (
	// ErrMemoryLimit: the library asked for more linear memory than the
	// call was granted.
	ErrMemoryLimit = errors.New("wasm: memory limit reached")
	// ErrTrap: the library trapped (an out-of-bounds access, unreachable
	// code, an exit) or the host panicked while running it.
	ErrTrap = errors.New("wasm: library trapped")
)

// pageSize is the WebAssembly page size.
const pageSize = 64 << 10

// The process's two runtimes, each shared by its modules and their
// instances: compiled code is made once per runtime. Code compiled to be
// interruptible checks for its context at every loop and call, which
// costs: measured on libwebp and libaom encodes, 2 to 7 times the time of
// the same code compiled without the checks (wazero issue 2466).
var (
	interruptible = lazyRuntime{checks: true}
	runToEnd      = lazyRuntime{}
)

type lazyRuntime struct {
	checks bool
	once   sync.Once
	rt     wazero.Runtime
}

// get returns the runtime, made on first use.
func (l *lazyRuntime) get() wazero.Runtime {
	l.once.Do(func() {
		ctx := context.Background()
		cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(l.checks)
		if dir := os.Getenv("BLOBIMAGE_WASM_CACHE"); dir != "" {
			if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				cfg = cfg.WithCompilationCache(cache)
			}
		}
		l.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
		wasi_snapshot_preview1.MustInstantiate(ctx, l.rt)
	})
	return l.rt
}

// Module is a gzipped WebAssembly library, compiled on first use.
type Module struct {
	name string
	gz   []byte
	rt   *lazyRuntime

	once     sync.Once
	compiled wazero.CompiledModule
	err      error
}

// NewModule returns the module whose gzipped binary is gz, for libraries
// fed untrusted input (decoders): a call stops as soon as its context is
// done, whatever the input makes the library do. name is used in errors.
func NewModule(name string, gz []byte) *Module {
	return &Module{name: name, gz: gz, rt: &interruptible}
}

// NewRunToEnd returns a module for libraries whose work follows from sizes
// the caller has checked (encoders of the caller's own pixels): its code
// runs without interruption checks, several times faster, and a call, once
// started, runs to its end. When the caller's context ends first, Run
// returns at once with its error and the call goes on in the background,
// within its memory limit, freeing its memory when it ends. While
// MaxAbandoned calls are running so, Run waits for one of them to end (or
// for its own context) before starting another.
func NewRunToEnd(name string, gz []byte) *Module {
	return &Module{name: name, gz: gz, rt: &runToEnd}
}

// Compile compiles the module if it has not been yet, so that a later call
// does not pay for it.
func (m *Module) Compile() error {
	m.once.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(m.gz))
		if err != nil {
			m.err = fmt.Errorf("wasm: %s: %w", m.name, err)
			return
		}
		bin, err := io.ReadAll(zr)
		if err != nil {
			m.err = fmt.Errorf("wasm: %s: %w", m.name, err)
			return
		}
		m.compiled, m.err = m.rt.get().CompileModule(context.Background(), bin)
		if m.err != nil {
			m.err = fmt.Errorf("wasm: compile %s: %w", m.name, m.err)
		}
	})
	return m.err
}

// Run instantiates the module with a linear memory that may grow to at
// most limit bytes, calls fn with the instance, and closes it. An error
// from the library's run (a trap, the memory limit, ctx done) is returned
// as ErrTrap, ErrMemoryLimit or ctx.Err() (wrapped), whichever applies;
// fn's own errors are returned as they are. A run-to-end module's call
// returns when ctx ends but finishes in the background (NewRunToEnd).
func (m *Module) Run(ctx context.Context, limit int64, fn func(*Instance) error) error {
	if err := m.Compile(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.rt == &runToEnd {
		return m.runDetached(ctx, limit, fn)
	}
	return m.run(ctx, limit, fn)
}

// MaxAbandoned bounds the calls of run-to-end modules still running after
// their callers gave up, at which new calls wait.
const MaxAbandoned = 2

var (
	abandonedMu   sync.Mutex
	abandonedCond = sync.NewCond(&abandonedMu)
	abandoned     int
)

// Abandoned reports how many calls of run-to-end modules are running after
// their callers gave up.
func Abandoned() int {
	abandonedMu.Lock()
	defer abandonedMu.Unlock()
	return abandoned
}

// waitAbandoned waits until fewer than MaxAbandoned calls are abandoned,
// or ctx ends.
func waitAbandoned(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		abandonedMu.Lock()
		abandonedCond.Broadcast()
		abandonedMu.Unlock()
	})
	defer stop()
	abandonedMu.Lock()
	defer abandonedMu.Unlock()
	for abandoned >= MaxAbandoned {
		if err := ctx.Err(); err != nil {
			return err
		}
		abandonedCond.Wait()
	}
	return nil
}

// runDetached runs a run-to-end call in its own goroutine, so that the
// caller can leave when its context ends (see NewRunToEnd). fn must not
// share unsynchronised state with the caller beyond what it returns
// through its result: the caller may be gone when it finishes.
func (m *Module) runDetached(ctx context.Context, limit int64, fn func(*Instance) error) error {
	if err := waitAbandoned(ctx); err != nil {
		return fmt.Errorf("wasm: %s: %w", m.name, err)
	}
	done := make(chan error, 1)
	go func() {
		done <- m.run(context.WithoutCancel(ctx), limit, fn)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		abandonedMu.Lock()
		abandoned++
		abandonedMu.Unlock()
		go func() {
			<-done
			abandonedMu.Lock()
			abandoned--
			abandonedCond.Broadcast()
			abandonedMu.Unlock()
		}()
		return fmt.Errorf("wasm: %s: %w", m.name, ctx.Err())
	}
}

// run instantiates and calls.
func (m *Module) run(ctx context.Context, limit int64, fn func(*Instance) error) (err error) {
	mem := newMemory(limit)
	defer mem.release()
	ictx := experimental.WithMemoryAllocator(ctx, mem)
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	mod, err := m.rt.get().InstantiateModule(ictx, m.compiled, cfg)
	if err != nil {
		return m.classify(ctx, mem, err)
	}
	defer mod.Close(context.Background())
	in := &Instance{m: m, ctx: ictx, callerCtx: ctx, mod: mod, mem: mem}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %s: host panic: %v", ErrTrap, m.name, v)
		}
	}()
	return fn(in)
}

// classify turns an error of the runtime into the package's errors.
func (m *Module) classify(ctx context.Context, mem *memory, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("wasm: %s: %w", m.name, ctx.Err())
	}
	if mem.refused() {
		return fmt.Errorf("%w: %s: more than %d bytes (%v)", ErrMemoryLimit, m.name, mem.limit, err)
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%w: %s: exit code %d", ErrTrap, m.name, exit.ExitCode())
	}
	return fmt.Errorf("%w: %s: %v", ErrTrap, m.name, err)
}

// Instance is one instantiation of a Module, valid inside Run's fn.
type Instance struct {
	m         *Module
	ctx       context.Context
	callerCtx context.Context
	mod       api.Module
	mem       *memory
}

// Call calls the exported function name and returns its first result (0
// for none).
func (in *Instance) Call(name string, args ...uint64) (uint64, error) {
	f := in.mod.ExportedFunction(name)
	if f == nil {
		return 0, fmt.Errorf("wasm: %s exports no %s", in.m.name, name)
	}
	res, err := f.Call(in.ctx, args...)
	if err != nil {
		return 0, in.m.classify(in.callerCtx, in.mem, err)
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0], nil
}

// Malloc allocates n bytes with the library's malloc. A null pointer is
// ErrMemoryLimit when the limit refused the growth, else ErrTrap.
func (in *Instance) Malloc(n int) (uint32, error) {
	if n < 0 || int64(n) > int64(^uint32(0)) {
		return 0, fmt.Errorf("%w: %s: allocation of %d bytes", ErrMemoryLimit, in.m.name, n)
	}
	p, err := in.Call("malloc", uint64(n))
	if err != nil {
		return 0, err
	}
	if p == 0 {
		if in.mem.refused() {
			return 0, fmt.Errorf("%w: %s: more than %d bytes", ErrMemoryLimit, in.m.name, in.mem.limit)
		}
		return 0, fmt.Errorf("%w: %s: malloc(%d) failed", ErrTrap, in.m.name, n)
	}
	return uint32(p), nil
}

// Write copies b into the instance's memory at p.
func (in *Instance) Write(p uint32, b []byte) error {
	if !in.mod.Memory().Write(p, b) {
		return fmt.Errorf("%w: %s: write of %d bytes at %#x out of range", ErrTrap, in.m.name, len(b), p)
	}
	return nil
}

// Bytes returns a copy of n bytes of the instance's memory at p.
func (in *Instance) Bytes(p, n uint32) ([]byte, error) {
	b, ok := in.mod.Memory().Read(p, n)
	if !ok {
		return nil, fmt.Errorf("%w: %s: read of %d bytes at %#x out of range", ErrTrap, in.m.name, n, p)
	}
	return bytes.Clone(b), nil
}

// View calls fn with n bytes of the instance's memory at p, without a
// copy; the slice must not be kept after fn returns.
func (in *Instance) View(p, n uint32, fn func([]byte) error) error {
	b, ok := in.mod.Memory().Read(p, n)
	if !ok {
		return fmt.Errorf("%w: %s: read of %d bytes at %#x out of range", ErrTrap, in.m.name, n, p)
	}
	return fn(b)
}

// Uint32 reads a little-endian uint32 at p.
func (in *Instance) Uint32(p uint32) (uint32, error) {
	v, ok := in.mod.Memory().ReadUint32Le(p)
	if !ok {
		return 0, fmt.Errorf("%w: %s: read at %#x out of range", ErrTrap, in.m.name, p)
	}
	return v, nil
}

// Float64 reads a little-endian float64 at p.
func (in *Instance) Float64(p uint32) (float64, error) {
	v, ok := in.mod.Memory().ReadFloat64Le(p)
	if !ok {
		return 0, fmt.Errorf("%w: %s: read at %#x out of range", ErrTrap, in.m.name, p)
	}
	return v, nil
}

// Peak returns the most linear memory the instance has had, in bytes.
func (in *Instance) Peak() int64 { return in.mem.peak() }

// LimitReached reports whether the library asked the instance for more
// linear memory than its limit allows, at any time in the call: how a
// caller tells a library function that failed for want of memory (its
// malloc returned null) from one that failed otherwise.
func (in *Instance) LimitReached() bool { return in.mem.refused() }
