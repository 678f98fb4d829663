package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// TestBusy: while the memory budget is held (by Reserve, as an HTTP
// handler buffering bodies holds it), a write waits MemoryWait and then
// fails with ErrBusy, storing nothing; once the budget is given back the
// same write succeeds. A reservation larger than the whole budget is
// ErrTooLarge at once.
func TestBusy(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.MemoryBudget = 64 << 20
	cfg.MemoryWait = 50 * time.Millisecond
	s, inner := newStore(t, cfg)
	release, err := s.Reserve(ctx, 60<<20)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Put(ctx, "photos/a.jpg", bytes.NewReader(patternJPEG(1600, 1200, nil)), nil)
	if !errors.Is(err, blobimage.ErrBusy) || gcerrors.Code(err) != gcerrors.ResourceExhausted {
		t.Fatalf("write while the budget is held: %v (code %v), want ErrBusy", err, gcerrors.Code(err))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about MemoryWait", d)
	}
	if k := keys(t, inner); len(k) != 0 {
		t.Errorf("a busy write stored %q", k)
	}
	release()
	release() // twice is harmless
	if _, err := s.Put(ctx, "photos/a.jpg", bytes.NewReader(patternJPEG(1600, 1200, nil)), nil); err != nil {
		t.Fatalf("after the budget was given back: %v", err)
	}
	if _, err := s.Reserve(ctx, 65<<20); !errors.Is(err, blobimage.ErrTooLarge) {
		t.Errorf("reserving more than the budget: %v, want ErrTooLarge", err)
	}
}

// TestReclaim: a charge that needs memory given back by earlier ones runs
// the collector first (a released charge is garbage until then); under no
// pressure nothing runs it.
func TestReclaim(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.MemoryBudget = 64 << 20
	s, _ := newStore(t, cfg)
	gcs := func() uint32 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.NumGC
	}
	small, err := s.Reserve(ctx, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	small()
	before := gcs()
	again, err := s.Reserve(ctx, 8<<20) // 8 + 8 garbage: no pressure
	if err != nil {
		t.Fatal(err)
	}
	again()
	if n := gcs() - before; n > 1 { // a background cycle may happen anyway
		t.Errorf("%d collections with the budget far from spent", n)
	}
	big, err := s.Reserve(ctx, 40<<20)
	if err != nil {
		t.Fatal(err)
	}
	big()
	before = gcs()
	if _, err := s.Reserve(ctx, 40<<20); err != nil { // 40 + 56 garbage > 64
		t.Fatal(err)
	}
	if gcs() == before {
		t.Error("no collection before a charge that needs released memory back")
	}
}
