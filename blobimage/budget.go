package blobimage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// ErrBusy: the memory budget stayed spent for longer than
// Options.MemoryWait: the work was not started and may be tried again
// shortly (HTTP 503 with Retry-After). Its gcerrors code is
// ResourceExhausted.
var ErrBusy = errors.New("busy: the memory budget is spent")

// DefaultMemoryWait is Options.MemoryWait's default.
const DefaultMemoryWait = 10 * time.Second

// acquire takes n bytes of the memory budget, waiting at most
// Options.MemoryWait (and the caller's context) for room. An n larger than
// the whole budget is refused at once (ErrTooLarge, naming the limit).
func (s *Store) acquire(ctx context.Context, n int64) error {
	if n > s.cfg.MemoryBudget {
		return &codecs.LimitError{Limit: "memory_budget", Value: n, Max: s.cfg.MemoryBudget}
	}
	s.reclaim(n)
	if !s.mem.TryAcquire(n) {
		wait := s.cfg.MemoryWait
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if wait > 0 {
			wctx, cancel = context.WithTimeout(ctx, wait)
		}
		err := s.mem.Acquire(wctx, n)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				return fmt.Errorf("%w: %d bytes wanted for %v", ErrBusy, n, wait)
			}
			return err
		}
		s.reclaim(n)
	}
	s.held.Add(n)
	return nil
}

// release gives n bytes back to the budget. What they held is garbage
// until the collector runs (see reclaim).
func (s *Store) release(n int64) {
	s.held.Add(-n)
	s.garbage.Add(n)
	s.mem.Release(n)
}

// reclaim runs the garbage collector when the memory released since it
// last ran, added to what is held and what is wanted, would exceed the
// budget: a released charge is memory only once it is collected, and the
// next large decode would otherwise allocate on top of the last one's
// garbage (with the default GOGC the heap grows to twice what is live).
// Under no pressure it does nothing. Concurrent callers share one run.
func (s *Store) reclaim(want int64) {
	if g := s.garbage.Load(); g == 0 || s.held.Load()+g+want <= s.cfg.MemoryBudget {
		return
	}
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	if g := s.garbage.Load(); g == 0 || s.held.Load()+g+want <= s.cfg.MemoryBudget {
		return // another caller collected meanwhile
	}
	s.garbage.Store(0)
	runtime.GC()
}

// Reserve takes n bytes of the Store's memory budget for work done beside
// the write path that holds memory while it waits for it: an HTTP handler
// buffering a request body, say. It waits as writes do (Options.MemoryWait,
// then ErrBusy) and returns the function that gives the bytes back, which
// is safe to call more than once. Without it, a thousand uploads arriving
// at once would each hold their body outside any bound.
func (s *Store) Reserve(ctx context.Context, n int64) (release func(), err error) {
	if n <= 0 {
		return func() {}, nil
	}
	if err := s.acquire(ctx, n); err != nil {
		return nil, withCode(fmt.Errorf("blobimage: reserve %d bytes: %w", n, err))
	}
	return sync.OnceFunc(func() { s.release(n) }), nil
}
