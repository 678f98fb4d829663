package avif

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"strings"
	"sync"

	gavif "github.com/gen2brain/avif"
)

// Engine names an implementation of the encoder.
type Engine string

// The engines.
const (
	// Auto is System when the system library is loaded and works, Wasm
	// otherwise.
	Auto Engine = "auto"
	// System is the system's libavif, 1.1 or newer (libavif.so, as the
	// -dev packages install it), loaded by github.com/gen2brain/avif
	// through purego. It is available only to dynamically linked binaries
	// (Debian 12's libavif 0.11.1 is refused as too old), and runs outside
	// the memory limit of the Wasm engine; a done context makes an encode
	// return at once, while the library finishes its work in the
	// background.
	System Engine = "system"
	// Wasm is libavif's WebAssembly build (the one github.com/gen2brain/avif
	// embeds) run by wazero, under a memory limit computed from the image
	// size and stopped when the context is done.
	Wasm Engine = "wasm"
)

// EngineEnv is the environment variable read on the first encode to choose
// the engine: auto (the default when it is unset or empty), system or
// wasm. A value naming no engine, or system where the system library does
// not work, makes every encode fail with an error saying so, until
// SetEngine chooses another.
const EngineEnv = "BLOBIMAGE_CODEC_ENGINE"

var engine struct {
	once sync.Once
	mu   sync.RWMutex
	use  Engine // System or Wasm
	err  error  // why EngineEnv's choice cannot be used
}

// current returns the engine encodes use, reading EngineEnv the first time.
func current() (Engine, error) {
	engine.once.Do(func() {
		e := Engine(strings.ToLower(strings.TrimSpace(os.Getenv(EngineEnv))))
		if e == "" {
			e = Auto
		}
		use, err := resolve(e)
		if err != nil {
			err = fmt.Errorf("avif: %s=%s: %w", EngineEnv, e, err)
		}
		engine.mu.Lock()
		engine.use, engine.err = use, err
		engine.mu.Unlock()
	})
	engine.mu.RLock()
	defer engine.mu.RUnlock()
	return engine.use, engine.err
}

// SetEngine chooses the engine of the encodes that follow, in place of
// EngineEnv's choice. It returns an error, and changes nothing, when e is
// no engine or is System and the system library does not work.
func SetEngine(e Engine) error {
	current()
	use, err := resolve(e)
	if err != nil {
		return fmt.Errorf("avif: engine %s: %w", e, err)
	}
	engine.mu.Lock()
	engine.use, engine.err = use, nil
	engine.mu.Unlock()
	return nil
}

// ActiveEngine returns the engine encodes use, System or Wasm, or the
// error they fail with (see EngineEnv).
func ActiveEngine() (Engine, error) { return current() }

// resolve returns the engine that e means here.
func resolve(e Engine) (Engine, error) {
	switch e {
	case Wasm:
		return Wasm, nil
	case System:
		if err := systemWorks(); err != nil {
			return "", err
		}
		return System, nil
	case Auto:
		if systemWorks() == nil {
			return System, nil
		}
		return Wasm, nil
	}
	return "", fmt.Errorf("unknown engine %q (want auto, system or wasm)", string(e))
}

// systemWorks reports why the system engine cannot be used, or nil: the
// library must be loaded and encode a small picture to a file that starts
// as an AVIF does.
var systemWorks = sync.OnceValue(func() error {
	if err := gavif.Dynamic(); err != nil {
		return fmt.Errorf("system libavif unavailable: %w", err)
	}
	src := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*37 + i/4)
	}
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	if err := gavif.Encode(&buf, src, gavif.Options{Quality: DefaultQuality, QualityAlpha: alphaQuality, Speed: 10, ChromaSubsampling: image.YCbCrSubsampleRatio420}); err != nil {
		return fmt.Errorf("system libavif: test encode: %w", err)
	}
	if b := buf.Bytes(); len(b) < 12 || string(b[4:12]) != "ftypavif" {
		return fmt.Errorf("system libavif: test encode wrote no AVIF")
	}
	return nil
})
