package jpeg

import (
	"bytes"
	"image"
	stdjpeg "image/jpeg"
	"io"
	"sync"
	"testing"
)

// encBenchInputs are the benchmark images: a 4000×3000 photo-like picture
// as *image.RGBA and, decoded from a quality-90 JPEG of it, as a 4:2:0
// *image.YCbCr; plus the photo named by $BLOBIMAGE_CORPUS when set.
var encBenchInputs = sync.OnceValue(func() (ims []encBenchInput) {
	rgba := encTestPhoto(4000, 3000, 12)
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, rgba, &stdjpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	ycc, err := stdjpeg.Decode(&buf)
	if err != nil {
		panic(err)
	}
	return []encBenchInput{{"YCbCr420", ycc}, {"RGBA", rgba}}
})

type encBenchInput struct {
	name string
	m    image.Image
}

func encBenchRun(b *testing.B, enc func(io.Writer, image.Image) error) {
	ims := encBenchInputs()
	if m := encCorpusImage(b); m != nil {
		ims = append(ims, encBenchInput{"corpus", m})
	}
	for _, in := range ims {
		b.Run(in.name, func(b *testing.B) {
			// SetBytes counts pixels, so MB/s reads as megapixels per second.
			b.SetBytes(int64(in.m.Bounds().Dx() * in.m.Bounds().Dy()))
			var out encCountWriter
			for b.Loop() {
				if err := enc(&out, in.m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.n)/float64(b.N), "out-bytes/op")
			out.n = 0
		})
	}
}

// encCountWriter counts and discards what is written to it.
type encCountWriter struct{ n int64 }

func (w *encCountWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

func BenchmarkEncode12MP(b *testing.B) {
	encBenchRun(b, func(w io.Writer, m image.Image) error {
		return Encode(w, m, &Options{Quality: 85})
	})
}

func BenchmarkStdlibEncode12MP(b *testing.B) {
	encBenchRun(b, func(w io.Writer, m image.Image) error {
		return stdjpeg.Encode(w, m, &stdjpeg.Options{Quality: 85})
	})
}
