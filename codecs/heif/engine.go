package heif

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs"
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
	// decoding a small AVIF). The rest goes to wasm. HEVC images whose
	// samples are full-range BT.601 as coded (phones', heif-enc's) are
	// decoded by libde265, libheif's own HEVC decoder, called directly
	// through purego, which skips libheif 1.15's round trip through RGB,
	// and single AV1 images whose nclx box says so (libavif's and this
	// module's encoders write one) by libdav1d the same way (see
	// decodeSystemNative). (gen2brain's own AVIF
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
// are the same, and libheif applies the transforms), or, for images whose
// samples need no conversion, with its libde265 or libdav1d
// (decodeSystemNative). The C
// code cannot be stopped: when ctx ends first, decodeSystem returns ctx's
// error while the decode finishes on its own, counted as abandoned, which
// keeps the automatic choice on wasm (whose memory is bounded) until it
// has ended (engine.Run). Its memory is the estimate the caller charged
// (Info.Memory) while the call is waited for.
func decodeSystem(ctx context.Context, f *File, m *Image) (image.Image, error) {
	if nativeServes(f, m) {
		return decodeSystemNative(ctx, f, m)
	}
	return decodeGen2brain(ctx, f, m)
}

// nativeServes reports whether decodeSystemNative decodes m, whose
// samples must already be full-range BT.601 as coded: an HEVC image where
// libde265 loads (what phones and heif-enc write), by its (or each tile's)
// colour description and its nclx box, if it has one; for a grid, one
// whose tiles start at even offsets, as 4:2:0 chroma can be pasted; or a
// single AV1 image where libdav1d loads, by its nclx box (without one,
// libheif reads the colour from the AV1 sequence header, which this
// package does not). Images whose samples need converting stay with
// libheif, whose conversion's arithmetic is heif-convert's: normalise's,
// exact, is 1–4 dB further from heif-convert's pixels
// (TestNativeMatchesGen2brain).
func nativeServes(f *File, m *Image) bool {
	_, nclx := f.colour(m.ID, "nclx")
	switch m.Coding {
	case "av01":
		return !m.Grid && nclx && f.colourOf(m.ID).bt601() && nativeAV1Works() == nil
	case "hvc1":
	default:
		return false
	}
	if nativeWorks() != nil {
		return false
	}
	coded := []uint32{m.ID}
	if m.Grid {
		if (m.Cols > 1 && m.TileWidth%2 != 0) || (m.Rows > 1 && m.TileHeight%2 != 0) {
			return false
		}
		coded = m.Tiles
	}
	if nclx && !f.colourOf(m.ID).bt601() {
		return false
	}
	for _, id := range coded {
		if !f.colourOf(id).bt601() {
			return false
		}
	}
	return true
}

// decodeGen2brain is decodeSystem through gen2brain's purego code, which
// reads AV1 images and, where this package has no binding of its own
// (native.go), HEVC ones.
func decodeGen2brain(ctx context.Context, f *File, m *Image) (image.Image, error) {
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

// decodeSystemNative decodes the 8-bit 4:2:0 HEVC or AV1 image m, whose
// samples need no conversion (nativeServes), as decodeHEIC does, one coded
// image at a time (the image, or each tile of a grid), but with the
// system's libde265 or libdav1d (decodeNative, decodeNativeAV1), which
// the system's libheif decodes with, its
// planes copied once, straight into the image returned, and the tiles of
// a grid on every core (libheif decodes a grid's tiles on threads of its
// own too); the transforms are applied here. libheif 1.15 would convert
// every picture it decodes to RGB 4:4:4, and back to Y'CbCr 4:2:0 for
// gen2brain's call: a fifth of the decode of one HEVC picture, two fifths
// of an iPhone's grid of 42 small ones, half of an AV1 picture's, for the
// same samples.
//
// The calls are waited for as decodeSystem's (engine.Run); once ctx has
// ended, the workers take no more tiles, so an abandoned decode ends
// soon. A panic in a worker comes back as an error.
func decodeSystemNative(ctx context.Context, f *File, m *Image) (image.Image, error) {
	img, err, stop := engine.Run(ctx, system, func() (*image.YCbCr, error) {
		return decodeNativeCoded(ctx, f, m)
	})
	if stop != nil {
		return nil, stop
	}
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, codecs.ErrCorrupt), errors.Is(err, codecs.ErrUnsupportedFormat):
		return nil, err
	default:
		// A panic comes as an *engine.PanicError: "panic: …".
		return nil, errCorrupt("system %s decoder: %v", m.Coding, err)
	}
	return transform(img, m.Transforms), nil
}

// hevcNALs returns coded item id's NAL units: its hvcC's parameter sets,
// then those of its data, which each start with their length.
func (f *File) hevcNALs(id uint32) ([][]byte, error) {
	c, ok := f.hvcC(id)
	if !ok {
		return nil, errCorrupt("item %d has no hvcC", id)
	}
	data, err := f.ItemData(id)
	if err != nil {
		return nil, err
	}
	nals := append([][]byte(nil), c.NALs...)
	n := c.LengthSize
	for len(data) > 0 {
		if len(data) < n {
			return nil, errCorrupt("item %d: NAL unit length cut", id)
		}
		var size uint64
		for _, b := range data[:n] {
			size = size<<8 | uint64(b)
		}
		data = data[n:]
		if size > uint64(len(data)) || size > math.MaxInt32 {
			return nil, errCorrupt("item %d: NAL unit of %d bytes past its data", id, size)
		}
		nals = append(nals, data[:size])
		data = data[size:]
	}
	return nals, nil
}

// decodeNativeItem decodes coded item id, w×h, an HEVC or AV1 picture
// as coding says, with the system's libde265 or libdav1d, and hands put
// a view of its planes (view420), which the decoder reuses once put
// returns.
func (f *File) decodeNativeItem(coding string, id uint32, w, h int, put func(*image.YCbCr)) error {
	if coding == "av01" {
		c, data, err := f.av1Item(id)
		if err != nil {
			return err
		}
		return decodeNativeAV1(append(c.ConfigOBUs[:len(c.ConfigOBUs):len(c.ConfigOBUs)], data...), w, h, put)
	}
	nals, err := f.hevcNALs(id)
	if err != nil {
		return err
	}
	return decodeNative(nals, w, h, put)
}

// decodeNativeCoded decodes the coded image m (a single HEVC or AV1 image
// or a grid of HEVC ones, 8-bit 4:2:0) at its declared size, samples as coded,
// without transforms, a grid's tiles on gridWorkers threads.
func decodeNativeCoded(ctx context.Context, f *File, m *Image) (*image.YCbCr, error) {
	w, h := int(m.Declared.Width), int(m.Declared.Height)
	tiles, cols, tw, th := []uint32{m.ID}, 1, w, h
	workers := 1
	if m.Grid {
		tiles, cols, tw, th = m.Tiles, m.Cols, m.TileWidth, m.TileHeight
		workers = gridWorkers(m)
	}
	canvas := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	decode := func(i int) error {
		x0, y0 := (i%cols)*tw, (i/cols)*th
		return f.decodeNativeItem(m.Coding, tiles[i], tw, th, func(v *image.YCbCr) {
			pasteYCbCr(canvas, v, x0, y0)
		})
	}
	next := make(chan int, len(tiles))
	for i := range tiles {
		next <- i
	}
	close(next)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					errs[k] = &engine.PanicError{Value: p}
				}
				if errs[k] != nil {
					for range next { // let the other workers stop
					}
				}
			}()
			for i := range next {
				if err := ctx.Err(); err != nil {
					errs[k] = err
					return
				}
				if err := decode(i); err != nil {
					if m.Grid {
						err = fmt.Errorf("tile %d: %w", tiles[i], err)
					}
					errs[k] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return canvas, nil
}
