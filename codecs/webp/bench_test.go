package webp_test

import (
	"image"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
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

var cwebpEncodeTime = regexp.MustCompile(`Time to encode picture: ([0-9.]+)s`)

// cwebpTime reads the encode time cwebp -v reports.
func cwebpTime(b *testing.B, out []byte) time.Duration {
	m := cwebpEncodeTime.FindSubmatch(out)
	if m == nil {
		b.Fatalf("no encode time in cwebp's output:\n%s", out)
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
