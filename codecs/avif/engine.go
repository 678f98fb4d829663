package avif

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gavif "github.com/gen2brain/avif"

	"github.com/blobimage/blobimage/codecs/internal/engine"
)

// Engines: how an image is encoded.
const (
	// EngineWasm runs libavif 1.1.1 with libaom 3.10.0 compiled to
	// WebAssembly (the build github.com/gen2brain/avif embeds), in wazero:
	// pure Go, always available, bounded in memory (WasmMemory) and
	// stopped by the caller's context.
	EngineWasm = engine.Wasm
	// EngineSystem calls a system library through purego: the system's
	// libavif (gen2brain's dynamic path) where it loads, is 1.1 or newer
	// (gen2brain's code refuses older ones: Debian 12 has 0.11.1) and
	// encodes a test picture; else the system's libheif (1.15 or newer)
	// with its AV1 encoder (libaom), where it encodes a test picture: the
	// library libvips writes AVIF with. Neither is bounded by WasmMemory,
	// and neither can be stopped: see encodeSystem.
	EngineSystem = engine.System
)

// EngineEnv is the environment variable that forces an engine: "wasm",
// "system" or "auto" (the default: system where it is available, else
// wasm). It is read at every encode, and means what it means to
// codecs/heif.
const EngineEnv = engine.Env

// Engine reports the engine that encodes under the current setting: wasm
// when EngineEnv says so or no system library works; system when
// EngineEnv says so; else system, unless an encode in each working system
// library was given up by its caller and is still running: then wasm, so
// as to take no more unbounded native memory from those until they end.
func Engine() string {
	if systemEncoder() != nil {
		return EngineSystem
	}
	return EngineWasm
}

// systemEncoder returns the system library's encode under the current
// setting (see Engine), or nil for wasm: libavif where it works, else
// libheif.
func systemEncoder() func(context.Context, image.Image, params) ([]byte, error) {
	if system.Choose() == EngineSystem {
		return encodeSystem
	}
	if libheif.Choose() == EngineSystem {
		return encodeLibheif
	}
	return nil
}

// system is the system's libavif, checked once by probeSystem.
var system = engine.New(probeSystem)

// systemWorks reports why the system engine cannot be used, or nil.
func systemWorks() error { return system.Works() }

// probeSystem reports why the system engine cannot be used, or nil: the
// library must be loaded and encode a small picture to a file that starts
// as an AVIF does.
func probeSystem() error {
	if err := gavif.Dynamic(); err != nil {
		return fmt.Errorf("system libavif unavailable: %w", err)
	}
	src := premultiplied(engine.ProbePicture()) // the *image.RGBA encodeSystem passes
	var buf bytes.Buffer
	if err := gavif.Encode(&buf, src, gavif.Options{Quality: DefaultQuality, QualityAlpha: alphaQuality, Speed: 10, ChromaSubsampling: image.YCbCrSubsampleRatio420}); err != nil {
		return fmt.Errorf("system libavif: test encode: %w", err)
	}
	if b := buf.Bytes(); len(b) < 12 || string(b[4:12]) != "ftypavif" {
		return fmt.Errorf("system libavif: test encode wrote no AVIF")
	}
	return nil
}
