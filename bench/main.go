// Command bench runs blobimage's upload pipeline side by side with Pillow and
// libvips doing the same work on a folder of photos, and reports speed,
// memory and output quality for each, with the ratio of blobimage to each
// peer.
//
// Run it from the root of the module:
//
//	go run ./bench                                  # corpus from $BLOBIMAGE_CORPUS
//	go run ./bench -corpus ../shared/corpus -workers 2 -rounds 3 -json bench.json
//	go run ./bench -rss-per-photo                   # peak RSS of one photo, per side
//	go run ./bench -check                           # exit 1 when the quality floor fails
//	go run ./bench -scaling -burst 100              # scaling with 1 and 2 workers, a 100-upload burst
//	go run ./bench -rounds 2 -repeat 3              # the sides in turn three times, timings pooled
//
// The photos are the folder's JPEG and PNG files (HEIC and other formats
// are skipped, and so are the tiny orient_portrait_* test files unless
// -all is given).
//
// # The work
//
// Two original modes are measured (-modes keep,recompress):
//
//   - keep: decode, apply the EXIF orientation, fit into 1000×1000 and into
//     400×400 with Lanczos (never upscaling), encode both as JPEG quality
//     85; the original bytes are kept as uploaded;
//   - recompress: the same, plus the full-size oriented original re-encoded
//     as JPEG quality 85.
//
// The three sides:
//
//   - blobimage: the real public API. A fileblob bucket in a fresh
//     temporary folder (the CLI's default backend, file://) is wrapped with
//     blobimage.Wrap and a config parsed by variants.ParseConfig: one rule
//     matching "**", original {"mode":"keep","strip":"none"} or
//     {"mode":"recompress","format":"jpeg","quality":85}, variants medium
//     (fit 1000×1000) and small (fit 400×400), both format jpeg quality 85.
//     Each photo is one Store.Put to a fresh key, as blobimage put and
//     imagehttp's Uploader store uploads (the object and its variants are
//     deleted after the photo's clock stops, within the pass's wall time).
//     The stored bytes leave the process, as with every real backend;
//     memblob, used until 2026-12-07, kept them in the child's heap (the
//     24 MP photo's original, grown by doubling: 16 of its 59 MiB), which
//     no peer holds. Writing the files cost 1–2 ms a photo against
//     memblob in the keep median. Options.Concurrency is 1,
//     so a photo's variants are made one after the other and parallelism
//     comes from the workers, photo by photo, as for the peers; GOMAXPROCS
//     is set to the number of workers. Outputs for the quality check are
//     read back through Store.Image (ImageFile.Variants) and the wrapped
//     bucket.
//   - Pillow: peers/pillow_pipeline.py (embedded, written to a temporary
//     folder, run with -python, default Debian's /usr/bin/python3): per box,
//     Image.open, thumbnail((box, box), LANCZOS) with its default
//     reducing_gap=2.0 (which calls draft, the JPEG decoder's DCT scaling,
//     and reduces by an integer factor before Lanczos), then
//     ImageOps.exif_transpose, then save JPEG quality=85; recompress adds
//     exif_transpose(Image.open(...)) saved at full size. Workers are a
//     multiprocessing pool (fork) of -workers processes; with one worker it
//     runs in-process. The script's docstring lists every call.
//   - libvips: peers/vips_pipeline.c, compiled at run time with
//     gcc -O2 $(pkg-config --cflags --libs vips) (needs libvips-dev): per
//     box, vips_thumbnail_buffer (shrink-on-load, auto-rotate,
//     size=VIPS_SIZE_DOWN) and vips_jpegsave_buffer(Q=85, strip); recompress
//     adds load (sequential access unless a rotation is needed),
//     vips_autorot and jpegsave at full size. Workers are -workers POSIX
//     threads in one process, with VIPS_CONCURRENCY=1 and the operation
//     cache off.
//
// Every side reads each file into memory once, before the clock starts; a
// photo's time runs from its bytes in memory to its encoded outputs. Each
// side runs one untimed warm-up pass over the photos (whose outputs feed
// the quality check), then -rounds timed passes, the (round, photo) jobs
// pulled from one queue by -workers workers. With -repeat N the sides run
// in turn N times (each a fresh child with its warm-up) and each side's
// timings are pooled, so that a change in the machine's load during the
// run falls on every side alike instead of on whichever ran then. A
// missing peer (no Python or PIL, no libvips-dev or gcc) is reported as
// skipped.
//
// # What is reported
//
//   - median ms/photo: the median of every timed (round, photo) time;
//   - MP/s: source megapixels processed over the wall time of the timed
//     passes (measured inside the child, so process start-up and file
//     reading are excluded);
//   - peak RSS: every side runs in a child process of its own (blobimage
//     by re-executing this binary with a hidden flag), and its peak RSS is
//     ru_maxrss from wait4 (os.ProcessState.SysUsage). Linux reports the
//     largest of the process and the descendants it reaped, not their sum:
//     for the Pillow pool that is one pool process, so "tree RSS" is also
//     given, the largest sum of VmRSS over the child's process tree sampled
//     from /proc every 20 ms;
//   - ratios, blobimage/peer, of median time, MP/s and peak RSS;
//   - quality: PSNR of the Y channel (BT.601 luma of 8-bit RGB, whole
//     image) of each side's variant against a reference made in Go from
//     the full-resolution decode: image/jpeg or image/png through
//     imaging.Decode with AutoOrientation, then imaging.Resize with
//     imaging.Lanczos straight from full size to the variant's own
//     dimensions, no encode. Medians over photos per side and size, with
//     the minimum; RGB PSNR is in the JSON. In recompress mode the
//     full-size output is compared with the oriented full decode
//     (identical pixels, as when blobimage keeps an upload that re-encoding
//     would only enlarge, are capped at 99.99 dB).
//
// The FLOOR check, per mode and variant size: blobimage's median PSNR-Y
// must be at least Pillow's minus -max-drop (0.5 dB); when Pillow is not
// available, at least -floor-db (38 dB, which holds with a margin of 3 dB
// on the default selection of the shared corpus, but not with -all, whose
// small portrait files all sides score about 35–37 dB on). It prints PASS
// or FAIL; with -check a FAIL exits 1.
//
// -rss-per-photo instead runs one child per photo and side (keep mode, one
// worker, no warm-up, one pass) and reports each one's peak RSS, with a
// baseline row of a child given no photo.
//
// -scaling and -burst N instead (either or both) measure throughput under
// load, keep mode, each side in its child process as above, after a
// warm-up pass whose outputs are not kept:
//
//   - -scaling runs every side with 1 and then 2 workers, -rounds timed
//     passes each, and reports photos/s (timed jobs over the child's wall
//     time) for both, the efficiency photos/s(2) / (2 × photos/s(1))
//     against the goal of 0.9, and a model of N workers on N cores,
//     photos/s(1) × N × efficiency (an upper bound: it assumes the loss
//     seen at 2 workers grows no further);
//   - -burst N gives every side N uploads at once (the photos cycled,
//     job j is photo j mod the number of photos) with -workers workers:
//     the child queues them all when its clock starts and reports, for
//     each, the time from that start to its outputs done. Reported: the
//     wall time, uploads/s, latency p50, p99 (nearest rank) and max, the
//     peak RSS, and blobimage's ratios to each peer.
//
// Output is Markdown tables on stdout, ready for the README, and with
// -json FILE the same results as JSON. Timings are wall-clock on whatever
// else the machine is doing: run it on a quiet machine for numbers to
// publish.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig and the quality references
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

func main() {
	if code, ok := maybeChild(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	corpus      string
	workers     int
	rounds      int
	repeat      int
	all         bool
	modes       []string
	sides       []string
	jsonPath    string
	check       bool
	rssPerPhoto bool
	scaling     bool
	burst       int
	python      string
	floorDB     float64
	maxDrop     float64
	keepTemp    bool
}

// photo is one file of the corpus.
type photo struct {
	Name   string  `json:"name"`
	Path   string  `json:"-"`
	Format string  `json:"format"`
	Width  int     `json:"width"` // as stored, before orientation
	Height int     `json:"height"`
	MP     float64 `json:"mp"`
	Bytes  int64   `json:"bytes"`
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	defPython := "/usr/bin/python3"
	if _, err := os.Stat(defPython); err != nil {
		defPython = "python3"
	}
	var modes, sides string
	fs.StringVar(&o.corpus, "corpus", os.Getenv("BLOBIMAGE_CORPUS"), "folder of photos (default $BLOBIMAGE_CORPUS)")
	fs.IntVar(&o.workers, "workers", 2, "photos processed at once, the same on every side")
	fs.IntVar(&o.rounds, "rounds", 3, "timed passes over the corpus, after one warm-up pass")
	fs.IntVar(&o.repeat, "repeat", 1, "run the sides this many times in turn, each time -rounds passes after a warm-up, and pool the timings (a change in the machine's load then falls on every side alike)")
	fs.BoolVar(&o.all, "all", false, "include the tiny orient_portrait_* files")
	fs.StringVar(&modes, "modes", "keep,recompress", "original modes to run")
	fs.StringVar(&sides, "sides", "blobimage,pillow,vips", "sides to run")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&o.check, "check", false, "exit 1 when the quality FLOOR check fails")
	fs.BoolVar(&o.rssPerPhoto, "rss-per-photo", false, "report peak RSS per photo (one child per photo and side, keep mode, 1 worker)")
	fs.BoolVar(&o.scaling, "scaling", false, "measure photos/s with 1 and 2 workers per side (keep mode) instead of the default report")
	fs.IntVar(&o.burst, "burst", 0, "submit this many uploads at once to each side (keep mode, -workers workers) instead of the default report; 0: no burst")
	fs.StringVar(&o.python, "python", defPython, "Python with PIL for the Pillow side")
	fs.Float64Var(&o.floorDB, "floor-db", 38, "quality floor when Pillow is not available: blobimage's median variant PSNR-Y, dB")
	fs.Float64Var(&o.maxDrop, "max-drop", 0.5, "quality floor relative to Pillow: blobimage's median PSNR-Y may be this many dB lower")
	fs.BoolVar(&o.keepTemp, "keep-temp", false, "keep the temporary folder (peer programs, outputs) and print its path")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.corpus == "" {
		return nil, errors.New("no corpus: pass -corpus DIR or set BLOBIMAGE_CORPUS")
	}
	if o.workers < 1 || o.rounds < 1 || o.repeat < 1 {
		return nil, errors.New("-workers, -rounds and -repeat must be at least 1")
	}
	if o.burst < 0 {
		return nil, errors.New("-burst must not be negative")
	}
	for _, m := range strings.Split(modes, ",") {
		if m = strings.TrimSpace(m); m != "keep" && m != "recompress" {
			return nil, fmt.Errorf("-modes: unknown mode %q (keep, recompress)", m)
		}
		o.modes = append(o.modes, strings.TrimSpace(m))
	}
	for _, s := range strings.Split(sides, ",") {
		if s = strings.TrimSpace(s); s != sideBlob && s != sidePillow && s != sideVips {
			return nil, fmt.Errorf("-sides: unknown side %q (blobimage, pillow, vips)", s)
		}
		o.sides = append(o.sides, strings.TrimSpace(s))
	}
	return o, nil
}

// run is the harness: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	photos, err := listPhotos(o.corpus, o.all)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "blobimage-bench-")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if o.keepTemp {
		fmt.Fprintln(stderr, "bench: temporary folder", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	sides := setupSides(ctx, o, tmp, stderr)
	rep := &report{
		Started: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Corpus: o.corpus, Workers: o.workers, Rounds: o.rounds, Repeat: o.repeat, Photos: photos,
	}
	for _, s := range sides {
		rep.Sides = append(rep.Sides, s.info)
	}
	if sides[0].info.Skipped != "" {
		fmt.Fprintln(stderr, "bench: blobimage side unavailable:", sides[0].info.Skipped)
		return 1
	}

	status := 0
	switch {
	case o.rssPerPhoto:
		rep.RSSPerPhoto = rssPerPhoto(ctx, sides, photos, stderr)
		writeRSSTable(stdout, rep)
	case o.scaling || o.burst > 0:
		writeHeader(stdout, rep)
		rep.LoadStart = loadAvg()
		if o.scaling {
			rep.Scaling = runScaling(ctx, o, sides, photos, stderr)
			writeScalingTable(stdout, rep.Scaling, o.rounds)
		}
		if o.burst > 0 {
			rep.Burst = runBurst(ctx, o, sides, photos, stderr)
			writeBurstTable(stdout, rep.Burst)
		}
		rep.LoadEnd = loadAvg()
		if rep.LoadStart != "" {
			fmt.Fprintf(stdout, "Load average (1, 5, 15 min) at the start: %s; at the end: %s (on %d CPUs; the sides' own load is in the end figures).\n", rep.LoadStart, rep.LoadEnd, rep.CPUs)
		}
		for _, r := range rep.Scaling {
			if r.Side == sideBlob && r.Error != "" {
				status = 1
			}
		}
		if rep.Burst != nil {
			for _, r := range rep.Burst.Sides {
				if r.Side == sideBlob && r.Error != "" {
					status = 1
				}
			}
		}
	default:
		for _, mode := range o.modes {
			mr := runMode(ctx, o, sides, photos, mode, tmp, stderr)
			rep.Modes = append(rep.Modes, mr)
		}
		fmt.Fprintln(stderr, "bench: quality references…")
		measureQuality(rep, photos, stderr)
		rep.Floor = floorCheck(rep, o.maxDrop, o.floorDB)
		writeTables(stdout, rep)
		for _, m := range rep.Modes {
			for _, s := range m.Sides {
				if s.Side == sideBlob && s.Error != "" {
					status = 1
				}
			}
		}
		if o.check && !rep.Floor.Pass {
			status = 1
		}
	}
	if o.jsonPath != "" {
		if err := writeJSON(o.jsonPath, rep); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	return status
}

// listPhotos returns the JPEG and PNG files of dir, smallest first.
func listPhotos(dir string, all bool) ([]photo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ps []photo
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || !slices.Contains([]string{".jpg", ".jpeg", ".png"}, ext) {
			continue
		}
		if !all && strings.HasPrefix(name, "orient_portrait_") {
			continue
		}
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		cfg, format, err := image.DecodeConfig(f)
		st, serr := f.Stat()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if serr != nil {
			return nil, serr
		}
		ps = append(ps, photo{Name: name, Path: path, Format: format, Width: cfg.Width, Height: cfg.Height,
			MP: float64(cfg.Width) * float64(cfg.Height) / 1e6, Bytes: st.Size()})
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no JPEG or PNG photos in %s", dir)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].MP < ps[j].MP })
	return ps, nil
}

// runMode runs every side over the corpus in one original mode: the
// sides in turn, -repeat times, each run -rounds timed passes after a
// warm-up; a side's timings are pooled over its runs (see
// childResult.add). Only the first run's warm-up writes the outputs of
// the quality check.
func runMode(ctx context.Context, o *options, sides []*side, photos []photo, mode, tmp string, stderr io.Writer) modeReport {
	mr := modeReport{Mode: mode}
	var paths []string
	var totalMP float64
	for _, p := range photos {
		paths = append(paths, p.Path)
		totalMP += p.MP
	}
	srs := make([]sideResult, len(sides))
	results := make([]*childResult, len(sides))
	for i, s := range sides {
		srs[i] = sideResult{Side: s.info.ID, Name: s.info.Name, Skipped: s.info.Skipped}
	}
	for cycle := range o.repeat {
		for i, s := range sides {
			sr := &srs[i]
			if sr.Skipped != "" || sr.Error != "" {
				continue
			}
			out := "-"
			if cycle == 0 {
				out = filepath.Join(tmp, "out", mode, s.info.ID)
				if err := os.MkdirAll(out, 0o755); err != nil {
					sr.Error = err.Error()
					continue
				}
				sr.outdir = out
			}
			fmt.Fprintf(stderr, "bench: %s: %s, %d photos × %d rounds, %d workers (run %d of %d)…\n", mode, s.info.Name, len(photos), o.rounds, o.workers, cycle+1, o.repeat)
			start := time.Now()
			res, err := s.run(ctx, childArgs{mode: mode, workers: o.workers, rounds: o.rounds, warmup: true, outdir: out, files: paths})
			if err != nil {
				sr.Error = err.Error()
				fmt.Fprintf(stderr, "bench: %s: %s failed: %v\n", mode, s.info.Name, err)
				continue
			}
			fmt.Fprintf(stderr, "bench: %s: %s done in %.1fs\n", mode, s.info.Name, time.Since(start).Seconds())
			if results[i] == nil {
				results[i] = res
			} else {
				results[i].add(res)
			}
		}
	}
	for i := range srs {
		if results[i] != nil && srs[i].Error == "" {
			srs[i].summarise(results[i], photos, o.rounds*o.repeat, totalMP)
		}
		mr.Sides = append(mr.Sides, srs[i])
	}
	mr.Ratios = ratios(mr.Sides)
	return mr
}
