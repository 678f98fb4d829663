package heif_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// withNCLX returns data with box added to the primary and, for a grid, to
// each of its tiles (as an iPhone's tiles share the grid's colr).
func withNCLX(tb testing.TB, data []byte, box []byte) []byte {
	tb.Helper()
	f := mustParse(tb, data)
	m, err := f.Image()
	if err != nil {
		tb.Fatal(err)
	}
	for _, id := range append([]uint32{m.ID}, m.Tiles...) {
		if data, err = heif.WithProperties(f, id, box); err != nil {
			tb.Fatal(err)
		}
		f = mustParse(tb, data)
	}
	return data
}

// TestNativeMatchesGen2brain holds the system engine's own binding of
// libde265 (samples as coded, a grid tile by tile) to what gen2brain's
// path (libheif, through RGB) gives, on single images and grids: as close
// to heif-convert or closer, and never far from gen2brain's own pixels.
// The binding leaves images whose samples need converting (nclx boxes
// that are not full-range BT.601) to gen2brain's path (nativeServes):
// bringing them to BT.601 in Go (normalise) would cost 1–4 dB against
// heif-convert, whose arithmetic libheif's conversion shares.
func TestNativeMatchesGen2brain(t *testing.T) {
	t.Setenv(heif.EngineEnv, heif.EngineSystem)
	if heif.Engine("hvc1") != heif.EngineSystem {
		t.Skip("system libheif not available")
	}
	single := heifEnc(t, photo(320, 240, false), "-q", "90")
	grid := heifEnc(t, photo(322, 241, false), "-q", "90") // heif-enc writes odd sizes as a 1×1 grid
	if m, err := mustParse(t, grid).Image(); err != nil || !m.Grid {
		t.Fatalf("want a grid: %+v %v", m, err)
	}
	type input struct {
		name   string
		data   func(testing.TB) []byte
		served bool // by the binding (decodeSystemNative)
	}
	bytesOf := func(b []byte) func(testing.TB) []byte { return func(testing.TB) []byte { return b } }
	var cases []input
	for _, base := range []struct {
		name string
		data func(testing.TB) []byte
	}{
		{"single", bytesOf(single)},
		{"grid1x1", bytesOf(grid)},
		{"iphone", corpusHEIC},
	} {
		cases = append(cases, input{base.name, base.data, true})
		for _, c := range colourBoxes() {
			// The box that says what the samples are keeps the binding.
			cases = append(cases, input{base.name + "_" + c.name, func(tb testing.TB) []byte {
				return withNCLX(tb, base.data(tb), c.box)
			}, c.name == "bt601_full"})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkNative(t, c.data(t), c.served, "heif-convert", heifConvert)
		})
	}
}

// TestNativeGridAbandoned gives up on a system decode of the iPhone grid
// while its tiles are being decoded: Decode returns the context's error at
// once, and the decode left running takes no more tiles, so that it stops
// counting as abandoned soon after (a whole decode takes 0.2–0.5 s).
func TestNativeGridAbandoned(t *testing.T) {
	t.Setenv(heif.EngineEnv, heif.EngineSystem)
	if heif.Engine("hvc1") != heif.EngineSystem {
		t.Skip("system libheif not available")
	}
	data := corpusHEIC(t)
	native, _, err := heif.DecodeSystemPaths(data)
	if err != nil || native == nil {
		t.Fatalf("the binding does not serve the iPhone photo (%v)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, _, err := codecs.Decode(ctx, data, codecs.Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
	returned := time.Since(start)
	for heif.SystemAbandoned() > 0 {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the abandoned decode is still running after 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("returned after %v, the abandoned decode ended after %v", returned, time.Since(start))
}

// TestNativeTiledGrid: a grid of several tiles (heif-enc's 1×1 grid made
// 2×3 of its one tile, cropped on the right and at the bottom) decodes
// through the binding, tiles pasted at their places on both cores, to
// what heif-convert and gen2brain's path give. (The iPhone photo of the
// corpus, a 7×6 grid, is TestNativeMatchesGen2brain's.)
func TestNativeTiledGrid(t *testing.T) {
	t.Setenv(heif.EngineEnv, heif.EngineSystem)
	if heif.Engine("hvc1") != heif.EngineSystem {
		t.Skip("system libheif not available")
	}
	one := heifEnc(t, photo(63, 47, false), "-q", "90")
	m, err := mustParse(t, one).Image()
	if err != nil || !m.Grid {
		t.Fatalf("want a 1×1 grid: %+v %v", m, err)
	}
	w, h := uint16(3*m.TileWidth-5), uint16(2*m.TileHeight-3)
	data, err := heif.TiledGrid(one, 2, 3, w, h)
	if err != nil {
		t.Fatal(err)
	}
	data = forgeISPE(data, 1, uint32(w), uint32(h)) // the grid's; the first is the tile's
	if m, err := mustParse(t, data).Image(); err != nil || len(m.Tiles) != 6 {
		t.Fatalf("want a 2×3 grid: %+v %v", m, err)
	}
	native, gen2brain, err := heif.DecodeSystemPaths(data)
	if err != nil {
		t.Fatal(err)
	}
	if native == nil {
		t.Fatal("the binding does not serve the grid")
	}
	if got := native.Bounds().Size(); got != image.Pt(int(w), int(h)) {
		t.Fatalf("decoded %v, want %d×%d", got, w, h)
	}
	ref := heifConvert(t, data)
	pn, _ := testimage.PSNR16(t, ref, native)
	pg, _ := testimage.PSNR16(t, ref, gen2brain)
	pb, _ := testimage.PSNR16(t, gen2brain, native)
	t.Logf("vs heif-convert: binding %.2f dB, gen2brain %.2f dB; binding vs gen2brain %.1f dB", pn, pg, pb)
	if pn < 40 || pn < pg-0.05 || pb < 40 {
		t.Errorf("binding %.2f dB vs heif-convert (gen2brain's path %.2f), %.1f dB vs gen2brain's", pn, pg, pb)
	}
}

// TestNativeAV1: single AV1 images whose nclx box says full-range BT.601
// (avifenc's default) decode through the binding of libdav1d, even and
// odd sizes, to what avifdec and gen2brain's path (libheif) give; a
// limited-range one, and one without an nclx box, stay with libheif.
func TestNativeAV1(t *testing.T) {
	t.Setenv(heif.EngineEnv, heif.EngineSystem)
	if heif.Engine("av01") != heif.EngineSystem {
		t.Skip("system libheif with an AV1 decoder not available")
	}
	for _, c := range []struct {
		name   string
		data   func() []byte
		served bool
	}{
		{"full", func() []byte { return avifEnc(t, photo(320, 240, false), "-y", "420") }, true},
		{"full_odd", func() []byte { return avifEnc(t, photo(321, 241, false), "-y", "420") }, true},
		{"limited", func() []byte { return avifEnc(t, photo(320, 240, false), "-y", "420", "-r", "limited") }, false},
		{"no_colr", func() []byte {
			data := bytes.Clone(avifEnc(t, photo(320, 240, false), "-y", "420"))
			return bytes.Replace(data, []byte("colr"), []byte("cOlr"), 1) // an unknown box: no nclx
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkNative(t, c.data(), c.served, "avifdec", avifDec)
		})
	}
}

// checkNative decodes data with both system paths (DecodeSystemPaths):
// the binding must serve it as served says, and, when it does, be as
// close to the reference decoder (named tool) as gen2brain's path or
// closer, at least 40 dB from it, and at least 40 dB from gen2brain's.
func checkNative(t *testing.T, data []byte, served bool, tool string, reference func(testing.TB, []byte) image.Image) {
	t.Helper()
	native, gen2brain, err := heif.DecodeSystemPaths(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := native != nil; got != served {
		t.Fatalf("served by the binding: %v, want %v", got, served)
	}
	if native == nil {
		return
	}
	ref := reference(t, data)
	pn, _ := testimage.PSNR16(t, ref, native)
	pg, _ := testimage.PSNR16(t, ref, gen2brain)
	pb, _ := testimage.PSNR16(t, gen2brain, native)
	t.Logf("vs %s: binding %.2f dB, gen2brain %.2f dB; binding vs gen2brain %.1f dB", tool, pn, pg, pb)
	if pn < 40 || pn < pg-0.05 || pb < 40 {
		t.Errorf("binding %.2f dB vs %s (gen2brain's path %.2f), %.1f dB vs gen2brain's", pn, tool, pg, pb)
	}
}
