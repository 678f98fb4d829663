package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// scalingRow is one side's throughput with 1 and with 2 workers (keep
// mode, the same photos and rounds), and its parallel efficiency.
type scalingRow struct {
	Side    string `json:"side"`
	Name    string `json:"name"`
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
	// PhotosPerS1 and PhotosPerS2 are timed jobs over the child's wall
	// time of the timed passes, with 1 and 2 workers.
	PhotosPerS1 float64 `json:"photos_per_s_1"`
	PhotosPerS2 float64 `json:"photos_per_s_2"`
	MPPerS1     float64 `json:"mp_per_s_1"`
	MPPerS2     float64 `json:"mp_per_s_2"`
	// Efficiency is PhotosPerS2 / (2 × PhotosPerS1).
	Efficiency float64 `json:"efficiency"`
	// Model is the modelled photos/s with N workers on N cores (see
	// modelThroughput), by N.
	Model map[int]float64 `json:"model,omitempty"`
}

// scalingGoal is the efficiency the issue asks for: ≥ 0.9 of linear.
const scalingGoal = 0.9

// modelNs are the worker counts the scaling model is printed for.
var modelNs = []int{4, 8, 16}

// efficiency is the parallel efficiency of n workers: their throughput
// over n times one worker's; 0 when either is missing.
func efficiency(one, many float64, n int) float64 {
	if one <= 0 || many <= 0 || n < 1 {
		return 0
	}
	return many / (float64(n) * one)
}

// modelThroughput models the throughput of n workers on n cores from one
// worker's and the efficiency e measured at 2: one × n × e. It assumes the
// loss measured at 2 workers (shared caches, memory bandwidth, the
// runtime) stays as it is and grows no further; for a side whose work is
// independent per photo that is the optimistic bound.
func modelThroughput(one, e float64, n int) float64 {
	if n == 1 {
		return one
	}
	return one * float64(n) * e
}

// runScaling runs every side in keep mode with 1 and then 2 workers, -rounds
// timed passes after a warm-up pass whose outputs are not kept.
func runScaling(ctx context.Context, o *options, sides []*side, photos []photo, stderr io.Writer) []scalingRow {
	paths, totalMP := pathsAndMP(photos)
	var rows []scalingRow
	for _, s := range sides {
		row := scalingRow{Side: s.info.ID, Name: s.info.Name, Skipped: s.info.Skipped}
		if s.info.Skipped != "" {
			rows = append(rows, row)
			continue
		}
		for _, workers := range []int{1, 2} {
			fmt.Fprintf(stderr, "bench: scaling: %s, %d photos × %d rounds, %d workers…\n", s.info.Name, len(photos), o.rounds, workers)
			start := time.Now()
			res, err := s.run(ctx, childArgs{mode: "keep", workers: workers, rounds: o.rounds, warmup: true, outdir: "-", files: paths})
			if err != nil {
				row.Error = err.Error()
				fmt.Fprintf(stderr, "bench: scaling: %s failed: %v\n", s.info.Name, err)
				break
			}
			fmt.Fprintf(stderr, "bench: scaling: %s, %d workers done in %.1fs\n", s.info.Name, workers, time.Since(start).Seconds())
			wall := float64(res.wallNS) / 1e9
			pps, mps := div(float64(len(res.times)), wall), div(totalMP*float64(o.rounds), wall)
			if workers == 1 {
				row.PhotosPerS1, row.MPPerS1 = pps, mps
			} else {
				row.PhotosPerS2, row.MPPerS2 = pps, mps
			}
		}
		if row.Error == "" {
			row.Efficiency = efficiency(row.PhotosPerS1, row.PhotosPerS2, 2)
			row.Model = map[int]float64{}
			for _, n := range modelNs {
				row.Model[n] = modelThroughput(row.PhotosPerS1, row.Efficiency, n)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// burstRow is one side's burst: every upload queued at once to the
// side's workers.
type burstRow struct {
	Side        string  `json:"side"`
	Name        string  `json:"name"`
	Skipped     string  `json:"skipped,omitempty"`
	Error       string  `json:"error,omitempty"`
	Uploads     int     `json:"uploads,omitempty"`
	WallS       float64 `json:"wall_s,omitempty"`
	UploadsPerS float64 `json:"uploads_per_s,omitempty"`
	// P50MS and P99MS are percentiles of the latencies, from the burst's
	// start (every upload submitted) to the upload's outputs done.
	P50MS      float64 `json:"p50_ms,omitempty"`
	P99MS      float64 `json:"p99_ms,omitempty"`
	MaxMS      float64 `json:"max_ms,omitempty"`
	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
	TreeRSSMiB float64 `json:"peak_tree_rss_mib,omitempty"`
}

// burstReport is the burst of every side, with blobimage's ratios.
type burstReport struct {
	Uploads int          `json:"uploads"`
	Workers int          `json:"workers"`
	Mode    string       `json:"mode"`
	Sides   []burstRow   `json:"sides"`
	Ratios  []burstRatio `json:"ratios,omitempty"`
}

// burstRatio is blobimage's burst figure divided by a peer's.
type burstRatio struct {
	Peer        string  `json:"peer"`
	UploadsPerS float64 `json:"uploads_per_s"`
	P50         float64 `json:"p50"`
	P99         float64 `json:"p99"`
	PeakRSS     float64 `json:"peak_rss"`
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of xs: the
// smallest value with at least p % of xs at or below it; 0 for no xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// summariseBurst turns a child's burst report into a row.
func summariseBurst(row *burstRow, res *childResult) {
	lat := make([]float64, len(res.times))
	for i, t := range res.times {
		lat[i] = float64(t.ns) / 1e6
	}
	row.Uploads = len(lat)
	row.WallS = float64(res.wallNS) / 1e9
	row.UploadsPerS = div(float64(row.Uploads), row.WallS)
	row.P50MS = percentile(lat, 50)
	row.P99MS = percentile(lat, 99)
	row.MaxMS = percentile(lat, 100)
	row.PeakRSSMiB = float64(res.maxRSS) / mib
	row.TreeRSSMiB = float64(res.treePeak) / mib
}

// runBurst submits o.burst uploads (the photos cycled, keep mode) at once
// to each side with o.workers workers, after a warm-up pass.
func runBurst(ctx context.Context, o *options, sides []*side, photos []photo, stderr io.Writer) *burstReport {
	paths, _ := pathsAndMP(photos)
	br := &burstReport{Uploads: o.burst, Workers: o.workers, Mode: "keep"}
	for _, s := range sides {
		row := burstRow{Side: s.info.ID, Name: s.info.Name, Skipped: s.info.Skipped}
		if s.info.Skipped == "" {
			fmt.Fprintf(stderr, "bench: burst: %s, %d uploads, %d workers…\n", s.info.Name, o.burst, o.workers)
			res, err := s.run(ctx, childArgs{mode: "keep", workers: o.workers, burst: o.burst, warmup: true, outdir: "-", files: paths})
			if err != nil {
				row.Error = err.Error()
				fmt.Fprintf(stderr, "bench: burst: %s failed: %v\n", s.info.Name, err)
			} else {
				summariseBurst(&row, res)
			}
		}
		br.Sides = append(br.Sides, row)
	}
	var blob *burstRow
	for i := range br.Sides {
		if br.Sides[i].Side == sideBlob && br.Sides[i].Uploads > 0 {
			blob = &br.Sides[i]
		}
	}
	for _, s := range br.Sides {
		if blob == nil || s.Side == sideBlob || s.Uploads == 0 {
			continue
		}
		br.Ratios = append(br.Ratios, burstRatio{Peer: s.Name,
			UploadsPerS: div(blob.UploadsPerS, s.UploadsPerS), P50: div(blob.P50MS, s.P50MS),
			P99: div(blob.P99MS, s.P99MS), PeakRSS: div(blob.PeakRSSMiB, s.PeakRSSMiB)})
	}
	return br
}

// loadAvg is the first three fields of /proc/loadavg, or "" without it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func pathsAndMP(photos []photo) ([]string, float64) {
	var paths []string
	var total float64
	for _, p := range photos {
		paths = append(paths, p.Path)
		total += p.MP
	}
	return paths, total
}

// writeScalingTable prints the scaling table.
func writeScalingTable(w io.Writer, rows []scalingRow, rounds int) {
	fmt.Fprintf(w, "### Scaling: keep mode, 1 and 2 workers per side, %d timed rounds each\n\n", rounds)
	fmt.Fprint(w, "| side | photos/s, 1 worker | photos/s, 2 workers | MP/s, 1 | MP/s, 2 | efficiency | goal ≥ 0.9 |")
	for _, n := range modelNs {
		fmt.Fprintf(w, " model %d |", n)
	}
	fmt.Fprintf(w, "\n|---|---:|---:|---:|---:|---:|---|%s\n", strings.Repeat("---:|", len(modelNs)))
	for _, r := range rows {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "| %s | skipped: %s |%s\n", r.Name, cell(r.Skipped), strings.Repeat(" |", 5+len(modelNs)))
		case r.Error != "":
			fmt.Fprintf(w, "| %s | failed: %s |%s\n", r.Name, cell(r.Error), strings.Repeat(" |", 5+len(modelNs)))
		default:
			verdict := "PASS"
			if r.Efficiency < scalingGoal {
				verdict = "MISS"
			}
			fmt.Fprintf(w, "| %s | %.2f | %.2f | %.1f | %.1f | %.2f× | %s |", r.Name, r.PhotosPerS1, r.PhotosPerS2, r.MPPerS1, r.MPPerS2, r.Efficiency, verdict)
			for _, n := range modelNs {
				fmt.Fprintf(w, " %.1f |", r.Model[n])
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "photos/s: timed jobs over the child's wall time of the timed rounds (start-up, file reading and the warm-up excluded). Efficiency: photos/s(2) / (2 × photos/s(1)). Model N: photos/s(1) × N × efficiency, the throughput of N workers on N free cores if the loss measured at 2 grows no further (an upper bound, not a measurement). On a machine with 2 cores, anything else running takes from the 2-worker figure.")
	fmt.Fprintln(w)
}

// writeBurstTable prints the burst table.
func writeBurstTable(w io.Writer, br *burstReport) {
	fmt.Fprintf(w, "### Burst: %d uploads (the photos cycled, %s mode) queued at once, %d workers per side\n\n", br.Uploads, br.Mode, br.Workers)
	fmt.Fprintln(w, "| side | wall s | uploads/s | p50 latency ms | p99 latency ms | max ms | peak RSS MiB | tree RSS MiB |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range br.Sides {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "| %s | skipped: %s | | | | | | |\n", r.Name, cell(r.Skipped))
		case r.Error != "":
			fmt.Fprintf(w, "| %s | failed: %s | | | | | | |\n", r.Name, cell(r.Error))
		default:
			fmt.Fprintf(w, "| %s | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", r.Name, r.WallS, r.UploadsPerS, r.P50MS, r.P99MS, r.MaxMS, r.PeakRSSMiB, r.TreeRSSMiB)
		}
	}
	for _, r := range br.Ratios {
		fmt.Fprintf(w, "| **blobimage / %s** | | %.2f× | %.2f× | %.2f× | | %.2f× | |\n", r.Peer, r.UploadsPerS, r.P50, r.P99, r.PeakRSS)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Latency: from the burst's start (every upload submitted, the photos already in memory, after a warm-up pass) to the upload's outputs done, queueing included; percentiles nearest-rank. With every upload queued at once, p99 is close to the wall time and p50 to half of it: they measure throughput under a backlog more than one upload's speed.")
	fmt.Fprintln(w)
}
