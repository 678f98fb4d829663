package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the blobimage child, as the
// harness binary does.
func TestMain(m *testing.M) {
	if code, ok := maybeChild(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// exifOrientation is a JPEG APP1 segment holding only EXIF orientation o.
func exifOrientation(o byte) []byte {
	tiff := []byte{
		'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, // Orientation, SHORT, 1, o
		0, 0, 0, 0, // no next IFD
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	return append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
}

// writeJPEG writes a w×h photo-like JPEG (gradients and texture) to path,
// with an EXIF orientation when o > 1.
func writeJPEG(t *testing.T, path string, w, h int, o byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := math.Sin(float64(x)/7) * math.Cos(float64(y)/11)
			img.Set(x, y, color.RGBA{
				R: uint8(255 * x / w), G: uint8(255 * y / h),
				B: uint8(128 + 100*v), A: 255,
			})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if o > 1 {
		b = append(append(append([]byte{}, b[:2]...), exifOrientation(o)...), b[2:]...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHarnessEndToEnd(t *testing.T) {
	dir := t.TempDir()
	writeJPEG(t, filepath.Join(dir, "landscape.jpg"), 1200, 800, 1)
	writeJPEG(t, filepath.Join(dir, "rotated.jpg"), 900, 600, 6) // displays 600×900
	writeJPEG(t, filepath.Join(dir, "small.jpg"), 320, 240, 1)   // never upscaled
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(t.TempDir(), "bench.json")

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-corpus", dir, "-rounds", "1", "-workers", "1", "-json", jsonPath}, &stdout, &stderr)
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
	if len(rep.Photos) != 3 {
		t.Errorf("%d photos, want 3", len(rep.Photos))
	}
	var peers []sideInfo
	for _, s := range rep.Sides {
		if s.Skipped != "" {
			t.Logf("%s skipped: %s", s.Name, s.Skipped)
			continue
		}
		if s.ID != sideBlob {
			peers = append(peers, s)
		}
	}
	if len(rep.Modes) != 2 {
		t.Fatalf("%d modes, want keep and recompress", len(rep.Modes))
	}
	for _, m := range rep.Modes {
		ran := map[string]sideResult{}
		for _, s := range m.Sides {
			if s.Error != "" {
				t.Errorf("%s: %s failed: %s", m.Mode, s.Name, s.Error)
			}
			ran[s.Side] = s
		}
		for _, want := range append([]sideInfo{{ID: sideBlob, Name: "blobimage"}}, peers...) {
			s := ran[want.ID]
			if s.Jobs != 3 || s.MedianMS <= 0 || s.MPPerS <= 0 || s.PeakRSSMiB <= 0 {
				t.Errorf("%s: %s: jobs %d, median %v ms, %v MP/s, peak %v MiB", m.Mode, want.ID, s.Jobs, s.MedianMS, s.MPPerS, s.PeakRSSMiB)
			}
			if !strings.Contains(stdout.String(), "| "+want.Name+" | ") {
				t.Errorf("%s: no table row for %s", m.Mode, want.Name)
			}
			for _, size := range variantNames {
				q := findQuality(m, want.ID, size)
				if q == nil || q.Photos != 3 || q.MedianPSNRY < 25 || q.Notes != 0 {
					t.Errorf("%s: %s: %s quality %+v", m.Mode, want.ID, size, q)
				}
			}
		}
		if len(m.Ratios) != len(peers) {
			t.Errorf("%s: %d ratios, want %d", m.Mode, len(m.Ratios), len(peers))
		}
		for _, r := range m.Ratios {
			for _, v := range []float64{r.MedianMS, r.MPPerS, r.PeakRSS} {
				if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
					t.Errorf("%s: ratio to %s not finite and positive: %+v", m.Mode, r.Peer, r)
				}
			}
			if !strings.Contains(stdout.String(), "| **blobimage / ") {
				t.Errorf("%s: no ratio row", m.Mode)
			}
		}
	}
	if rep.Floor == nil || len(rep.Floor.Checks) != 4 || !strings.Contains(stdout.String(), "FLOOR: ") {
		t.Errorf("no FLOOR check: %+v", rep.Floor)
	}
}

// TestHarnessRepeat runs the blobimage side twice in keep mode with
// -repeat 2 and checks that its timings are pooled: twice the jobs of one
// run, and the header says so.
func TestHarnessRepeat(t *testing.T) {
	dir := t.TempDir()
	writeJPEG(t, filepath.Join(dir, "a.jpg"), 640, 480, 1)
	writeJPEG(t, filepath.Join(dir, "b.jpg"), 480, 640, 1)
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-corpus", dir, "-rounds", "2", "-repeat", "2", "-workers", "1",
		"-modes", "keep", "-sides", "blobimage", "-json", jsonPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("run exited %d\n%s", code, stderr.String())
	}
	var rep report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Repeat != 2 || len(rep.Modes) != 1 || len(rep.Modes[0].Sides) == 0 {
		t.Fatalf("report: repeat %d, %d modes", rep.Repeat, len(rep.Modes))
	}
	s := rep.Modes[0].Sides[0]
	if s.Side != sideBlob || s.Jobs != 2*2*2 || s.MPPerS <= 0 {
		t.Errorf("%s: %d jobs (want 8: 2 photos × 2 rounds × 2 runs), %v MP/s", s.Side, s.Jobs, s.MPPerS)
	}
	if !strings.Contains(stdout.String(), "in each of 2 runs of the sides in turn") {
		t.Errorf("the header does not mention the runs:\n%s", stdout.String())
	}
	if n := strings.Count(stderr.String(), "(run "); n != 2 {
		t.Errorf("%d runs logged, want 2:\n%s", n, stderr.String())
	}
}
