package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// holdMemory keeps the serve process within target bytes. The Store's
// memory budget, which every decode and every upload body being read is
// charged to (waiting, then 503, when it is spent), gets 80% of it; the Go
// runtime's soft memory limit is set to 90% (unless GOMEMLIMIT is set), so
// that the collector reclaims the last upload's garbage before the next
// one's allocations, instead of letting the heap grow to twice what is
// live. The remaining tenth is for what no limit covers: the binary, the
// stacks, the connections' buffers. Measured with bench/serveload: 100
// concurrent 3 MP uploads, then 8 concurrent 49 MP 16-bit PNGs, stay under
// a 1 GiB target.
func holdMemory(e *env, target int64) {
	e.memoryBudget = target / 10 * 8
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(target / 10 * 9)
	}
}

// parseSize reads a size: a number of bytes, or one with a KiB, MiB or GiB
// (or K, M, G) suffix.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"G", 30}, {"M", 20}, {"K", 10}, {"B", 0}}
	t := strings.TrimSpace(s)
	shift := uint(0)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is not a size (e.g. 1GiB, 512MiB)", s)
	}
	if n<<shift < 64<<20 {
		return 0, fmt.Errorf("%q is less than 64 MiB", s)
	}
	return n << shift, nil
}
