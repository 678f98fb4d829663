package heif

import (
	"bytes"
	"context"
	"image"
	"os"
	"sync/atomic"

	"github.com/gen2brain/heic"
)

// Engines: how an image is decoded.
const (
	// EngineWasm runs libheif (with libde265) and libavif (with libaom)
	// compiled to WebAssembly, in wazero: pure Go, always available,
	// bounded in memory and time by the caller.
	EngineWasm = "wasm"
	// EngineSystem calls the system's libheif through purego (gen2brain's
	// dynamic path), in a dynamically linked binary where libheif.so
	// loads. It serves 8-bit 4:2:0 HEVC images without alpha, what
	// gen2brain's code reads correctly from libheif 1.15 (Debian 12); the
	// rest goes to wasm. gen2brain's AVIF code needs libavif 1.1 or newer,
	// which Debian 12 (0.11) does not have.
	EngineSystem = "system"
)

// EngineEnv is the environment variable that forces an engine: "wasm",
// "system" or "auto" (the default: system where it is available and
// serves the image, else wasm).
const EngineEnv = "BLOBIMAGE_CODEC_ENGINE"

// Engine reports the engine that decodes the given coding ("hvc1" or
// "av01") of an 8-bit 4:2:0 opaque image under the current setting.
func Engine(coding string) string {
	return engineFor(&Image{Coding: coding, BitDepth: 8, ChromaFormat: 1})
}

// engineFor picks the engine for m.
func engineFor(m *Image) string {
	mode := os.Getenv(EngineEnv)
	if mode == EngineWasm || m.Coding != "hvc1" || heic.Dynamic() != nil {
		return EngineWasm
	}
	if m.BitDepth != 8 || m.ChromaFormat != 1 || m.Alpha != 0 {
		return EngineWasm
	}
	if mode != EngineSystem && abandoned.Load() > 0 {
		// A system decode whose caller gave up is still running: its
		// memory is no longer charged to anyone, so take no more native
		// memory until it ends.
		return EngineWasm
	}
	return EngineSystem
}

// abandoned counts system decodes still running after their context
// ended.
var abandoned atomic.Int64

// decodeSystem decodes with the system's libheif. The C code cannot be
// stopped: the call runs in its own goroutine, and when ctx ends first,
// decodeSystem returns ctx's error while the goroutine finishes on its
// own, counted in abandoned, which keeps the automatic choice on wasm
// (whose memory is bounded) until it has ended. Its memory is the
// estimate the caller charged (Info.Memory) while the call is waited for.
func decodeSystem(ctx context.Context, f *File, m *Image) (image.Image, error) {
	type result struct {
		img image.Image
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				r = result{err: errCorrupt("system libheif panicked: %v", v)}
			}
			done <- r
		}()
		r.img, r.err = heic.Decode(bytes.NewReader(f.data))
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, errCorrupt("system libheif: %v", r.err)
		}
		if v, ok := r.img.(*image.YCbCr); ok && !m.Grid {
			// libheif returns a single image's samples as coded; a grid
			// comes back converted through RGB to full-range BT.601.
			normalise(v, f.colourOf(m.ID))
		}
		return r.img, nil
	case <-ctx.Done():
		abandoned.Add(1)
		go func() {
			<-done
			abandoned.Add(-1)
		}()
		return nil, ctx.Err()
	}
}
