package heif_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
)

// forgeISPE returns data with the n-th ispe box (0-based; -1: all of them)
// declaring w×h.
func forgeISPE(data []byte, n int, w, h uint32) []byte {
	out := bytes.Clone(data)
	i, k := 0, 0
	for {
		j := bytes.Index(out[i:], []byte("ispe"))
		if j < 0 || i+j+16 > len(out) {
			return out
		}
		at := i + j + 8 // after type, version and flags
		if n < 0 || k == n {
			binary.BigEndian.PutUint32(out[at:], w)
			binary.BigEndian.PutUint32(out[at+4:], h)
		}
		k++
		i = at
	}
}

// refusedCleanly decodes data under lim and a short deadline and checks
// the result is one of the typed errors, fast.
func refusedCleanly(t *testing.T, name string, data []byte, lim codecs.Limits, want ...error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	img, _, err := codecs.Decode(ctx, data, lim)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%s: took %v", name, d)
	}
	if err == nil {
		if len(want) > 0 {
			t.Errorf("%s: decoded %v, want %v", name, img.Bounds(), want)
		}
		return
	}
	if len(want) == 0 {
		want = []error{codecs.ErrCorrupt, codecs.ErrTooLarge, codecs.ErrUnsupportedFormat, codecs.ErrNotImage}
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Errorf("%s: err = %v, want one of %v", name, err, want)
}

func TestHostileDeclaredSizes(t *testing.T) {
	heic := heifEnc(t, photo(96, 64, false), "-q", "50")
	avif := avifEnc(t, photo(96, 64, false), "-y", "420")
	relaxed := codecs.Limits{MaxSide: -1, MaxPixels: -1}
	for kind, data := range map[string][]byte{"heic": heic, "avif": avif} {
		for _, c := range []struct {
			w, h uint32
			lim  codecs.Limits
			want error
		}{
			{60000, 60000, codecs.Limits{}, nil},
			{1<<31 - 1, 1, codecs.Limits{}, nil},
			{0, 64, codecs.Limits{}, codecs.ErrCorrupt},
			{64, 0, codecs.Limits{}, codecs.ErrCorrupt},
			// Past the limits' reach the coded size still has to agree.
			{60000, 60000, relaxed, codecs.ErrCorrupt},
			{16, 16, codecs.Limits{}, codecs.ErrCorrupt},
		} {
			// A size past the limits is ErrTooLarge, or ErrCorrupt when
			// the coded size gives the lie away first: both before any
			// pixel is decoded (Probe).
			want := []error{c.want}
			if c.want == nil {
				want = []error{codecs.ErrTooLarge, codecs.ErrCorrupt}
			}
			name := fmt.Sprintf("%s ispe %d×%d", kind, c.w, c.h)
			refusedCleanly(t, name, forgeISPE(data, -1, c.w, c.h), c.lim, want...)
			if _, err := codecs.Probe(forgeISPE(data, -1, c.w, c.h), c.lim); !errors.Is(err, want[0]) && !errors.Is(err, want[len(want)-1]) {
				t.Errorf("%s: Probe: %v, want %v", name, err, want)
			}
		}
	}
}

// TestHostileCodedSizeLargerThanISPE: a 1024×1024 image whose ispe
// claims 64×64 would make the decoder allocate for 1024×1024 what was
// checked for 64×64; the SPS (HEVC) or sequence header (AV1) gives it
// away.
func TestHostileCodedSizeLargerThanISPE(t *testing.T) {
	for kind, data := range map[string][]byte{
		"heic": heifEnc(t, photo(1024, 1024, false), "-q", "20"),
		"avif": avifEnc(t, photo(1024, 1024, false), "-y", "420", "--min", "40", "--max", "60"),
	} {
		refusedCleanly(t, kind, forgeISPE(data, -1, 64, 64), codecs.Limits{}, codecs.ErrCorrupt)
	}
}

func TestHostileTruncated(t *testing.T) {
	for kind, data := range map[string][]byte{
		"heic":       heifEnc(t, photo(200, 120, false), "-q", "50"),
		"heic alpha": heifEnc(t, photo(120, 80, true), "-q", "50"),
		"avif":       avifEnc(t, photo(200, 120, true), "-y", "420"),
		// Opaque 8-bit 4:2:0: the system engine's, where libheif loads.
		"avif opaque": avifEnc(t, photo(200, 120, false), "-y", "420"),
	} {
		// Every 16th byte: across every box boundary and through mdat.
		for n := 0; n < len(data); n += max(1, len(data)/97) {
			refusedCleanly(t, fmt.Sprintf("%s cut at %d of %d", kind, n, len(data)), data[:n], codecs.Limits{})
		}
	}
}

// TestHostileCodedData damages the coded image data of an opaque HEIC and
// AVIF (1–8 bytes changed, past the first fifth of the file, where the
// encoders put mdat) 100 times each and decodes every copy with each
// engine: an error or an image, never a crash or a hang. The system
// engine is native code (libde265, dav1d); 6000 such copies passed it
// when it began to serve AVIF.
func TestHostileCodedData(t *testing.T) {
	files := map[string][]byte{
		"heic": heifEnc(t, photo(320, 240, false), "-q", "50"),
		"avif": avifEnc(t, photo(320, 240, false), "-y", "420"),
	}
	for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
		t.Run(e, func(t *testing.T) {
			t.Setenv(heif.EngineEnv, e)
			for kind, data := range files {
				rng := rand.New(rand.NewPCG(uint64(len(data)), 1))
				for i := range 100 {
					d := bytes.Clone(data)
					for range 1 + rng.IntN(8) {
						d[len(d)/5+rng.IntN(len(d)*4/5)] ^= byte(1 + rng.IntN(255))
					}
					refusedCleanly(t, fmt.Sprintf("%s damaged %d", kind, i), d, codecs.Limits{})
				}
			}
		})
	}
}

func TestHostileBoxes(t *testing.T) {
	data := heifEnc(t, photo(64, 64, false), "-q", "50")
	f := mustParse(t, data)
	_ = f
	metaAt := bytes.Index(data, []byte("meta")) - 4
	ilocAt := bytes.Index(data, []byte("iloc")) - 4
	set32 := func(at int, v uint32) []byte {
		b := bytes.Clone(data)
		binary.BigEndian.PutUint32(b[at:], v)
		return b
	}
	cases := map[string][]byte{
		"meta size 0":   set32(metaAt, 0),
		"meta size 1":   set32(metaAt, 1),
		"meta size 7":   set32(metaAt, 7),
		"meta huge":     set32(metaAt, 0xFFFFFFF0),
		"iloc size 0":   set32(ilocAt, 0),
		"iloc huge":     set32(ilocAt, 0x7FFFFFFF),
		"ftyp size 0":   set32(0, 0),
		"ftyp size 9":   set32(0, 9),
		"only ftyp":     data[:bytes.Index(data, []byte("meta"))-4],
		"extent at EOF": extentPastEOF(t, data),
	}
	for name, b := range cases {
		refusedCleanly(t, name, b, codecs.Limits{})
	}
}

// extentPastEOF moves the primary's data beyond the end of the file.
func extentPastEOF(t *testing.T, data []byte) []byte {
	f := mustParse(t, data)
	d, err := f.ItemData(f.Primary().ID)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, d[:16])
	// The iloc offset field holds at as a 32-bit value: find it.
	var want [4]byte
	binary.BigEndian.PutUint32(want[:], uint32(at))
	il := bytes.Index(data, []byte("iloc"))
	k := bytes.Index(data[il:], want[:])
	if k < 0 {
		t.Fatal("extent offset not found")
	}
	out := bytes.Clone(data)
	binary.BigEndian.PutUint32(out[il+k:], uint32(len(data)+100))
	return out
}

// TestHostileGrids builds grids that lie: more output than tiles cover,
// far more tiles than output, missing tiles.
func TestHostileGrids(t *testing.T) {
	// heif-enc writes odd sizes as a 1×1 grid of a padded tile.
	data := heifEnc(t, photo(63, 47, false), "-q", "50")
	f := mustParse(t, data)
	m, err := f.Image()
	if err != nil || !m.Grid {
		t.Skipf("heif-enc made no grid here (%v)", err)
	}
	gridAt := -1
	if d, err := f.ItemData(m.ID); err == nil {
		gridAt = bytes.Index(data, d)
	}
	if gridAt < 0 {
		t.Fatal("grid description not found")
	}
	forge := func(rows, cols byte, w, h uint16) []byte {
		b := bytes.Clone(data)
		b[gridAt+2], b[gridAt+3] = rows-1, cols-1
		binary.BigEndian.PutUint16(b[gridAt+4:], w)
		binary.BigEndian.PutUint16(b[gridAt+6:], h)
		return forgeISPE(b, 1, uint32(w), uint32(h))
	}
	refusedCleanly(t, "10000×10000 from one tile", forge(1, 1, 10000, 10000), codecs.Limits{}, codecs.ErrCorrupt)
	refusedCleanly(t, "256×256 tiles, one present", forge(255, 255, 60000, 60000), codecs.Limits{MaxSide: -1, MaxPixels: -1}, codecs.ErrCorrupt)
	refusedCleanly(t, "2×2 tiles, one present", forge(2, 2, 120, 90), codecs.Limits{}, codecs.ErrCorrupt)
	// A grid may crop its tiles to any output they cover: this one is
	// valid and decodes to its 1×1 output.
	img, _, err := codecs.Decode(context.Background(), forge(1, 1, 1, 1), codecs.Limits{})
	if err != nil || img.Bounds().Size() != (image.Point{1, 1}) {
		t.Errorf("1×1 output of one tile: %v, %v", img, err)
	}
}

func TestHostileMemoryLimit(t *testing.T) {
	for kind, data := range map[string][]byte{
		"heic": heifEnc(t, photo(1024, 768, false), "-q", "50"),
		"avif": avifEnc(t, photo(1024, 768, false), "-y", "420"),
	} {
		_, _, err := heif.DecodePeak(data, 4<<20)
		if !errors.Is(err, codecs.ErrTooLarge) {
			t.Errorf("%s under 4 MiB: %v, want ErrTooLarge", kind, err)
		}
	}
}

func TestHostileDeadline(t *testing.T) {
	data := heifEnc(t, photo(1024, 768, false), "-q", "50")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	start := time.Now()
	_, _, err := codecs.Decode(ctx, data, codecs.Limits{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v after the deadline", d)
	}
	_, _, err = codecs.Decode(context.Background(), data, codecs.Limits{DecodeTimeout: codecs.Duration(time.Millisecond)})
	if !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("decode_timeout 1ms: %v, want ErrTooLarge", err)
	}
}
