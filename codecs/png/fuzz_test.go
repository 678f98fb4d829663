package png

import (
	"bytes"
	stdpng "image/png"
	"reflect"
	"testing"
)

// fuzzMaxPixels bounds the images the fuzz target decodes: image/png
// allocates what the header declares.
const fuzzMaxPixels = 1 << 20

// FuzzDecode checks that the decoder never panics, fails exactly when
// image/png fails, gives image/png's image when both succeed, and that
// DecodeScaled succeeds with Decode and matches the box reduction of its
// image.
func FuzzDecode(f *testing.F) {
	for i, p := range matrix() {
		if i%7 == 0 {
			p.w, p.h = 9, 7
			f.Add(p.encode())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		stdCfg, stdCfgErr := stdpng.DecodeConfig(bytes.NewReader(data))
		if (err == nil) != (stdCfgErr == nil) {
			t.Fatalf("DecodeConfig: %v; image/png: %v", err, stdCfgErr)
		}
		if err != nil {
			Decode(bytes.NewReader(data)) // must not panic
			return
		}
		if !reflect.DeepEqual(cfg, stdCfg) {
			t.Fatalf("DecodeConfig %+v; image/png %+v", cfg, stdCfg)
		}
		if cfg.Width*cfg.Height > fuzzMaxPixels {
			return
		}
		got, err := Decode(bytes.NewReader(data))
		want, stdErr := stdpng.Decode(bytes.NewReader(data))
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("Decode: %v; image/png: %v", err, stdErr)
		}
		for _, k := range []int{2, 8} {
			m, serr := DecodeScaled(bytes.NewReader(data), k)
			if (serr == nil) != (err == nil) {
				t.Fatalf("DecodeScaled(%d): %v; Decode: %v", k, serr, err)
			}
			if err == nil && !reflect.DeepEqual(m, boxReduce(got, k)) {
				t.Fatalf("DecodeScaled(%d) differs from the box reduction of Decode", k)
			}
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%T differs from image/png's %T%s", got, want, firstDiff(got, want))
		}
	})
}
