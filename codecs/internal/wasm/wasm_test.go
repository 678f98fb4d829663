package wasm_test

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	_ "github.com/gen2brain/webp"

	"github.com/blobimage/blobimage/codecs/internal/wasm"
)

// The tests run libwebp's WebAssembly build, as gen2brain/webp embeds it.
//
//go:linkname webpWasm github.com/gen2brain/webp.webpWasm
var webpWasm []byte

var webp = wasm.NewModule("libwebp", webpWasm)

// encode runs libwebp's encoder on a w×h grey RGBA picture under limit.
func encode(ctx context.Context, limit int64, w, h int) (out []byte, peak int64, err error) {
	err = webp.Run(ctx, limit, func(in *wasm.Instance) error {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = byte(i * 7)
		}
		p, err := in.Malloc(len(img.Pix))
		if err != nil {
			return err
		}
		if err := in.Write(p, img.Pix); err != nil {
			return err
		}
		sizep, err := in.Malloc(8)
		if err != nil {
			return err
		}
		// encode(rgba, w, h, *size, colorspace, quality, method, lossless, exact)
		res, err := in.Call("encode", uint64(p), uint64(w), uint64(h), uint64(sizep), 0, 75, 4, 0, 0)
		if err != nil {
			return err
		}
		if res == 0 {
			if in.Peak() >= limit-64<<10 {
				return wasm.ErrMemoryLimit
			}
			return errors.New("encode failed")
		}
		n, err := in.Uint32(sizep)
		if err != nil {
			return err
		}
		out, err = in.Bytes(uint32(res), n)
		peak = in.Peak()
		return err
	})
	return out, peak, err
}

func TestRunEncodes(t *testing.T) {
	out, peak, err := encode(context.Background(), 256<<20, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 12 || string(out[:4]) != "RIFF" || string(out[8:12]) != "WEBP" {
		t.Fatalf("not a WebP file: % x", out[:min(16, len(out))])
	}
	if peak <= 0 || peak > 256<<20 {
		t.Errorf("peak linear memory %d", peak)
	}
}

func TestMemoryLimit(t *testing.T) {
	// 4000×4000 RGBA is 64 MB of input alone: a 16 MiB instance cannot
	// hold it.
	_, _, err := encode(context.Background(), 16<<20, 4000, 4000)
	if !errors.Is(err, wasm.ErrMemoryLimit) {
		t.Fatalf("err = %v, want ErrMemoryLimit", err)
	}
	// The module still works afterwards.
	if _, _, err := encode(context.Background(), 256<<20, 64, 64); err != nil {
		t.Fatal(err)
	}
}

func TestContextStopsCall(t *testing.T) {
	if err := webp.Compile(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := encode(ctx, 1<<30, 3000, 3000)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the call went on for %v after its deadline", d)
	}
}

// TestRunToEnd: a run-to-end module's call returns as soon as its caller's
// context ends, goes on in the background, counted as abandoned, and
// frees its slot when it ends; it runs faster than the same library
// compiled to be interruptible.
func TestRunToEnd(t *testing.T) {
	fast := wasm.NewRunToEnd("libwebp", webpWasm)
	if err := fast.Compile(); err != nil {
		t.Fatal(err)
	}
	encodeWith := func(m *wasm.Module, ctx context.Context) (time.Duration, error) {
		start := time.Now()
		err := m.Run(ctx, 1<<30, func(in *wasm.Instance) error {
			w, h := 600, 400
			pix := make([]byte, 4*w*h)
			for i := range pix {
				pix[i] = byte(i * 7)
			}
			p, err := in.Malloc(len(pix))
			if err != nil {
				return err
			}
			if err := in.Write(p, pix); err != nil {
				return err
			}
			sizep, err := in.Malloc(8)
			if err != nil {
				return err
			}
			_, err = in.Call("encode", uint64(p), uint64(w), uint64(h), uint64(sizep), 0, 75, 4, 0, 0)
			return err
		})
		return time.Since(start), err
	}
	slow, err := encodeWith(webp, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	quick, err := encodeWith(fast, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("0.24 MP WebP encode: %v interruptible, %v run to end", slow, quick)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	took, err := encodeWith(fast, ctx)
	if !errors.Is(err, context.DeadlineExceeded) || took > time.Second {
		t.Fatalf("cancelled call: %v after %v", err, took)
	}
	if n := wasm.Abandoned(); n != 1 {
		t.Errorf("%d abandoned calls, want 1", n)
	}
	for deadline := time.Now().Add(30 * time.Second); wasm.Abandoned() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned call never ended")
		}
	}
}
