//go:build cgo && turbojpeg

package turbojpeg

/*
#include <stdlib.h> // defines __GLIBC__ on glibc
#ifdef __GLIBC__
#include <malloc.h>
#endif

// bi_pin_mmap_threshold sets glibc's mmap threshold to n bytes, which also
// turns off its dynamic adjustment. It returns 1 on success, 0 where the C
// library is not glibc.
static int bi_pin_mmap_threshold(int n) {
#ifdef __GLIBC__
	return mallopt(M_MMAP_THRESHOLD, n);
#else
	return 0;
#endif
}

// bi_arena_bytes reports, from mallinfo2 (glibc 2.33 and later), the bytes
// malloc holds in its arenas (main heap and per-thread heaps, in use or
// free) and those of it that are free. It returns 0 where it cannot.
static int bi_arena_bytes(size_t *total, size_t *free) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();
	*total = mi.arena;
	*free = mi.fordblks;
	return 1;
#else
	return 0;
#endif
}
*/
import "C"

import (
	"os"
	"strings"
)

// mmapThreshold is the mmap threshold this package pins glibc's malloc to:
// 128 KiB, glibc's own initial value (DEFAULT_MMAP_THRESHOLD_MIN).
const mmapThreshold = 128 << 10

// mmapThresholdPinned records whether init pinned it.
var mmapThresholdPinned bool

// init pins glibc's mmap threshold, a process-wide malloc setting, because
// glibc's default, a threshold that adjusts itself, makes this codec's C
// memory stay resident after use.
//
// libjpeg-turbo mallocs its working memory for each call and frees it at
// the end; for a progressive JPEG that is the coefficients of the whole
// image, 128 bytes per 8×8 block and component (48 MB for a 16 MP 4:2:0
// photo, even for a scaled decode), in blocks of a few to some tens of MB.
// glibc serves a block that large with mmap and returns it to the system
// on free, but the first such free also raises the threshold to the size
// freed (up to 32 MiB) and the heap trim threshold to twice that. From then
// on blocks of that size come from malloc's arenas, one per thread that
// calls into C (up to 8 per core, and Go runs cgo calls on whichever thread
// it has), and when they are freed each arena keeps up to 64 MiB of free,
// but resident, memory. With two workers on the benchmark corpus the
// turbojpeg build's peak RSS was 1.8× the pure-Go build's in keep mode and
// 1.3× in recompress, about 100 MB of it free memory in arenas. Pinned at
// 128 KiB, such blocks are always mmapped and unmapped on free, as before
// the first free, and the peak RSS in use is what libjpeg-turbo allocates
// at the time. The cost is an mmap, page faults and an munmap per large
// block, a few per call: over the benchmark's recompress run (28 photos)
// 80 more munmaps and 74 more mmaps, and in keep mode 10–20% more minor
// page faults; its times showed no difference above the noise of a shared
// two-core machine.
//
// mallopt affects all C code in the process, which is why it is done here,
// where the build tag turbojpeg has opted in to C code, and only on glibc
// (other C libraries are left alone). A process that chose its own
// threshold, MALLOC_MMAP_THRESHOLD_ or glibc.malloc.mmap_threshold in
// GLIBC_TUNABLES, keeps it.
func init() {
	if os.Getenv("MALLOC_MMAP_THRESHOLD_") != "" || strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.mmap_threshold") {
		return
	}
	mmapThresholdPinned = C.bi_pin_mmap_threshold(mmapThreshold) == 1
}

// arenaBytes reports the bytes in malloc's arenas and how many of them are
// free, with ok false where mallinfo2 is not available. The tests use it.
func arenaBytes() (total, free int64, ok bool) {
	var t, f C.size_t
	if C.bi_arena_bytes(&t, &f) == 0 {
		return 0, 0, false
	}
	return int64(t), int64(f), true
}
