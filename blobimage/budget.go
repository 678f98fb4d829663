package blobimage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// ErrBusy: the memory budget stayed spent for longer than
// Config.MemoryWait: the work was not started and may be tried again
// shortly (HTTP 503 with Retry-After). Its gcerrors code is
// ResourceExhausted.
var ErrBusy = errors.New("busy: the memory budget is spent")

// DefaultMemoryWait is Config.MemoryWait's default.
const DefaultMemoryWait = 10 * time.Second

// acquire takes n bytes of the memory budget, waiting at most
// Config.MemoryWait (and the caller's context) for room. An n larger than
// the whole budget is refused at once (ErrTooLarge, naming the limit).
func (s *Store) acquire(ctx context.Context, n int64) error {
	if n > s.cfg.MemoryBudget {
		return &codecs.LimitError{Limit: "memory_budget", Value: n, Max: s.cfg.MemoryBudget}
	}
	if s.mem.TryAcquire(n) {
		return nil
	}
	wait := s.cfg.MemoryWait
	if wait <= 0 {
		return s.mem.Acquire(ctx, n)
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	err := s.mem.Acquire(wctx, n)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("%w: %d bytes wanted for %v", ErrBusy, n, wait)
	}
	return err
}

// Reserve takes n bytes of the Store's memory budget for work done beside
// the write path that holds memory while it waits for it: an HTTP handler
// buffering a request body, say. It waits as writes do (Config.MemoryWait,
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
	return sync.OnceFunc(func() { s.mem.Release(n) }), nil
}
