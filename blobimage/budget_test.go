package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
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

// TestMemoryBudgetStrips: a baseline JPEG decoded in strips is charged
// the strip decoder's and the resample's memory, not the decoded
// picture's. With room in the budget between the two, it is stored while
// the same photo as a progressive JPEG (decoded whole) is ErrBusy. A
// JPEG found to need the whole decode only at its first scan (one scan
// per component) takes its full charge after giving back the strips'
// (so it needs room for the whole charge, not for both), and is ErrBusy,
// storing nothing, when there is no room for it.
func TestMemoryBudgetStrips(t *testing.T) {
	if !codecs.DecodesInStrips(codecs.Info{Format: codecs.JPEG, Width: 3000, Height: 2000}) {
		t.Skip("this build decodes a 6 MP JPEG whole (-tags turbojpeg)")
	}
	ctx := context.Background()
	cfg := testConfig()
	cfg.MemoryBudget = 160 << 20 // admits the progressive JPEG (21 bytes a pixel at full size)
	cfg.MemoryWait = 50 * time.Millisecond
	s, inner := newStore(t, cfg)
	specs := cfg.Rules[0].Variants // photos/**

	baseline := testimage.JPEG(testimage.Photo(3000, 2000), 90)
	progressive := testimage.Convert(t, "jpegtran", baseline, ".jpg", ".jpg", "-progressive")
	script := filepath.Join(t.TempDir(), "scans")
	if err := os.WriteFile(script, []byte("0;\n1;\n2;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	perComponent := testimage.Convert(t, "jpegtran", baseline, ".jpg", ".jpg", "-scans", script)

	// The two charges, as Options.MemoryBudget describes them.
	info, err := codecs.Probe(baseline, codecs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	size := image.Pt(info.Width, info.Height)
	denom := codecs.ReduceScale(info, variants.Need(size, specs))
	sw, sh := codecs.ScaledSize(info.Width, info.Height, denom)
	whole := info.DecodeMemoryScaled(denom) + int64(sw)*int64(sh)*4
	resample, ok := variants.StripsMemory(image.Pt(sw, sh), 1, size, specs)
	if !ok {
		t.Fatal("the photos rule is not rendered from strips")
	}
	strips := info.DecodeMemoryStrips() + resample
	t.Logf("1/%d: whole %d bytes, strips %d", denom, whole, strips)
	if 2*strips > whole {
		t.Fatalf("strips %d bytes against whole %d: too close to tell apart", strips, whole)
	}

	room := func(n int64) func() {
		release, err := s.Reserve(ctx, cfg.MemoryBudget-n)
		if err != nil {
			t.Fatal(err)
		}
		return release
	}
	release := room((strips + whole) / 2)
	if _, err := s.Put(ctx, "photos/baseline.jpg", bytes.NewReader(baseline), nil); err != nil {
		t.Errorf("baseline JPEG with room for its strips: %v", err)
	}
	for name, data := range map[string][]byte{"progressive": progressive, "one scan per component": perComponent} {
		if _, err := s.Put(ctx, "photos/other.jpg", bytes.NewReader(data), nil); !errors.Is(err, blobimage.ErrBusy) {
			t.Errorf("%s JPEG without room for the whole decode: %v, want ErrBusy", name, err)
		}
	}
	release()
	if k := keys(t, inner); slices.ContainsFunc(k, func(k string) bool { return strings.Contains(k, "other") }) {
		t.Errorf("a busy write stored objects: %q", k)
	}

	defer room(whole + strips/2)()
	if _, err := s.Put(ctx, "photos/other.jpg", bytes.NewReader(perComponent), nil); err != nil {
		t.Errorf("one scan per component, with room for its whole charge but not both: %v", err)
	}
	f, err := s.Image(ctx, "photos/other.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Variants["medium"]; v.State != blobimage.Ready || v.Width != 1000 {
		t.Errorf("medium variant: %+v", v)
	}
}
