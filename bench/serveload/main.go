// Command serveload puts `blobimage serve` under the load a public upload
// endpoint meets and reports what the server did with it: every
// response's status, whether every accepted upload is complete (its
// variants all there), the latency of each phase (median, p99), its
// throughput, and the server process's peak RSS (VmHWM from /proc, sampled
// with VmRSS while it runs). The server runs as its own process, built from
// this module, on a fresh file:// bucket with the default config (plus an
// on_demand rule when the cached phase runs, see below) and the default
// 1 GiB memory budget.
//
//	go run ./bench/serveload                      # burst and bombs
//	go run ./bench/serveload -phases burst -n 200 # one phase, 200 uploads
//	BLOBIMAGE_CORPUS=/work/shared/corpus go run ./bench/serveload -phases cached -clients 8 -duration 10s
//
// Phases (-phases):
//
//   - burst: -n (default 100) concurrent uploads of different 3 MP JPEGs
//     (2048×1536, photo-like, about 1 MB each);
//   - bombs: -bombs (default 8) concurrent uploads of one 49 MP 16-bit
//     PNG (7000×7000, a smooth gradient that deflates to well under a
//     megabyte: the decoder allocates 392 MB for each);
//   - cached (not run by default): requests/s and latency of a stored
//     on-demand rendition. The server's config is then the default
//     variants, small (fit 400) and medium (fit 1000), with on_demand
//     widths 320, 640 and 1280 in WebP or JPEG (cachedConfig). One photo
//     (-photo, default $BLOBIMAGE_CORPUS/nikond3100_14mp.jpg, 4608×3072;
//     the phase is skipped without one) is uploaded and its variants
//     checked; one warm-up GET /img/KEY?w=640 makes the rendition; then
//     -clients (default 8) clients, each on its own kept-alive
//     connection, send that request back to back for -duration (default
//     10s) with the -accept header (default image/jpeg). It prints the
//     requests/s, p50 and p99 latency, and the machine (nproc and the CPU
//     model from /proc/cpuinfo): the clients share its cores with the
//     server.
//
// Linux only (it reads /proc). The server is started with GOMEMLIMIT unset,
// as a user would start it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	n := flag.Int("n", 100, "uploads in the burst phase")
	bombs := flag.Int("bombs", 8, "uploads in the bombs phase")
	phases := flag.String("phases", "burst,bombs", "phases to run, comma-separated")
	keep := flag.Bool("keep", false, "keep the bucket folder")
	memlimit := flag.String("gomemlimit", "", "GOMEMLIMIT for the server (default: unset)")
	photoPath := flag.String("photo", "", "the photo of the cached phase (default $BLOBIMAGE_CORPUS/"+corpusPhoto+")")
	clients := flag.Int("clients", 8, "concurrent clients in the cached phase")
	duration := flag.Duration("duration", 10*time.Second, "how long the cached phase's clients send requests")
	accept := flag.String("accept", "image/jpeg", "Accept header of the cached phase's requests")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "serveload")
	if err != nil {
		log.Fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "blobimage")
	build := exec.Command("go", "build", "-o", bin, "./cmd/blobimage")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build: %v (run from the module root)", err)
	}
	bucket := filepath.Join(dir, "bucket")
	if err := os.Mkdir(bucket, 0o755); err != nil {
		log.Fatal(err)
	}
	cfg := ""
	if slices.Contains(strings.Split(*phases, ","), "cached") {
		cfg = filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(cfg, []byte(cachedConfig), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv, err := startServer(bin, bucket, *memlimit, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.stop()
	fmt.Printf("server: pid %d at %s; idle RSS %.0f MiB\n", srv.cmd.Process.Pid, srv.base, mib(srv.rss()))

	for _, phase := range strings.Split(*phases, ",") {
		var uploads []upload
		switch phase {
		case "burst":
			fmt.Printf("burst: making %d 3 MP JPEGs...\n", *n)
			for i := range *n {
				uploads = append(uploads, upload{key: fmt.Sprintf("burst/%03d.jpg", i), data: photo(2048, 1536, i)})
			}
		case "cached":
			data, name, err := cachedPhoto(*photoPath)
			if err != nil {
				fmt.Printf("cached: skipped: %v\n", err)
				continue
			}
			fmt.Printf("cached: uploading %s (%.1f MiB)...\n", name, mib(int64(len(data))))
			l, err := srv.load(data, *clients, *duration, *accept)
			if err != nil {
				log.Fatalf("cached: %v", err)
			}
			l.print()
			continue
		case "bombs":
			fmt.Printf("bombs: making a 49 MP 16-bit PNG...\n")
			data := gradient16(7000, 7000)
			for i := range *bombs {
				uploads = append(uploads, upload{key: fmt.Sprintf("bombs/%d.png", i), data: data})
			}
		default:
			log.Fatalf("unknown phase %q", phase)
		}
		r := srv.run(uploads)
		r.print(phase, uploads)
	}
	fmt.Printf("server peak RSS (VmHWM) over the run: %.0f MiB\n", mib(srv.hwm()))
}

type upload struct {
	key  string
	data []byte
}

// server is a running `blobimage serve`.
type server struct {
	cmd    *exec.Cmd
	base   string
	stderr *lockedBuffer
	peak   atomic.Int64 // largest VmRSS sampled
	done   chan struct{}
}

// startServer starts bin's serve on a free loopback port, with the config
// file cfg unless it is "".
func startServer(bin, bucket, memlimit, cfg string) (*server, error) {
	args := []string{"--bucket", "file://" + bucket}
	if cfg != "" {
		args = append(args, "--config", cfg)
	}
	cmd := exec.Command(bin, append(args, "serve", "--addr", "127.0.0.1:0")...)
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GOMEMLIMIT=") && !strings.HasPrefix(e, "BLOBIMAGE_") {
			env = append(env, e)
		}
	}
	if memlimit != "" {
		env = append(env, "GOMEMLIMIT="+memlimit)
	}
	cmd.Env = env
	s := &server{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	re := regexp.MustCompile(`serving (http://\S+)`)
	for deadline := time.Now().Add(20 * time.Second); s.base == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(s.stderr.String()); m != nil {
			s.base = m[1]
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("server printed no address: %s", s.stderr.String())
		}
	}
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if r := s.rss(); r > s.peak.Load() {
					s.peak.Store(r)
				}
			}
		}
	}()
	return s, nil
}

func (s *server) stop() {
	close(s.done)
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// status reads one "Vm…: N kB" line of the server's /proc status, in bytes.
func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v << 10
}

func (s *server) rss() int64 { return s.status("VmRSS") }
func (s *server) hwm() int64 { return s.status("VmHWM") }

// result is what one phase got back.
type result struct {
	statuses  map[int]int
	latencies []time.Duration
	wall      time.Duration
	peak      int64
	complete  int
	accepted  int
	failures  []string
}

// run uploads everything at once and then checks every accepted upload.
func (s *server) run(uploads []upload) *result {
	r := &result{statuses: map[int]int{}}
	s.peak.Store(s.rss())
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout: 10 * time.Minute}
	start := time.Now()
	accepted := make([]bool, len(uploads))
	for i, u := range uploads {
		wg.Go(func() {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("key", u.key)
			fw, _ := mw.CreateFormFile("file", filepath.Base(u.key))
			_, _ = fw.Write(u.data)
			_ = mw.Close()
			t0 := time.Now()
			req, _ := http.NewRequest("POST", s.base+"/upload", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Accept", "application/json")
			resp, err := client.Do(req)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			r.latencies = append(r.latencies, d)
			if err != nil {
				r.statuses[-1]++
				r.failures = append(r.failures, fmt.Sprintf("%s: %v", u.key, err))
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r.statuses[resp.StatusCode]++
			switch {
			case resp.StatusCode == http.StatusSeeOther:
				accepted[i] = true
			case resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable:
				r.failures = append(r.failures, fmt.Sprintf("%s: %s %.200s", u.key, resp.Status, b))
			case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "":
				r.failures = append(r.failures, fmt.Sprintf("%s: 503 without Retry-After", u.key))
			}
		})
	}
	wg.Wait()
	r.wall = time.Since(start)
	r.peak = s.peak.Load()
	for i, u := range uploads {
		if !accepted[i] {
			continue
		}
		r.accepted++
		if err := s.checkComplete(u.key); err != nil {
			r.failures = append(r.failures, err.Error())
		} else {
			r.complete++
		}
	}
	return r
}

// checkComplete fetches the upload's ImageFile and every variant.
func (s *server) checkComplete(key string) error {
	resp, err := http.Get(s.base + "/api/info/" + key)
	if err != nil {
		return err
	}
	var f struct {
		Variants map[string]struct {
			State string `json:"state"`
		} `json:"variants"`
	}
	err = json.NewDecoder(resp.Body).Decode(&f)
	resp.Body.Close()
	if err != nil || len(f.Variants) == 0 {
		return fmt.Errorf("%s: info: %v (%d variants)", key, err, len(f.Variants))
	}
	for name, v := range f.Variants {
		if v.State != "ready" {
			return fmt.Errorf("%s: variant %s is %s", key, name, v.State)
		}
		resp, err := http.Get(s.base + "/img/" + key + "?variant=" + name)
		if err != nil {
			return err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n == 0 {
			return fmt.Errorf("%s: variant %s: %s", key, name, resp.Status)
		}
	}
	return nil
}

func (r *result) print(phase string, uploads []upload) {
	parts := statusCounts(r.statuses)
	slices.Sort(r.latencies)
	q := func(p float64) time.Duration { return quantile(r.latencies, p) }
	var bytesIn int
	for _, u := range uploads {
		bytesIn += len(u.data)
	}
	fmt.Printf("%s: %d uploads (%.1f MiB) in %v: %s; accepted %d, complete %d; latency median %v, p99 %v; %.1f uploads/s; peak RSS during the phase %.0f MiB\n",
		phase, len(uploads), mib(int64(bytesIn)), r.wall.Round(time.Millisecond), strings.Join(parts, ", "),
		r.accepted, r.complete, q(0.5).Round(time.Millisecond), q(0.99).Round(time.Millisecond),
		float64(r.accepted)/r.wall.Seconds(), mib(r.peak))
	for _, f := range r.failures {
		fmt.Println("  FAIL", f)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// photo is a w×h photo-like JPEG (gradients and noise), different for each
// seed.
func photo(w, h, seed int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	x := uint32(seed*7919 + 1)
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			img.Y[py*img.YStride+px] = uint8((px*255/w+py*128/h)/2 + int(x%32))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(100 + i%56)
		img.Cr[i] = uint8(140 - i%40)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// gradient16 is a w×h 16-bit RGBA PNG of a smooth gradient: large when
// decoded, small when deflated.
func gradient16(w, h int) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA64(x, y, color.NRGBA64{R: uint16(x * 9), G: uint16(y * 9), B: 0x8000, A: 0xffff})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The cached phase.

// corpusPhoto is the cached phase's default photo, in $BLOBIMAGE_CORPUS.
const corpusPhoto = "nikond3100_14mp.jpg"

// cachedConfig is the server's config when the cached phase runs: the
// default config's rule with on_demand widths (as imagehttp's rendition
// benchmarks use).
const cachedConfig = `rules:
  - match: "**"
    variants:
      - {name: small, op: fit, width: 400, height: 400}
      - {name: medium, op: fit, width: 1000, height: 1000}
    on_demand: {widths: [320, 640, 1280], formats: [webp, jpeg]}
`

// cachedPhoto reads the photo at path, else the corpus photo.
func cachedPhoto(path string) (data []byte, name string, err error) {
	if path == "" {
		dir := os.Getenv("BLOBIMAGE_CORPUS")
		if dir == "" {
			return nil, "", fmt.Errorf("no -photo and BLOBIMAGE_CORPUS is not set")
		}
		path = filepath.Join(dir, corpusPhoto)
	}
	data, err = os.ReadFile(path)
	return data, filepath.Base(path), err
}

// loadResult is what the cached phase's clients got back.
type loadResult struct {
	target, accept string
	contentType    string
	size           int64 // bytes of each response
	clients        int
	statuses       map[int]int
	latencies      []time.Duration // of every request, sorted
	wall           time.Duration
	peak           int64
	failures       []string
}

// load uploads data, makes its w=640 rendition with one warm-up request,
// then has clients clients send that request back to back on their own
// kept-alive connections for d.
func (s *server) load(data []byte, clients int, d time.Duration, accept string) (*loadResult, error) {
	const key = "cached/photo.jpg"
	if r := s.run([]upload{{key: key, data: data}}); r.complete != 1 {
		return nil, fmt.Errorf("upload of %s: %v %q", key, r.statuses, r.failures)
	}
	l := &loadResult{target: s.base + "/img/" + key + "?w=640", accept: accept, clients: clients, statuses: map[int]int{}}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	get := func() (status int, ctype string, n int64, err error) {
		req, err := http.NewRequest("GET", l.target, nil)
		if err != nil {
			return 0, "", 0, err
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", 0, err
		}
		defer resp.Body.Close()
		n, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), n, err
	}
	status, ctype, n, err := get()
	if err != nil || status != http.StatusOK || n == 0 {
		return nil, fmt.Errorf("warm-up GET %s: %d, %d bytes, %v", l.target, status, n, err)
	}
	l.contentType, l.size = ctype, n

	s.peak.Store(s.rss())
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			statuses := map[int]int{}
			var failures []string
			for time.Now().Before(deadline) {
				t0 := time.Now()
				status, _, n, err := get()
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					statuses[-1]++
					failures = append(failures, err.Error())
				case status != http.StatusOK || n != l.size:
					failures = append(failures, fmt.Sprintf("%d with %d bytes, want 200 with %d", status, n, l.size))
					fallthrough
				default:
					statuses[status]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			l.latencies = append(l.latencies, lat...)
			for c, k := range statuses {
				l.statuses[c] += k
			}
			l.failures = append(l.failures, failures...)
		})
	}
	wg.Wait()
	l.wall = time.Since(start)
	l.peak = s.peak.Load()
	slices.Sort(l.latencies)
	return l, nil
}

func (l *loadResult) print() {
	parts := statusCounts(l.statuses)
	q := func(p float64) time.Duration { return quantile(l.latencies, p) }
	fmt.Printf("cached: GET %s (Accept %s: %s, %d bytes), %d clients for %v: %d requests (%s); %.0f req/s; latency p50 %v, p99 %v; peak RSS during the phase %.0f MiB\n",
		l.target, l.accept, l.contentType, l.size, l.clients, l.wall.Round(time.Millisecond), len(l.latencies), strings.Join(parts, ", "),
		float64(len(l.latencies))/l.wall.Seconds(), q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond), mib(l.peak))
	fmt.Printf("cached: machine: nproc %d, %s (server and clients share it)\n", runtime.NumCPU(), cpuModel())
	for i, f := range l.failures {
		if i == 10 {
			fmt.Printf("  ... and %d more\n", len(l.failures)-i)
			break
		}
		fmt.Println("  FAIL", f)
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "CPU model unknown"
}

// statusCounts describes how many answers had each status, in order of
// status ("no answer" for -1), e.g. ["200 ×96", "503 ×4"].
func statusCounts(statuses map[int]int) []string {
	codes := slices.Sorted(maps.Keys(statuses))
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		name := strconv.Itoa(c)
		if c == -1 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, statuses[c]))
	}
	return parts
}

// quantile returns the p-quantile of sorted latencies (not empty).
func quantile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}
