package heif_test

import (
	"testing"

	"github.com/blobimage/blobimage/codecs/heif"
)

// TestMemoryEstimateCoversPeak measures the WebAssembly instances' peak
// linear memory on each kind of file and checks that the estimate the
// codec charges (and grants as the instance's limit) covers it.
func TestMemoryEstimateCoversPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes 0.8 MP fixtures in seven layouts: slow")
	}
	const w, h = 1024, 768 // 0.8 MP: large beside the instances' own memory
	cases := []struct {
		name string
		data func(testing.TB) []byte
	}{
		{"heic 8-bit 420", func(tb testing.TB) []byte { return heifEnc(tb, photo(w, h, false), "-q", "80") }},
		{"heic 8-bit 444", func(tb testing.TB) []byte { return heifEnc(tb, photo(w, h, false), "-q", "80", "-p", "chroma=444") }},
		{"heic 10-bit 444", func(tb testing.TB) []byte {
			return heifEnc(tb, deepen(photo(w, h, false)), "-q", "80", "-b", "10", "-p", "chroma=444")
		}},
		{"heic alpha", func(tb testing.TB) []byte { return heifEnc(tb, photo(w, h, true), "-q", "80") }},
		{"avif 8-bit", func(tb testing.TB) []byte { return avifEnc(tb, photo(w, h, false), "-d", "8", "-y", "420") }},
		{"avif 10-bit alpha", func(tb testing.TB) []byte { return avifEnc(tb, photo(w, h, true), "-d", "10", "-y", "444") }},
		{"avif 12-bit", func(tb testing.TB) []byte { return avifEnc(tb, photo(w, h, false), "-d", "12", "-y", "420") }},
		{"iphone grid", func(tb testing.TB) []byte { return corpusHEIC(tb) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			peak, est, err := heif.DecodePeak(data, 2<<30)
			if err != nil {
				t.Fatal(err)
			}
			f := mustParse(t, data)
			m, _ := f.Image()
			px := float64(m.Width * m.Height)
			t.Logf("peak %.1f MiB = %.2f B/px, estimate %.1f MiB", float64(peak)/(1<<20), float64(peak)/px, float64(est)/(1<<20))
			if peak > est {
				t.Errorf("peak %d > estimate %d", peak, est)
			}
		})
	}
}
