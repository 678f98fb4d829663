package jpeg

import (
	"bytes"
	"image"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// decBench12MP is a 4000×3000 photo-like JPEG (gradients and noise,
// quality 90, 4:2:0) written by image/jpeg.
var decBench12MP = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	m := decTestPhoto(4000, 3000, 12, 12)
	if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// decBenchRun decodes data b.N times with dec and reports megapixels per
// second of the full-size image.
func decBenchRun(b *testing.B, data []byte, dec func([]byte) (image.Image, error)) {
	cfg, err := stdjpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dec(data); err != nil {
			b.Fatal(err)
		}
	}
	mp := float64(cfg.Width*cfg.Height) / 1e6
	b.ReportMetric(mp*float64(b.N)/b.Elapsed().Seconds(), "MP/s")
}

func decScaledFunc(denom int) func([]byte) (image.Image, error) {
	return func(p []byte) (image.Image, error) { return DecodeScaled(bytes.NewReader(p), denom) }
}

func decStdFunc(p []byte) (image.Image, error) { return stdjpeg.Decode(bytes.NewReader(p)) }

// decBenchInputs returns the benchmark inputs: the synthetic 12 MP photo
// and, with BLOBIMAGE_CORPUS set, two camera photos from the corpus.
func decBenchInputs(b *testing.B) map[string][]byte {
	in := map[string][]byte{"12MP": decBench12MP()}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		for name, file := range map[string]string{"nikon14MP": "nikond3100_14mp.jpg", "prog16MP": "seeding_16mp_prog.jpg"} {
			p, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				b.Logf("corpus: %v", err)
				continue
			}
			in[name] = p
		}
	}
	return in
}

func decBenchAll(b *testing.B, dec func([]byte) (image.Image, error)) {
	for _, name := range []string{"12MP", "nikon14MP", "prog16MP"} {
		data, ok := decBenchInputs(b)[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) { decBenchRun(b, data, dec) })
	}
}

func BenchmarkDecodeFull(b *testing.B)    { decBenchAll(b, decScaledFunc(1)) }
func BenchmarkDecodeHalf(b *testing.B)    { decBenchAll(b, decScaledFunc(2)) }
func BenchmarkDecodeQuarter(b *testing.B) { decBenchAll(b, decScaledFunc(4)) }
func BenchmarkDecodeEighth(b *testing.B)  { decBenchAll(b, decScaledFunc(8)) }
func BenchmarkStdlibDecode(b *testing.B)  { decBenchAll(b, decStdFunc) }
