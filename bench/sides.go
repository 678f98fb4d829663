package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed peers/pillow_pipeline.py
var pillowScript []byte

//go:embed peers/vips_pipeline.c
var vipsSource []byte

// The sides, by ID.
const (
	sideBlob   = "blobimage"
	sidePillow = "pillow"
	sideVips   = "vips"
)

// sideInfo says what a side is and whether it runs.
type sideInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// side is one implementation of the pipeline, run as a child process.
type side struct {
	info sideInfo
	// command returns the child's command line for the common arguments
	// MODE WORKERS ROUNDS WARMUP OUTDIR FILE... (ROUNDS is "burst=N" for
	// a burst: see childArgs.burst).
	command func(ctx context.Context, a childArgs) *exec.Cmd
}

// childArgs are what every child is told.
type childArgs struct {
	mode    string
	workers int
	rounds  int
	warmup  bool
	outdir  string // "-": do not write outputs
	files   []string
	// burst, when positive, replaces the rounds: burst jobs cycled over
	// the files (job j is file j mod len(files), round j / len(files)),
	// all queued at once when the clock starts, and each job's time is
	// from that start to its outputs done (its latency, queueing
	// included), not its own processing time. On the command line it is
	// ROUNDS written "burst=N".
	burst int
}

func (a childArgs) argv() []string {
	w := "0"
	if a.warmup {
		w = "1"
	}
	out := a.outdir
	if out == "" {
		out = "-"
	}
	rounds := strconv.Itoa(a.rounds)
	if a.burst > 0 {
		rounds = "burst=" + strconv.Itoa(a.burst)
	}
	return append([]string{a.mode, strconv.Itoa(a.workers), rounds, w, out}, a.files...)
}

// jobs is the number of timed jobs the child reports.
func (a childArgs) jobs() int {
	if a.burst > 0 {
		return a.burst
	}
	return len(a.files) * a.rounds
}

// parseRounds parses a child's ROUNDS argument: a number of passes R ≥ 0,
// or "burst=N" with N ≥ 1 (then rounds is 0).
func parseRounds(s string) (rounds, burst int, err error) {
	if n, ok := strings.CutPrefix(s, "burst="); ok {
		burst, err = strconv.Atoi(n)
		if err != nil || burst < 1 {
			return 0, 0, fmt.Errorf("bad burst size in ROUNDS %q", s)
		}
		return 0, burst, nil
	}
	rounds, err = strconv.Atoi(s)
	if err != nil || rounds < 0 {
		return 0, 0, fmt.Errorf("bad ROUNDS %q", s)
	}
	return rounds, 0, nil
}

// timing is one timed (round, photo) job of a child.
type timing struct {
	idx, round int
	ns         int64
}

// childResult is what a child reported and what it cost.
type childResult struct {
	times    []timing
	wallNS   int64 // of the timed passes, measured by the child
	maxRSS   int64 // bytes: ru_maxrss from wait4
	treePeak int64 // bytes: largest sampled sum of the process tree's VmRSS
}

// add pools r's timings into c's, as if one child had run both: times
// appended, wall times added, peak RSS the larger.
func (c *childResult) add(r *childResult) {
	c.times = append(c.times, r.times...)
	c.wallNS += r.wallNS
	c.maxRSS = max(c.maxRSS, r.maxRSS)
	c.treePeak = max(c.treePeak, r.treePeak)
}

// setupSides prepares every side of o.sides, blobimage first; a side that
// cannot run is returned with Skipped set.
func setupSides(ctx context.Context, o *options, tmp string, stderr io.Writer) []*side {
	var sides []*side
	sides = append(sides, blobSide(o))
	for _, id := range []string{sidePillow, sideVips} {
		var s *side
		switch {
		case !contains(o.sides, id):
			continue
		case id == sidePillow:
			s = pillowSide(ctx, o, tmp)
		default:
			s = vipsSide(ctx, tmp)
		}
		if s.info.Skipped != "" {
			fmt.Fprintf(stderr, "bench: %s skipped: %s\n", s.info.Name, s.info.Skipped)
		}
		sides = append(sides, s)
	}
	return sides
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// childFlag is the hidden first argument that makes this binary (or the
// test binary) the blobimage child.
const childFlag = "-bench-child"

func blobSide(o *options) *side {
	s := &side{info: sideInfo{ID: sideBlob, Name: "blobimage", Version: runtime.Version()}}
	exe, err := os.Executable()
	if err != nil {
		s.info.Skipped = "cannot find own executable: " + err.Error()
		return s
	}
	s.command = func(ctx context.Context, a childArgs) *exec.Cmd {
		cmd := exec.CommandContext(ctx, exe, append([]string{childFlag}, a.argv()...)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(a.workers))
		return cmd
	}
	return s
}

func pillowSide(ctx context.Context, o *options, tmp string) *side {
	s := &side{info: sideInfo{ID: sidePillow, Name: "Pillow"}}
	out, err := exec.CommandContext(ctx, o.python, "-c",
		"import sys, PIL; from PIL import Image, ImageOps; print(PIL.__version__, sys.version.split()[0])").Output()
	if err != nil {
		s.info.Skipped = fmt.Sprintf("%s cannot import PIL (install python3-pil): %v", o.python, err)
		return s
	}
	f := strings.Fields(string(out))
	if len(f) == 2 {
		s.info.Version = f[0] + " (Python " + f[1] + ")"
		s.info.Name = "Pillow " + f[0]
	}
	script := filepath.Join(tmp, "pillow_pipeline.py")
	if err := os.WriteFile(script, pillowScript, 0o644); err != nil {
		s.info.Skipped = err.Error()
		return s
	}
	s.command = func(ctx context.Context, a childArgs) *exec.Cmd {
		return exec.CommandContext(ctx, o.python, append([]string{script}, a.argv()...)...)
	}
	return s
}

func vipsSide(ctx context.Context, tmp string) *side {
	s := &side{info: sideInfo{ID: sideVips, Name: "libvips"}}
	ver, err := exec.CommandContext(ctx, "pkg-config", "--modversion", "vips").Output()
	if err != nil {
		s.info.Skipped = "pkg-config finds no vips (install libvips-dev)"
		return s
	}
	s.info.Version = strings.TrimSpace(string(ver))
	s.info.Name = "libvips " + s.info.Version
	flags, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", "vips").Output()
	if err != nil {
		s.info.Skipped = "pkg-config --cflags --libs vips: " + err.Error()
		return s
	}
	src := filepath.Join(tmp, "vips_pipeline.c")
	bin := filepath.Join(tmp, "vips_pipeline")
	if err := os.WriteFile(src, vipsSource, 0o644); err != nil {
		s.info.Skipped = err.Error()
		return s
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	args := append([]string{"-O2", "-o", bin, src}, strings.Fields(string(flags))...)
	args = append(args, "-lpthread")
	if out, err := exec.CommandContext(ctx, cc, args...).CombinedOutput(); err != nil {
		s.info.Skipped = fmt.Sprintf("%s could not build vips_pipeline.c: %v: %s", cc, err, lastLines(out, 3))
		return s
	}
	s.command = func(ctx context.Context, a childArgs) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, a.argv()...)
		cmd.Env = append(os.Environ(), "VIPS_CONCURRENCY=1")
		return cmd
	}
	return s
}

// run runs the side's child on a and collects its report and its cost.
func (s *side) run(ctx context.Context, a childArgs) (*childResult, error) {
	cmd := s.command(ctx, a)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	peak := sampleTree(cmd.Process.Pid)
	err := cmd.Wait()
	treePeak := peak()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, lastLines(stderr.Bytes(), 5))
	}
	res := &childResult{maxRSS: maxRSS(cmd.ProcessState), treePeak: treePeak}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "t":
			idx, e1 := strconv.Atoi(f[1])
			round, e2 := strconv.Atoi(f[2])
			ns, e3 := strconv.ParseInt(f[3], 10, 64)
			if err := errors.Join(e1, e2, e3); err != nil || idx < 0 || idx >= len(a.files) {
				return nil, fmt.Errorf("bad line from child: %q", sc.Text())
			}
			res.times = append(res.times, timing{idx, round, ns})
		case len(f) == 2 && f[0] == "wall":
			ns, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("bad line from child: %q", sc.Text())
			}
			res.wallNS = ns
		case len(f) > 0:
			return nil, fmt.Errorf("unexpected output from child: %q", sc.Text())
		}
	}
	if want := a.jobs(); len(res.times) != want {
		return nil, fmt.Errorf("child reported %d timings, want %d", len(res.times), want)
	}
	return res, nil
}

// maxRSS is the child's ru_maxrss in bytes (kilobytes on Linux, bytes on
// macOS).
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// sampleTree samples the VmRSS summed over pid and its descendants every
// 20 ms until the returned function is called; that returns the largest
// sum seen. Without /proc it returns 0.
func sampleTree(pid int) func() int64 {
	var (
		mu   sync.Mutex
		peak int64
	)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if n := treeRSS(pid); n > 0 {
				mu.Lock()
				peak = max(peak, n)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

var pageSize = int64(os.Getpagesize())

// treeRSS sums the resident memory of pid and its descendants, found
// through /proc/PID/task/TID/children.
func treeRSS(pid int) int64 {
	var total int64
	seen := map[int]bool{}
	stack := []int{pid}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		statm, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p))
		if err != nil {
			continue
		}
		if f := strings.Fields(string(statm)); len(f) > 1 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				total += n * pageSize
			}
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		for _, t := range tasks {
			kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", p, t.Name()))
			for _, k := range strings.Fields(string(kids)) {
				if n, err := strconv.Atoi(k); err == nil {
					stack = append(stack, n)
				}
			}
		}
	}
	return total
}

// lastLines returns the last n non-empty lines of b, joined by " | ".
func lastLines(b []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
