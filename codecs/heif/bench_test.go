package heif_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// benchFixture returns a 12 MP (4032×3024, an iPhone's) fixture made by
// make, kept in the temporary directory between runs: the encoders take
// minutes for it.
func benchFixture(b *testing.B, name string, make func(testing.TB) []byte) []byte {
	b.Helper()
	p := filepath.Join(os.TempDir(), "blobimage-heif-bench-"+name)
	if data, err := os.ReadFile(p); err == nil {
		return data
	}
	data := make(b)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return data
}

func benchInputs(b *testing.B) map[string][]byte {
	in := map[string][]byte{
		"heic12mp": benchFixture(b, "12mp.heic", func(tb testing.TB) []byte { return heifEnc(tb, photo(4032, 3024, false), "-q", "80") }),
		"avif12mp": benchFixture(b, "12mp.avif", func(tb testing.TB) []byte { return avifEnc(tb, photo(4032, 3024, false), "-d", "8", "-y", "420") }),
	}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		if data, err := os.ReadFile(filepath.Join(dir, "iphone_IMG_5195.heic")); err == nil {
			in["iphone"] = data
		}
	}
	return in
}

// reportPerMP reports the time per decoded megapixel.
func reportPerMP(b *testing.B, data []byte) {
	info, err := codecs.Probe(data, codecs.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	mp := float64(info.Width*info.Height) / 1e6
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mp, "ms/MP")
}

func benchDecode(b *testing.B, names ...string) {
	in := benchInputs(b)
	lim := codecs.Limits{DecodeTimeout: codecs.Duration(5 * time.Minute)}
	for _, e := range []string{heif.EngineWasm, heif.EngineSystem} {
		for _, name := range names {
			data, ok := in[name]
			if !ok {
				continue
			}
			b.Run(e+"/"+name, func(b *testing.B) {
				b.Setenv(heif.EngineEnv, e)
				f := mustParse(b, data)
				m, _ := f.Image()
				if heif.Engine(m.Coding) != e {
					b.Skipf("engine %s does not serve %s here", e, m.Coding)
				}
				if _, _, err := codecs.Decode(context.Background(), data, lim); err != nil { // compile, warm up
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, _, err := codecs.Decode(context.Background(), data, lim); err != nil {
						b.Fatal(err)
					}
				}
				reportPerMP(b, data)
			})
		}
	}
	// The native tools in the same run: libheif (heif-convert) and
	// libavif (avifdec, dav1d) decoding to y4m, which costs no encoding.
	for _, name := range names {
		data, ok := in[name]
		if !ok {
			continue
		}
		tool := "heif-convert"
		if name == "avif12mp" {
			tool = "avifdec"
		}
		b.Run("native-"+tool+"/"+name, func(b *testing.B) {
			path := testimage.Tool(b, tool)
			dir := b.TempDir()
			src := filepath.Join(dir, "in")
			if err := os.WriteFile(src, data, 0o644); err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "out.y4m")
			for b.Loop() {
				if o, err := exec.Command(path, src, out).CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", tool, err, o)
				}
			}
			reportPerMP(b, data)
		})
	}
}

// BenchmarkDecodeHEIC decodes a 12 MP heif-enc file and the corpus iPhone
// photo with each engine, and with heif-convert for comparison.
func BenchmarkDecodeHEIC(b *testing.B) { benchDecode(b, "heic12mp", "iphone") }

// BenchmarkDecodeAVIF decodes a 12 MP avifenc file with the wasm engine
// and with avifdec for comparison.
func BenchmarkDecodeAVIF(b *testing.B) { benchDecode(b, "avif12mp") }
