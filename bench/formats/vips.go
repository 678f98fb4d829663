package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

//go:embed peers/vips_formats.c
var vipsFormatsSource []byte

// The measurements of vips_formats.c, by the name it prints.
const (
	vipsHEICDecode = "heic-decode"
	vipsAVIFDecode = "avif-decode"
	vipsWebPDecode = "webp-decode"
	vipsWebPEncode = "webp-encode"
	vipsAVIFEncode = "avif-encode"
	vipsPNGDecode  = "png-decode"
)

// vipsResult is one measurement of vips_formats: the wall and CPU times of
// its rounds in ms, or why libvips could not do it.
type vipsResult struct {
	WallMS, CPUMS []float64
	Unavailable   string
}

// wall is the median wall time in ms (the same median as the other
// columns: the middle round, the upper one of an even count).
func (r vipsResult) wall() float64 { return middle(r.WallMS) }

// cpu is the median CPU time in ms.
func (r vipsResult) cpu() float64 { return middle(r.CPUMS) }

func middle(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// vipsRun is the libvips column: its version and measurements, or why it
// did not run at all.
type vipsRun struct {
	Version string
	Results map[string]vipsResult
	Skipped string
}

// result returns the measurement name, reporting a missing one as
// unavailable.
func (v *vipsRun) result(name string) vipsResult {
	if v.Skipped != "" {
		return vipsResult{Unavailable: v.Skipped}
	}
	r, ok := v.Results[name]
	if !ok {
		return vipsResult{Unavailable: "not measured"}
	}
	return r
}

// parseVipsFormats parses the output of vips_formats: "version V", then
// "NAME ROUND WALL_NS CPU_NS" per timed round and "unavailable NAME
// REASON…" for what libvips could not do.
func parseVipsFormats(out []byte) (*vipsRun, error) {
	v := &vipsRun{Results: map[string]vipsResult{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "version" && len(f) == 2:
			v.Version = f[1]
		case f[0] == "unavailable" && len(f) >= 2:
			why := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(line, "unavailable"), " "+f[1]))
			if why == "" {
				why = "failed"
			}
			v.Results[f[1]] = vipsResult{Unavailable: why}
		case len(f) == 4:
			_, e1 := strconv.Atoi(f[1])
			wall, e2 := strconv.ParseInt(f[2], 10, 64)
			cpu, e3 := strconv.ParseInt(f[3], 10, 64)
			if e1 != nil || e2 != nil || e3 != nil || wall < 0 || cpu < 0 {
				return nil, fmt.Errorf("vips_formats: bad line %q", line)
			}
			r := v.Results[f[0]]
			if r.Unavailable != "" {
				return nil, fmt.Errorf("vips_formats: %s both unavailable and timed", f[0])
			}
			r.WallMS = append(r.WallMS, float64(wall)/1e6)
			r.CPUMS = append(r.CPUMS, float64(cpu)/1e6)
			v.Results[f[0]] = r
		default:
			return nil, fmt.Errorf("vips_formats: unexpected line %q", line)
		}
	}
	if v.Version == "" {
		return nil, fmt.Errorf("vips_formats printed no version")
	}
	return v, sc.Err()
}

// runVips builds vips_formats.c against the system libvips (pkg-config,
// gcc or $CC) in dir and runs it on the inputs; a missing libvips-dev or
// compiler is reported in Skipped. The settings are those of the other
// columns: WebP quality webpQ at method (effort) webpEffort; AVIF quality
// avifQ at libaom speed avifSpeed (libvips' effort is 9 − speed). bigPNG
// is the PNG whose decode is timed ("" for none), webp the lossy WebP.
func runVips(ctx context.Context, dir string, rounds int, heic, avif, png string, webpQ, webpEffort, avifQ, avifSpeed int, bigPNG, webp string) *vipsRun {
	flags, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", "vips").Output()
	if err != nil {
		return &vipsRun{Skipped: "pkg-config finds no vips (install libvips-dev)"}
	}
	src := filepath.Join(dir, "vips_formats.c")
	bin := filepath.Join(dir, "vips_formats")
	if err := os.WriteFile(src, vipsFormatsSource, 0o644); err != nil {
		return &vipsRun{Skipped: err.Error()}
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	args := append([]string{"-O2", "-o", bin, src}, strings.Fields(string(flags))...)
	if out, err := exec.CommandContext(ctx, cc, args...).CombinedOutput(); err != nil {
		return &vipsRun{Skipped: fmt.Sprintf("%s could not build vips_formats.c: %v: %s", cc, err, firstLine(out))}
	}
	cmd := exec.CommandContext(ctx, bin, strconv.Itoa(rounds), heic, avif, png,
		strconv.Itoa(webpQ), strconv.Itoa(webpEffort), strconv.Itoa(avifQ), strconv.Itoa(9-avifSpeed), cmp.Or(bigPNG, "-"), webp)
	cmd.Env = append(os.Environ(), "VIPS_CONCURRENCY=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return &vipsRun{Skipped: fmt.Sprintf("vips_formats: %v: %s", err, firstLine(stderr.Bytes()))}
	}
	v, err := parseVipsFormats(out)
	if err != nil {
		return &vipsRun{Skipped: err.Error()}
	}
	return v
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}
