package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// report is the whole run, as written by -json.
type report struct {
	Started     string       `json:"started"`
	GoVersion   string       `json:"go_version"`
	GOOS        string       `json:"goos"`
	GOARCH      string       `json:"goarch"`
	CPUs        int          `json:"cpus"`
	Corpus      string       `json:"corpus"`
	Workers     int          `json:"workers"`
	Rounds      int          `json:"rounds"`
	Repeat      int          `json:"repeat"`
	Photos      []photo      `json:"photos"`
	Sides       []sideInfo   `json:"sides"`
	Modes       []modeReport `json:"modes,omitempty"`
	Floor       *floorReport `json:"floor,omitempty"`
	RSSPerPhoto []rssRow     `json:"rss_per_photo,omitempty"`
	// LoadStart and LoadEnd are /proc/loadavg when the measurements
	// started and ended (with -scaling and -burst): other work on the
	// machine shows there.
	LoadStart string       `json:"load_start,omitempty"`
	LoadEnd   string       `json:"load_end,omitempty"`
	Scaling   []scalingRow `json:"scaling,omitempty"`
	Burst     *burstReport `json:"burst,omitempty"`
}

// modeReport is one original mode: every side's speed and memory, the
// ratios of blobimage to each peer, and the quality of the outputs.
type modeReport struct {
	Mode    string       `json:"mode"`
	Sides   []sideResult `json:"sides"`
	Ratios  []ratio      `json:"ratios"`
	Quality []qualityRow `json:"quality"`
}

// sideResult is one side's run of one mode.
type sideResult struct {
	Side    string `json:"side"`
	Name    string `json:"name"`
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
	// Jobs is the number of timed (round, photo) jobs.
	Jobs     int     `json:"jobs,omitempty"`
	MedianMS float64 `json:"median_ms,omitempty"`
	MPPerS   float64 `json:"mp_per_s,omitempty"`
	WallS    float64 `json:"wall_s,omitempty"`
	// PeakRSSMiB is ru_maxrss of the child; PeakTreeRSSMiB the largest
	// sampled sum over its process tree.
	PeakRSSMiB     float64 `json:"peak_rss_mib,omitempty"`
	PeakTreeRSSMiB float64 `json:"peak_tree_rss_mib,omitempty"`
	// PerPhotoMedianMS is each photo's median time over the rounds.
	PerPhotoMedianMS map[string]float64 `json:"per_photo_median_ms,omitempty"`

	outdir string // the warm-up outputs, for the quality check
}

// ratio is blobimage's figure divided by a peer's.
type ratio struct {
	Peer     string  `json:"peer"`
	MedianMS float64 `json:"median_ms"`
	MPPerS   float64 `json:"mp_per_s"`
	PeakRSS  float64 `json:"peak_rss"`
	TreeRSS  float64 `json:"peak_tree_rss"`
}

// qualityRow is the quality of one side's outputs of one size.
type qualityRow struct {
	Side          string                   `json:"side"`
	Size          string                   `json:"size"` // medium, small or full
	Photos        int                      `json:"photos"`
	MedianPSNRY   float64                  `json:"median_psnr_y"`
	MinPSNRY      float64                  `json:"min_psnr_y"`
	MedianPSNRRGB float64                  `json:"median_psnr_rgb"`
	MedianKB      float64                  `json:"median_kib"`
	Notes         int                      `json:"notes,omitempty"` // outputs with a Note
	PerPhoto      map[string]outputQuality `json:"per_photo"`
}

// floorReport is the FLOOR check.
type floorReport struct {
	Pass   bool        `json:"pass"`
	Checks []floorItem `json:"checks"`
}

type floorItem struct {
	Mode   string  `json:"mode"`
	Size   string  `json:"size"`
	Blob   float64 `json:"blobimage_psnr_y"`
	Pillow float64 `json:"pillow_psnr_y,omitempty"`
	Need   float64 `json:"need_psnr_y"`
	Result string  `json:"result"` // PASS or FAIL
	Why    string  `json:"why"`
}

// rssRow is the peak RSS of one photo through each side, in MiB.
type rssRow struct {
	Photo string             `json:"photo"`
	MP    float64            `json:"mp"`
	MiB   map[string]float64 `json:"mib"`
	Error map[string]string  `json:"error,omitempty"`
}

const mib = 1 << 20

func (sr *sideResult) summarise(res *childResult, photos []photo, rounds int, totalMP float64) {
	var all []float64
	per := make([][]float64, len(photos))
	for _, t := range res.times {
		ms := float64(t.ns) / 1e6
		all = append(all, ms)
		per[t.idx] = append(per[t.idx], ms)
	}
	sr.Jobs = len(all)
	sr.MedianMS = median(all)
	sr.WallS = float64(res.wallNS) / 1e9
	if sr.WallS > 0 {
		sr.MPPerS = totalMP * float64(rounds) / sr.WallS
	}
	sr.PeakRSSMiB = float64(res.maxRSS) / mib
	sr.PeakTreeRSSMiB = float64(res.treePeak) / mib
	sr.PerPhotoMedianMS = map[string]float64{}
	for i, p := range photos {
		sr.PerPhotoMedianMS[p.Name] = median(per[i])
	}
}

// ratios divides blobimage's figures by each peer's that ran.
func ratios(sides []sideResult) []ratio {
	var blob *sideResult
	for i := range sides {
		if sides[i].Side == sideBlob && sides[i].Jobs > 0 {
			blob = &sides[i]
		}
	}
	if blob == nil {
		return nil
	}
	var rs []ratio
	for _, s := range sides {
		if s.Side == sideBlob || s.Jobs == 0 {
			continue
		}
		rs = append(rs, ratio{Peer: s.Side,
			MedianMS: div(blob.MedianMS, s.MedianMS), MPPerS: div(blob.MPPerS, s.MPPerS),
			PeakRSS: div(blob.PeakRSSMiB, s.PeakRSSMiB), TreeRSS: div(blob.PeakTreeRSSMiB, s.PeakTreeRSSMiB)})
	}
	return rs
}

// div is a/b, or 0 when that is not a finite number.
func div(a, b float64) float64 {
	r := a / b
	if b == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// floorCheck compares blobimage's median variant PSNR-Y with Pillow's
// minus maxDrop or, when Pillow did not run, with the absolute floor.
func floorCheck(rep *report, maxDrop, floor float64) *floorReport {
	fr := &floorReport{Pass: true}
	for _, m := range rep.Modes {
		for _, size := range variantNames {
			var blob, pil *qualityRow
			for i := range m.Quality {
				q := &m.Quality[i]
				if q.Size != size || q.Photos == 0 {
					continue
				}
				switch q.Side {
				case sideBlob:
					blob = q
				case sidePillow:
					pil = q
				}
			}
			c := floorItem{Mode: m.Mode, Size: size, Need: floor, Result: "PASS",
				Why: fmt.Sprintf("≥ %.2f dB (absolute floor: Pillow not run)", floor)}
			if pil != nil {
				c.Pillow = pil.MedianPSNRY
				c.Need = pil.MedianPSNRY - maxDrop
				c.Why = fmt.Sprintf("≥ Pillow %.2f − %.1f = %.2f dB", pil.MedianPSNRY, maxDrop, c.Need)
			}
			switch {
			case blob == nil:
				c.Result, c.Why = "FAIL", "no blobimage outputs to measure"
			case blob.MedianPSNRY < c.Need:
				c.Result = "FAIL"
			}
			if blob != nil {
				c.Blob = blob.MedianPSNRY
			}
			if c.Result != "PASS" {
				fr.Pass = false
			}
			fr.Checks = append(fr.Checks, c)
		}
	}
	return fr
}

// rssPerPhoto runs one child per photo and side (keep mode, one worker,
// no warm-up, one pass, no outputs), plus one with no photo for the
// baseline.
func rssPerPhoto(ctx context.Context, sides []*side, photos []photo, stderr io.Writer) []rssRow {
	var rows []rssRow
	for i := -1; i < len(photos); i++ {
		row := rssRow{Photo: "(baseline: no photo)", MiB: map[string]float64{}}
		var files []string
		if i >= 0 {
			row.Photo, row.MP = photos[i].Name, photos[i].MP
			files = []string{photos[i].Path}
		}
		for _, s := range sides {
			if s.info.Skipped != "" {
				continue
			}
			res, err := s.run(ctx, childArgs{mode: "keep", workers: 1, rounds: 1, outdir: "-", files: files})
			if err != nil {
				if row.Error == nil {
					row.Error = map[string]string{}
				}
				row.Error[s.info.ID] = err.Error()
				fmt.Fprintf(stderr, "bench: rss %s: %s failed: %v\n", row.Photo, s.info.Name, err)
				continue
			}
			row.MiB[s.info.ID] = float64(res.maxRSS) / mib
		}
		fmt.Fprintf(stderr, "bench: rss %s done\n", row.Photo)
		rows = append(rows, row)
	}
	return rows
}

// writeTables prints the Markdown tables of every mode, then the FLOOR
// check.
func writeTables(w io.Writer, rep *report) {
	writeHeader(w, rep)
	for _, m := range rep.Modes {
		what := "decode, orient, fit 1000 + fit 400 (Lanczos), JPEG q85; original kept"
		if m.Mode == "recompress" {
			what = "decode, orient, fit 1000 + fit 400 (Lanczos), JPEG q85; full-size original re-encoded JPEG q85"
		}
		fmt.Fprintf(w, "### %s: %s\n\n", m.Mode, what)
		fmt.Fprintln(w, "| side | median ms/photo | MP/s | peak RSS MiB | tree RSS MiB |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, s := range m.Sides {
			switch {
			case s.Skipped != "":
				fmt.Fprintf(w, "| %s | skipped: %s | | | |\n", s.Name, cell(s.Skipped))
			case s.Error != "":
				fmt.Fprintf(w, "| %s | failed: %s | | | |\n", s.Name, cell(s.Error))
			default:
				fmt.Fprintf(w, "| %s | %.0f | %.1f | %.0f | %.0f |\n", s.Name, s.MedianMS, s.MPPerS, s.PeakRSSMiB, s.PeakTreeRSSMiB)
			}
		}
		for _, r := range m.Ratios {
			fmt.Fprintf(w, "| **blobimage / %s** | %.2f× | %.2f× | %.2f× | %.2f× |\n", sideName(m, r.Peer), r.MedianMS, r.MPPerS, r.PeakRSS, r.TreeRSS)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "MP/s: source megapixels over the wall time of the timed rounds. Peak RSS: ru_maxrss of the side's child process (for the Pillow pool, its largest single process); tree RSS: the largest sum over the child's process tree, sampled every 20 ms.")
		fmt.Fprintln(w)

		ran := ranSides(m)
		fmt.Fprintf(w, "Median ms per photo over the rounds:\n\n| photo | MP |")
		for _, s := range ran {
			fmt.Fprintf(w, " %s |", s.Name)
		}
		fmt.Fprintf(w, "\n|---|---:|%s\n", strings.Repeat("---:|", len(ran)))
		for _, p := range rep.Photos {
			fmt.Fprintf(w, "| %s | %.1f |", p.Name, p.MP)
			for _, s := range ran {
				fmt.Fprintf(w, " %.0f |", s.PerPhotoMedianMS[p.Name])
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)

		fmt.Fprintf(w, "Quality: PSNR-Y in dB against a Go Lanczos reference from the full decode, median (min) over photos, and median output KiB:\n\n| output |")
		for _, s := range ran {
			fmt.Fprintf(w, " %s |", s.Name)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(ran)))
		sizes := variantNames
		if m.Mode == "recompress" {
			sizes = append(sizes[:len(sizes):len(sizes)], "full")
		}
		for _, size := range sizes {
			label := map[string]string{"medium": "medium (fit 1000)", "small": "small (fit 400)", "full": "full size"}[size]
			fmt.Fprintf(w, "| %s |", label)
			for _, s := range ran {
				q := findQuality(m, s.Side, size)
				if q == nil || q.Photos == 0 {
					fmt.Fprint(w, " – |")
					continue
				}
				flag := ""
				if q.Notes > 0 {
					flag = fmt.Sprintf(" ⚠%d", q.Notes)
				}
				fmt.Fprintf(w, " %.2f (%.2f), %.0f KiB%s |", q.MedianPSNRY, q.MinPSNRY, q.MedianKB, flag)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		for _, q := range m.Quality {
			for name, pq := range q.PerPhoto {
				if pq.Note != "" {
					fmt.Fprintf(w, "⚠ %s, %s, %s, %s: %s\n", m.Mode, q.Side, q.Size, name, pq.Note)
				}
			}
		}
	}
	if rep.Floor != nil {
		for _, c := range rep.Floor.Checks {
			fmt.Fprintf(w, "FLOOR %s/%s: blobimage %.2f dB, need %s: %s\n", c.Mode, c.Size, c.Blob, c.Why, c.Result)
		}
		verdict := "PASS"
		if !rep.Floor.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "FLOOR: %s\n", verdict)
	}
}

// writeHeader prints the line that says what was run, on what.
func writeHeader(w io.Writer, rep *report) {
	var totalMP float64
	for _, p := range rep.Photos {
		totalMP += p.MP
	}
	runs := ""
	if rep.Repeat > 1 {
		runs = fmt.Sprintf(", in each of %d runs of the sides in turn, pooled", rep.Repeat)
	}
	fmt.Fprintf(w, "Corpus: %d photos, %.1f MP in all (%s); workers: %d; timed rounds: %d, after one warm-up pass%s; %s %s/%s, %d CPUs.\n\n",
		len(rep.Photos), totalMP, photoList(rep.Photos), rep.Workers, rep.Rounds, runs, rep.GoVersion, rep.GOOS, rep.GOARCH, rep.CPUs)
}

func writeRSSTable(w io.Writer, rep *report) {
	var ran []sideInfo
	for _, s := range rep.Sides {
		if s.Skipped == "" {
			ran = append(ran, s)
		}
	}
	fmt.Fprintln(w, "### Peak RSS per photo (keep mode, 1 worker, one child process per photo and side; MiB, ru_maxrss)")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| photo | MP |")
	for _, s := range ran {
		fmt.Fprintf(w, " %s |", s.Name)
	}
	for _, s := range ran[1:] {
		fmt.Fprintf(w, " blobimage / %s |", s.Name)
	}
	fmt.Fprintf(w, "\n|---|---:|%s\n", strings.Repeat("---:|", 2*len(ran)-1))
	for _, r := range rep.RSSPerPhoto {
		fmt.Fprintf(w, "| %s | %.1f |", r.Photo, r.MP)
		for _, s := range ran {
			if e, ok := r.Error[s.ID]; ok {
				fmt.Fprintf(w, " failed: %s |", cell(e))
			} else {
				fmt.Fprintf(w, " %.0f |", r.MiB[s.ID])
			}
		}
		for _, s := range ran[1:] {
			fmt.Fprintf(w, " %.2f× |", div(r.MiB[sideBlob], r.MiB[s.ID]))
		}
		fmt.Fprintln(w)
	}
	for _, s := range rep.Sides {
		if s.Skipped != "" {
			fmt.Fprintf(w, "\n%s skipped: %s\n", s.Name, s.Skipped)
		}
	}
}

func writeJSON(path string, rep *report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func ranSides(m modeReport) []sideResult {
	var ran []sideResult
	for _, s := range m.Sides {
		if s.Jobs > 0 {
			ran = append(ran, s)
		}
	}
	return ran
}

func sideName(m modeReport, id string) string {
	for _, s := range m.Sides {
		if s.Side == id {
			return s.Name
		}
	}
	return id
}

func findQuality(m modeReport, side, size string) *qualityRow {
	for i := range m.Quality {
		if m.Quality[i].Side == side && m.Quality[i].Size == size {
			return &m.Quality[i]
		}
	}
	return nil
}

func photoList(ps []photo) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "/")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
