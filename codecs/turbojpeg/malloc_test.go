//go:build cgo && turbojpeg

package turbojpeg

import (
	"bytes"
	"sync"
	"testing"
)

// TestArenaMemory checks that libjpeg-turbo's working memory does not stay
// behind in malloc's arenas (see init in malloc.go). A large progressive
// encode first frees some megabytes that glibc had mmapped, which without
// the pinned threshold raises glibc's mmap threshold above the size of the
// coefficient arrays of the smaller progressive JPEG decoded next (3.7 MiB
// of luma, 0.9 MiB per chroma component). Decoding that in two goroutines
// would then take the arrays from the arenas and leave them there, free but
// resident, about 5.5 MiB per thread; with the threshold pinned they are
// mmapped and unmapped, and the arenas hold little free memory.
func TestArenaMemory(t *testing.T) {
	if _, _, ok := arenaBytes(); !ok {
		t.Skip("no mallinfo2 (not glibc 2.33 or later)")
	}
	if !mmapThresholdPinned {
		t.Skip("mmap threshold not pinned (not glibc, or set in the environment)")
	}
	var big, small bytes.Buffer
	if err := encodeProgressive(&big, testPhoto(2400, 1800, 21), 90); err != nil {
		t.Fatal(err)
	}
	if err := encodeProgressive(&small, testPhoto(1600, 1200, 22), 90); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeScaled(big.Bytes(), 4); err != nil {
		t.Fatal(err)
	}
	total0, free0, _ := arenaBytes()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := range 6 {
				if _, err := DecodeScaled(small.Bytes(), 1<<(i%3)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	total1, free1, _ := arenaBytes()
	t.Logf("malloc arenas: %d KiB (%d KiB free) before the decodes, %d KiB (%d KiB free) after",
		total0>>10, free0>>10, total1>>10, free1>>10)
	// One decode's coefficients are 5.5 MiB. Below the threshold,
	// libjpeg-turbo's smaller buffers and handles are reused from the
	// arenas; they, and whatever earlier tests left, come to much less.
	const bound = 3 << 20
	if free1 > bound {
		t.Errorf("malloc arenas hold %d KiB of free memory after the decodes (%d KiB before them), want at most %d KiB",
			free1>>10, free0>>10, bound>>10)
	}
}
