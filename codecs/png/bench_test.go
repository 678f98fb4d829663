package png

import (
	"bytes"
	"image"
	stdpng "image/png"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/blobimage/blobimage/internal/testimage"
)

// corpusPNG returns the corpus's 15-megapixel PNG, skipping the benchmark
// when BLOBIMAGE_CORPUS is not set.
func corpusPNG(b *testing.B) []byte {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		b.Skip("BLOBIMAGE_CORPUS not set")
	}
	data, err := os.ReadFile(filepath.Join(dir, "altai_15mp.png"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

var (
	photoOnce sync.Once
	photoPNG  []byte
)

// photo4000 returns a generated photo-like 4000×3000 RGB PNG, encoded by
// image/png (adaptive filters, default compression).
func photo4000(b *testing.B) []byte {
	photoOnce.Do(func() {
		// Opaque, so image/png writes it as 8-bit RGB.
		var buf bytes.Buffer
		if err := stdpng.Encode(&buf, testimage.Photo(4000, 3000)); err != nil {
			b.Fatal(err)
		}
		photoPNG = buf.Bytes()
	})
	return photoPNG
}

func benchDecode(b *testing.B, data []byte, decode func([]byte) (image.Image, error)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// The peak heap of one more decode, sampled apart from the timed ones
	// (reading the memory statistics stops the world).
	var peak uint64
	stop := sampleHeap(&peak)
	if _, err := decode(data); err != nil {
		b.Fatal(err)
	}
	stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap samples the heap in use every millisecond until the returned
// function is called, keeping the largest value in *peak: the decoder's
// peak memory, for the benchmark to report beside its allocations.
func sampleHeap(peak *uint64) func() {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > base.HeapInuse {
					*peak = max(*peak, m.HeapInuse-base.HeapInuse)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func decodeStd(data []byte) (image.Image, error) { return stdpng.Decode(bytes.NewReader(data)) }
func decodeOwn(data []byte) (image.Image, error) { return Decode(bytes.NewReader(data)) }
func decodeScaled(denom int) func([]byte) (image.Image, error) {
	return func(data []byte) (image.Image, error) { return DecodeScaled(bytes.NewReader(data), denom) }
}

func BenchmarkCorpus(b *testing.B) {
	data := corpusPNG(b)
	b.Run("image-png", func(b *testing.B) { benchDecode(b, data, decodeStd) })
	b.Run("Decode", func(b *testing.B) { benchDecode(b, data, decodeOwn) })
	b.Run("DecodeScaled4", func(b *testing.B) { benchDecode(b, data, decodeScaled(4)) })
}

func BenchmarkPhoto4000(b *testing.B) {
	data := photo4000(b)
	b.Run("image-png", func(b *testing.B) { benchDecode(b, data, decodeStd) })
	b.Run("Decode", func(b *testing.B) { benchDecode(b, data, decodeOwn) })
	b.Run("DecodeScaled4", func(b *testing.B) { benchDecode(b, data, decodeScaled(4)) })
}
