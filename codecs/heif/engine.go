package heif

import (
	"bytes"
	"context"
	"fmt"
	"image"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs/internal/engine"
)

// Engines: how an image is decoded.
const (
	// EngineWasm runs libheif (with libde265) and libavif (with libaom)
	// compiled to WebAssembly, in wazero: pure Go, always available,
	// bounded in memory and time by the caller.
	EngineWasm = engine.Wasm
	// EngineSystem calls the system's libheif through purego (gen2brain's
	// dynamic path), in a dynamically linked binary where libheif.so
	// loads. It serves 8-bit 4:2:0 images without alpha, what gen2brain's
	// code reads correctly from libheif 1.15 (Debian 12): HEVC, and AV1
	// where libheif has an AV1 decoder (dav1d or libaom; checked once by
	// decoding a small AVIF). The rest goes to wasm. (gen2brain's own AVIF
	// code would need libavif 1.1 or newer, which Debian 12, at 0.11, does
	// not have; libvips reads AVIF through libheif too.)
	EngineSystem = engine.System
)

// EngineEnv is the environment variable that forces an engine: "wasm",
// "system" or "auto" (the default: system where it is available and
// serves the image, else wasm).
const EngineEnv = engine.Env

// Engine reports the engine that decodes the given coding ("hvc1" or
// "av01") of an 8-bit 4:2:0 opaque image under the current setting.
func Engine(coding string) string {
	return engineFor(&Image{Coding: coding, BitDepth: 8, ChromaFormat: 1})
}

// engineFor picks the engine for m: wasm for what the system engine does
// not serve (see EngineSystem); else
// the choice for libheif, which is wasm when EngineEnv says so or libheif
// is not loaded, system when EngineEnv says so, and otherwise system
// unless a system decode whose caller gave up is still running (its memory
// is no longer charged to anyone, so take no more native memory until it
// ends).
func engineFor(m *Image) string {
	if m.BitDepth != 8 || m.ChromaFormat != 1 || m.Alpha != 0 {
		return EngineWasm
	}
	switch m.Coding {
	case "hvc1", "av01":
	default:
		return EngineWasm
	}
	e := system.Choose()
	if e == EngineSystem && m.Coding == "av01" && av1Works() != nil {
		return EngineWasm
	}
	return e
}

// system is the system's libheif, usable where gen2brain/heic loaded it.
var system = engine.New(func() error {
	if err := heic.Dynamic(); err != nil {
		return fmt.Errorf("system libheif unavailable: %w", err)
	}
	return nil
})

// decodeSystem decodes with the system's libheif (HEVC or AV1: the calls
// are the same, and libheif applies the transforms). The C code cannot be
// stopped: when ctx ends first, decodeSystem returns ctx's error while the
// decode finishes on its own, counted as abandoned, which keeps the
// automatic choice on wasm (whose memory is bounded) until it has ended
// (engine.Run). Its memory is the estimate the caller charged
// (Info.Memory) while the call is waited for.
func decodeSystem(ctx context.Context, f *File, m *Image) (image.Image, error) {
	img, err, stop := engine.Run(ctx, system, func() (image.Image, error) {
		return heic.Decode(bytes.NewReader(f.data))
	})
	if stop != nil {
		return nil, stop
	}
	if err != nil {
		// A panic comes as an *engine.PanicError: "panic: …".
		return nil, errCorrupt("system libheif: %v", err)
	}
	return fromSystem(f, m, img), nil
}

// fromSystem makes img, what libheif decoded for m, full-range BT.601, as
// image.YCbCr means. libheif converts the samples to that itself when it
// knows the image's colour description (a grid's, through RGB; an image's
// nclx box; an AV1 image's sequence header, which its AV1 decoder hands
// it: an AVIF without an nclx box decodes as with one), and returns a
// single HEVC image without an nclx box as coded, whose VUI colourOf
// reads. TestLevelsMatchReference, TestColourBoxes, TestEngines and
// TestTransforms hold both engines to the reference decoders.
func fromSystem(f *File, m *Image, img image.Image) image.Image {
	_, nclx := f.colour(m.ID, "nclx")
	if v, ok := img.(*image.YCbCr); ok && m.Coding == "hvc1" && !m.Grid && !nclx {
		normalise(v, f.colourOf(m.ID))
	}
	return img
}
