package webp_test

import (
	"context"
	"image"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
)

// BenchmarkEncodeWebP encodes a 1 MP photo-like picture with each engine,
// and with cwebp at the same settings for comparison (its ms/MP is its own
// "Time to encode picture", which leaves out reading the PNG and starting
// the process; its ns/op does not). The picture is RGB (NRGBA), except in
// lossy-ycbcr: the same as a JPEG decoder or the resampler gives it,
// Y'CbCr 4:2:0, which libwebp is handed as planes.
func BenchmarkEncodeWebP(b *testing.B) {
	rgb := testimage.Photo(1000, 1000)
	const mp = 1.0
	modes := []struct {
		name string
		src  image.Image
		o    codecs.EncodeOptions
		args []string
	}{
		{"lossy", rgb, codecs.EncodeOptions{}, []string{"-q", "75", "-m", "4"}},
		{"lossy-ycbcr", testimage.YCbCr(rgb, image.YCbCrSubsampleRatio420), codecs.EncodeOptions{}, nil},
		{"lossless", rgb, codecs.EncodeOptions{Lossless: true}, []string{"-lossless", "-q", "75", "-m", "4"}},
	}
	for _, e := range engines {
		for _, m := range modes {
			b.Run(e+"/"+m.name, func(b *testing.B) {
				useEngine(b, e)
				var size int
				for b.Loop() {
					var w countWriter
					if err := codecs.Encode(&w, m.src, codecs.WebP, m.o); err != nil {
						b.Fatal(err)
					}
					size = int(w)
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mp, "ms/MP")
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
	for _, m := range modes {
		if m.args == nil {
			continue // cwebp reads RGB
		}
		b.Run("cwebp/"+m.name, func(b *testing.B) {
			bin := testimage.Tool(b, "cwebp")
			dir := b.TempDir()
			in := testimage.WriteFile(b, dir, "in.png", testimage.PNG(m.src))
			var enc time.Duration
			for b.Loop() {
				out, err := exec.Command(bin, append([]string{"-v"}, append(m.args, in, "-o", dir+"/out.webp")...)...).CombinedOutput()
				if err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				enc += cwebpTime(b, out)
			}
			b.ReportMetric(float64(enc.Milliseconds())/float64(b.N)/mp, "ms/MP")
		})
	}
}

// BenchmarkDecodeWebP decodes a 12 MP photo-like lossy WebP (cwebp -q 80)
// with each decoder: "go" (golang.org/x/image/webp, the engine setting
// "wasm"), "system" (the system's libwebp), and dwebp, whose ms/MP is its
// own "Time to decode picture" to Y'CbCr planes (-yuv), leaving out
// reading the file and starting the process.
func BenchmarkDecodeWebP(b *testing.B) {
	const w, h = 4000, 3000
	const mp = float64(w*h) / 1e6
	data := cwebp(b, testimage.Photo(w, h), "-q", "80")
	for _, d := range []struct{ name, env string }{{"go", webp.EngineWasm}, {"system", webp.EngineSystem}} {
		b.Run(d.name, func(b *testing.B) {
			b.Setenv(webp.EngineEnv, d.env)
			if got := webp.DecodeEngine(); got != d.name {
				b.Skipf("decode engine %s here", got)
			}
			for b.Loop() {
				if _, _, err := codecs.Decode(context.Background(), data, codecs.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mp, "ms/MP")
		})
	}
	b.Run("dwebp", func(b *testing.B) {
		bin := testimage.Tool(b, "dwebp")
		dir := b.TempDir()
		in := testimage.WriteFile(b, dir, "in.webp", data)
		var dec time.Duration
		for b.Loop() {
			out, err := exec.Command(bin, "-v", "-yuv", in, "-o", os.DevNull).CombinedOutput()
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			dec += toolTime(b, dwebpDecodeTime, out)
		}
		b.ReportMetric(float64(dec.Milliseconds())/float64(b.N)/mp, "ms/MP")
	})
}

var (
	cwebpEncodeTime = regexp.MustCompile(`Time to encode picture: ([0-9.]+)s`)
	dwebpDecodeTime = regexp.MustCompile(`Time to decode picture: ([0-9.]+)s`)
)

// cwebpTime reads the encode time cwebp -v reports.
func cwebpTime(b *testing.B, out []byte) time.Duration { return toolTime(b, cwebpEncodeTime, out) }

// toolTime reads the time, in seconds, that re's first group matches in
// a tool's -v output.
func toolTime(b *testing.B, re *regexp.Regexp, out []byte) time.Duration {
	m := re.FindSubmatch(out)
	if m == nil {
		b.Fatalf("no %q in the output:\n%s", re, out)
	}
	s, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(s * float64(time.Second))
}

// countWriter counts what is written to it.
type countWriter int

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}

var _ io.Writer = new(countWriter)
