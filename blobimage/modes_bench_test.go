package blobimage_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// modesBenchConfig mirrors the config of go run ./bench: %s is the
// original policy of the mode, the variants are fit 1000 and 400 at q85.
const modesBenchConfig = `{"rules": [{
  "match": "**",
  "original": %s,
  "variants": [
    {"name": "medium", "op": "fit", "width": 1000, "height": 1000, "format": "jpeg", "quality": 85},
    {"name": "small",  "op": "fit", "width": 400,  "height": 400,  "format": "jpeg", "quality": 85}
  ]
}]}`

// BenchmarkModes puts the corpus JPEGs of the comparison benchmark's
// default selection (all but the orient_portrait_ samples) once per
// iteration through its keep and recompress configs, one variant after
// another, so a CPU profile of it shows where that benchmark's time goes.
func BenchmarkModes(b *testing.B) {
	dir := corpus(b)
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	var photos [][]byte
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), "orient_portrait_") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		photos = append(photos, data)
	}
	for _, mode := range []struct{ name, policy string }{
		{"keep", `{"mode": "keep", "strip": "none"}`},
		{"recompress", `{"mode": "recompress", "format": "jpeg", "quality": 85}`},
	} {
		b.Run(mode.name, func(b *testing.B) {
			cfg, err := variants.ParseConfig(fmt.Appendf(nil, modesBenchConfig, mode.policy))
			if err != nil {
				b.Fatal(err)
			}
			s, err := blobimage.Wrap(memblob.OpenBucket(nil), cfg, &blobimage.Options{Concurrency: 1})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				for i, data := range photos {
					key := "photos/" + strings.Repeat("p", 1+i%3) + fmt.Sprint(i)
					if _, err := s.Put(ctx, key, bytes.NewReader(data), nil); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
