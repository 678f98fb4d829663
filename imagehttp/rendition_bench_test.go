package imagehttp_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/variants"
)

// The on-demand benchmarks (issue 20): a real camera photo from
// $BLOBIMAGE_CORPUS — nikond3100_14mp.jpg, 4608×3072 baseline JPEG, the
// corpus's nearest to 12 MP — stored on fileblob (what `serve` uses) with
// the default config's variants, small (fit 400) and medium (fit 1000),
// and on_demand widths 320, 640 and 1280 in WebP or JPEG at the encoders'
// default quality; asked for over a loopback httptest server with one
// kept-alive connection, so the HTTP costs (client included) count.
// Without BLOBIMAGE_CORPUS they skip.
//
//	BLOBIMAGE_CORPUS=/work/shared/corpus go test -run XXX -bench Rendition -count 5 ./imagehttp/
//
// The source of a rendition is the smallest ready variant at least
// variants.Need wide, twice the width (variants.AdequateScale, for
// Lanczos quality): w=640 needs 1280, more than medium's 1000, so it is
// made from the original (decoded at a reduced scale) with or without
// medium; w=320 needs 640 and is made from medium. The w=320 pair with
// and without medium shows what a variant source saves.

// benchPhoto is the corpus file the benchmarks serve, and benchKey where
// it is stored.
const (
	benchPhoto = "nikond3100_14mp.jpg"
	benchKey   = "photos/nikon.jpg"
)

// renditionBench is a served Store holding the corpus photo.
type renditionBench struct {
	s      *blobimage.Store
	inner  *blob.Bucket
	url    string // the image's URL, without query
	client *http.Client
	log    *syncBuffer // the Store's debug log: which source each rendition was made from
}

// newRenditionBench stores the corpus photo in a fresh fileblob Store whose
// rule has the default variants (without medium when noMedium) and the
// on_demand widths, and serves it. It skips without the corpus.
func newRenditionBench(b *testing.B, noMedium bool) *renditionBench {
	b.Helper()
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		b.Skip("BLOBIMAGE_CORPUS is not set")
	}
	data, err := os.ReadFile(filepath.Join(dir, benchPhoto))
	if err != nil {
		b.Skipf("corpus file: %v", err)
	}
	rule := variants.DefaultConfig().Rules[0]
	if noMedium {
		rule.Variants = rule.Variants[:1] // small (fit 400) only
	}
	rule.OnDemand = &variants.OnDemand{Widths: []int{320, 640, 1280}, Formats: []codecs.Format{codecs.WebP, codecs.JPEG}}
	rb := &renditionBench{log: &syncBuffer{}}
	cfg := config{Config: variants.Config{Rules: []variants.Rule{rule}}}
	cfg.Logger = slog.New(slog.NewTextHandler(rb.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rb.s, rb.inner = fileStore(b, cfg)
	put(b, rb.s, benchKey, data)
	rb.url = serve(b, rb.s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{}).URL + "/img/" + benchKey
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	rb.client = &http.Client{Transport: tr}
	return rb
}

// get asks for the rendition w wide and returns the bytes served.
func (rb *renditionBench) get(b *testing.B, w int, accept string) int64 {
	req, err := http.NewRequest("GET", rb.url+"?w="+strconv.Itoa(w), nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := rb.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || n == 0 {
		b.Fatalf("GET %s: %s, %d bytes, %v", req.URL, resp.Status, n, err)
	}
	return n
}

// acceptCases are the Accept headers benchmarked: JPEG (what every client
// reads) and WebP (the rule's first format).
var acceptCases = []struct{ name, accept string }{
	{"jpeg", "image/jpeg"},
	{"webp", "image/webp,image/*"},
}

// BenchmarkRenditionFirst is the latency of a first request for a
// rendition: each iteration deletes the stored rendition object from the
// inner bucket (timer stopped), so the request finds nothing and makes it
// again — read the source, decode, resize, encode, store, serve. The
// version stays the same (no new upload per iteration). Sub-benchmarks:
// w640 (the default variants; made from the original), w320 (made from
// medium) and w320-no-medium (small only; made from the original), each in
// JPEG and WebP. The source is checked against the Store's log.
func BenchmarkRenditionFirst(b *testing.B) {
	for _, c := range []struct {
		name     string
		w        int
		noMedium bool
		from     string // "original" or "medium"
	}{
		{"w640", 640, false, "original"},
		{"w320", 320, false, "medium"},
		{"w320-no-medium", 320, true, "original"},
	} {
		for _, ac := range acceptCases {
			b.Run(c.name+"/"+ac.name, func(b *testing.B) {
				rb := newRenditionBench(b, c.noMedium)
				ctx := context.Background()
				rb.get(b, c.w, ac.accept) // makes the rendition once, to learn its key
				e, err := rb.s.Rendition(ctx, benchKey, c.w, ac.accept)
				if err != nil {
					b.Fatal(err)
				}
				rb.log.Reset()
				var served int64
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					if err := rb.inner.Delete(ctx, e.Key); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					served = rb.get(b, c.w, ac.accept)
				}
				b.StopTimer()
				b.ReportMetric(float64(served), "resp-bytes")
				rb.checkMade(b, b.N, c.from)
			})
		}
	}
}

// BenchmarkRenditionCached is the latency of a request for the w=640
// rendition once it is stored (default variants): the manifest read, the
// object's attributes, and its bytes streamed from the bucket.
func BenchmarkRenditionCached(b *testing.B) {
	for _, ac := range acceptCases {
		b.Run("w640/"+ac.name, func(b *testing.B) {
			rb := newRenditionBench(b, false)
			rb.get(b, 640, ac.accept)
			rb.log.Reset()
			var served int64
			b.ResetTimer()
			for range b.N {
				served = rb.get(b, 640, ac.accept)
			}
			b.StopTimer()
			b.ReportMetric(float64(served), "resp-bytes")
			rb.checkMade(b, 0, "")
		})
	}
}

// checkMade checks that the timed requests made n renditions, each from
// from: "original" or the variant of that name.
func (rb *renditionBench) checkMade(b *testing.B, n int, from string) {
	b.Helper()
	made := 0
	for _, line := range strings.Split(rb.log.String(), "\n") {
		i := strings.Index(line, " from=")
		if !strings.Contains(line, "made rendition") || i < 0 {
			continue
		}
		made++
		src := line[i+len(" from="):]
		if ok := src == benchKey && from == "original" || src != benchKey && strings.Contains(src, "/"+from+"-"); !ok {
			b.Fatalf("rendition made from %s, want from the %s", src, from)
		}
	}
	if made != n {
		b.Fatalf("%d renditions made during %d requests, want %d", made, b.N, n)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the log).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Reset()
}
