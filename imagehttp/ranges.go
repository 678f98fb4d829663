package imagehttp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// limitRanges rewrites r's Range header for an object of size bytes
// before http.ServeContent sees it: ranges are resolved, sorted, and
// merged where they overlap or nearly touch (gaps under mergeGap bytes,
// which cost less to send than a multipart boundary); if more than max
// remain, the header is dropped and the whole object is sent, as RFC 9110
// allows. A header it cannot parse is left to ServeContent, which answers
// 416 where it must.
func limitRanges(r *http.Request, size int64, max int) {
	h := r.Header.Get("Range")
	spec, ok := strings.CutPrefix(h, "bytes=")
	if h == "" || !ok || size <= 0 {
		return
	}
	type span struct{ start, end int64 } // [start, end)
	var spans []span
	for _, part := range strings.Split(spec, ",") {
		first, last, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return
		}
		var s span
		switch {
		case first == "": // the last N bytes
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil || n <= 0 {
				return
			}
			s = span{max64(size-n, 0), size}
		default:
			a, err := strconv.ParseInt(first, 10, 64)
			if err != nil || a < 0 {
				return
			}
			b := size - 1
			if last != "" {
				if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
					return
				}
			}
			if a >= size {
				continue // unsatisfiable on its own; the others may not be
			}
			s = span{a, min(b+1, size)}
		}
		spans = append(spans, s)
		if len(spans) > maxParsedRanges {
			r.Header.Del("Range")
			return
		}
	}
	if len(spans) == 0 {
		return
	}
	slices.SortFunc(spans, func(x, y span) int { return int(x.start - y.start) })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end+mergeGap {
			last.end = max64(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	if len(merged) > max {
		r.Header.Del("Range")
		return
	}
	parts := make([]string, len(merged))
	for i, s := range merged {
		parts[i] = strconv.FormatInt(s.start, 10) + "-" + strconv.FormatInt(s.end-1, 10)
	}
	r.Header.Set("Range", "bytes="+strings.Join(parts, ","))
}

const (
	// mergeGap: ranges closer than this are sent as one.
	mergeGap = 80
	// maxParsedRanges bounds the work on one header: a longer list is
	// not read, the whole object is sent.
	maxParsedRanges = 1000
)

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
