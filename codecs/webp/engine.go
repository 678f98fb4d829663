package webp

import (
	"bytes"
	"fmt"
	"image"

	gwebp "github.com/gen2brain/webp"

	"github.com/blobimage/blobimage/codecs/internal/engine"
)

// Engines: how an image is encoded. Decoding is golang.org/x/image/webp's,
// or the system's libwebp for a lossy still without alpha (DecodeEngine).
const (
	// EngineWasm runs libwebp 1.4.0 compiled to WebAssembly (the build
	// github.com/gen2brain/webp embeds), in wazero: pure Go, always
	// available, bounded in memory (WasmMemory) and stopped by the
	// caller's context.
	EngineWasm = engine.Wasm
	// EngineSystem calls the system's libwebp through purego (gen2brain's
	// dynamic path), in a dynamically linked binary where libwebp.so and
	// libwebpdemux.so load (Debian's libwebp-dev installs these names; the
	// runtime package libwebp7 only libwebp.so.7) and give a lossless
	// round trip back pixel for pixel. It is several times faster, is not
	// bounded by WasmMemory, and cannot be stopped: see encodeSystem.
	EngineSystem = engine.System
)

// EngineEnv is the environment variable that forces an engine: "wasm",
// "system" or "auto" (the default: system where it is available, else
// wasm). It is read at every encode, and means what it means to
// codecs/heif.
const EngineEnv = engine.Env

// Engine reports the engine that encodes under the current setting: wasm
// when EngineEnv says so or the system's libwebp does not work; system
// when EngineEnv says so; else system, unless a system encode whose caller
// gave up is still running: then wasm, so as to take no more unbounded
// native memory until it ends.
func Engine() string { return system.Choose() }

// system is the system's libwebp, checked once by probeSystem.
var system = engine.New(probeSystem)

// systemWorks reports why the system engine cannot be used, or nil.
func systemWorks() error { return system.Works() }

// probeSystem reports why the system engine cannot be used, or nil: the
// library must be loaded and encode a small picture losslessly to a file
// that golang.org/x/image/webp reads back pixel for pixel.
func probeSystem() error {
	if err := gwebp.Dynamic(); err != nil {
		return fmt.Errorf("system libwebp unavailable: %w", err)
	}
	src := engine.ProbePicture()
	var buf bytes.Buffer
	if err := gwebp.Encode(&buf, src, gwebp.Options{Lossless: true, Quality: DefaultQuality, Method: DefaultMethod}); err != nil {
		return fmt.Errorf("system libwebp: test encode: %w", err)
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("system libwebp: test encode unreadable: %w", err)
	}
	if n, ok := got.(*image.NRGBA); !ok || n.Rect != src.Rect || !bytes.Equal(n.Pix, src.Pix) {
		return fmt.Errorf("system libwebp: test encode decoded to other pixels")
	}
	return nil
}
