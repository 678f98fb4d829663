package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100 … 1, unsorted
	}
	for _, c := range []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{nil, 50, 0},
		{[]float64{7}, 99, 7},
		{[]float64{3, 1, 2}, 50, 2},
		{[]float64{4, 1, 3, 2}, 50, 2}, // nearest rank: ceil(0.5×4) = 2nd
		{hundred, 50, 50},
		{hundred, 99, 99},
		{hundred, 100, 100},
		{hundred, 1, 1},
		{hundred, 0.1, 1}, // rank rounds up to the first
	} {
		if got := percentile(c.xs, c.p); got != c.want {
			t.Errorf("percentile(%v…, %v) = %v, want %v", c.xs[:min(len(c.xs), 4)], c.p, got, c.want)
		}
	}
	xs := []float64{3, 1, 2}
	percentile(xs, 50)
	if xs[0] != 3 {
		t.Error("percentile sorted its argument")
	}
}

func TestEfficiencyModel(t *testing.T) {
	if e := efficiency(4, 8, 2); e != 1 {
		t.Errorf("linear: %v", e)
	}
	if e := efficiency(4, 7.2, 2); math.Abs(e-0.9) > 1e-12 {
		t.Errorf("0.9: %v", e)
	}
	for _, c := range [][2]float64{{0, 5}, {5, 0}, {-1, 3}} {
		if e := efficiency(c[0], c[1], 2); e != 0 {
			t.Errorf("efficiency(%v, %v) = %v, want 0", c[0], c[1], e)
		}
	}
	if m := modelThroughput(4, 0.9, 8); math.Abs(m-28.8) > 1e-9 {
		t.Errorf("model 8: %v", m)
	}
	if m := modelThroughput(4, 0.9, 2); math.Abs(m-7.2) > 1e-9 {
		t.Errorf("model 2 must give back the measurement: %v", m)
	}
	if m := modelThroughput(4, 0.5, 1); m != 4 {
		t.Errorf("model 1: %v", m)
	}
}

func TestParseRounds(t *testing.T) {
	for _, c := range []struct {
		in            string
		rounds, burst int
		ok            bool
	}{
		{"3", 3, 0, true}, {"0", 0, 0, true}, {"burst=100", 0, 100, true},
		{"burst=0", 0, 0, false}, {"burst=", 0, 0, false}, {"burst=x", 0, 0, false},
		{"-1", 0, 0, false}, {"", 0, 0, false}, {"two", 0, 0, false},
	} {
		r, b, err := parseRounds(c.in)
		if (err == nil) != c.ok || r != c.rounds || b != c.burst {
			t.Errorf("parseRounds(%q) = %d, %d, %v", c.in, r, b, err)
		}
	}
	a := childArgs{mode: "keep", workers: 2, rounds: 3, burst: 100, files: []string{"a", "b"}}
	if got := strings.Join(a.argv(), " "); got != "keep 2 burst=100 0 - a b" {
		t.Errorf("argv %q", got)
	}
	if a.jobs() != 100 {
		t.Errorf("jobs %d", a.jobs())
	}
	a.burst = 0
	if a.jobs() != 6 {
		t.Errorf("jobs %d", a.jobs())
	}
}

func TestSummariseBurst(t *testing.T) {
	res := &childResult{wallNS: 2e9, maxRSS: 64 * mib}
	for j := range 100 {
		res.times = append(res.times, timing{idx: j % 3, round: j / 3, ns: int64(j+1) * 1e6})
	}
	var row burstRow
	summariseBurst(&row, res)
	if row.Uploads != 100 || row.UploadsPerS != 50 || row.P50MS != 50 || row.P99MS != 99 || row.MaxMS != 100 || row.PeakRSSMiB != 64 {
		t.Errorf("%+v", row)
	}
}

// TestScalingAndBurst runs -scaling and -burst on a tiny synthetic corpus,
// with whichever peers this machine has (a missing one is skipped and
// said so).
func TestScalingAndBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every side's child process")
	}
	dir := t.TempDir()
	writeJPEG(t, filepath.Join(dir, "a.jpg"), 1200, 800, 1)
	writeJPEG(t, filepath.Join(dir, "b.jpg"), 600, 900, 6)
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-corpus", dir, "-rounds", "1", "-scaling", "-burst", "5", "-json", jsonPath}, &stdout, &stderr)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	if code != 0 {
		t.Fatalf("run exited %d", code)
	}
	var rep report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, r := range rep.Scaling {
		if r.Skipped != "" {
			t.Logf("%s skipped: %s", r.Name, r.Skipped)
			continue
		}
		ran++
		if r.Error != "" || r.PhotosPerS1 <= 0 || r.PhotosPerS2 <= 0 || r.Efficiency <= 0 || r.Model[8] <= 0 {
			t.Errorf("scaling %s: %+v", r.Side, r)
		}
	}
	if ran == 0 || rep.Burst == nil {
		t.Fatalf("no scaling rows or no burst: %+v", rep)
	}
	for _, r := range rep.Burst.Sides {
		if r.Skipped != "" {
			continue
		}
		if r.Error != "" || r.Uploads != 5 || r.P50MS <= 0 || r.P99MS < r.P50MS || r.UploadsPerS <= 0 {
			t.Errorf("burst %s: %+v", r.Side, r)
		}
		// Latency runs from the burst's start, so the last upload's is
		// about the wall time.
		if r.MaxMS > r.WallS*1000*1.05+5 {
			t.Errorf("burst %s: max latency %v ms above the wall %v s", r.Side, r.MaxMS, r.WallS)
		}
	}
	if len(rep.Burst.Ratios) != ran-1 {
		t.Errorf("%d burst ratios, want %d", len(rep.Burst.Ratios), ran-1)
	}
	for _, want := range []string{"### Scaling", "### Burst", "| **blobimage / "} {
		if ran > 1 || want != "| **blobimage / " {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("output lacks %q", want)
			}
		}
	}
}
