package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// variantStates returns name → state from an ImageFile JSON object.
func variantStates(t *testing.T, line string) map[string]string {
	t.Helper()
	var f struct {
		Variants map[string]struct {
			State string `json:"state"`
			Width int    `json:"width"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(line), &f); err != nil {
		t.Fatalf("ImageFile JSON %q: %v", line, err)
	}
	states := map[string]string{}
	for name, v := range f.Variants {
		states[name] = v.State
	}
	return states
}

// TestRegenCommand: lazy and background puts, then regen with a dry run,
// a config change, and the JSON summary a non-terminal gets.
func TestRegenCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(dir)+"/b?create_dir=true")
	t.Setenv("BLOBIMAGE_CONFIG", "")
	a, b := photo(t, dir, "a.jpg"), photo(t, dir, "b.jpg")

	code, out, errOut := cli(t, "--fanout", "lazy", "put", a)
	if code != 0 {
		t.Fatalf("lazy put: exit %d: %s", code, errOut)
	}
	if s := variantStates(t, out); s["small"] != "pending" || s["medium"] != "pending" {
		t.Errorf("after a lazy put: %v, want pending", s)
	}
	// Background fan-out on the embedded mem:// queue: the command's own
	// worker drains it before exiting.
	code, _, errOut = cli(t, "put", "--fanout", "background", b)
	if code != 0 {
		t.Fatalf("background put: exit %d: %s", code, errOut)
	}
	_, out, _ = cli(t, "info", "b.jpg")
	if s := variantStates(t, out); s["small"] != "ready" || s["medium"] != "ready" {
		t.Errorf("after a background put: %v, want ready", s)
	}

	// A dry run prints the plan and changes nothing.
	code, out, errOut = cli(t, "regen", "--dry-run")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], "a.jpg: create small,medium") {
		t.Fatalf("regen --dry-run: exit %d, out %q, err %q", code, out, errOut)
	}
	var sum struct {
		Scanned, Unchanged, Created int
		DryRun                      bool `json:"dry_run"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &sum); err != nil || sum.Scanned != 2 || sum.Created != 2 || !sum.DryRun {
		t.Errorf("dry-run summary %q: %+v %v", lines[1], sum, err)
	}
	_, out, _ = cli(t, "info", "a.jpg")
	if s := variantStates(t, out); s["small"] != "pending" {
		t.Errorf("dry run changed a.jpg: %v", s)
	}

	// regen makes a.jpg's variants; a config adding a thumb and dropping
	// medium updates both images.
	if code, out, errOut = cli(t, "regen"); code != 0 {
		t.Fatalf("regen: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Created != 2 || sum.Unchanged != 1 {
		t.Errorf("regen summary %q: %+v %v", out, sum, err)
	}
	cfg := filepath.Join(dir, "c.json")
	if err := os.WriteFile(cfg, []byte(`{"rules": [{"match": "**", "variants": [
		{"name": "small", "op": "fit", "width": 400, "height": 400},
		{"name": "thumb", "op": "fill", "width": 50, "height": 50}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = cli(t, "--config", cfg, "regen", "--orphan-age", "0"); code != 0 {
		t.Fatalf("regen with a new config: exit %d: %s", code, errOut)
	}
	var sum2 struct{ Created, Dropped, Unchanged int }
	if err := json.Unmarshal([]byte(out), &sum2); err != nil || sum2.Created != 2 || sum2.Dropped != 2 {
		t.Errorf("regen summary %q: %+v %v", out, sum2, err)
	}
	for _, k := range []string{"a.jpg", "b.jpg"} {
		_, out, _ = cli(t, "--config", cfg, "info", k)
		if s := variantStates(t, out); len(s) != 2 || s["small"] != "ready" || s["thumb"] != "ready" {
			t.Errorf("%s after regen: %v", k, s)
		}
	}

	// Usage errors.
	if code, _, _ := cli(t, "regen", "--enqueue"); code != exitUsage {
		t.Errorf("regen --enqueue without --queue: exit %d", code)
	}
	if code, _, _ := cli(t, "worker"); code != exitUsage {
		t.Errorf("worker without a shared queue: exit %d", code)
	}
	if code, _, errOut := cli(t, "--fanout", "sometimes", "info", "a.jpg"); code != exitFail || !strings.Contains(errOut, "eager, lazy or background") {
		t.Errorf("bad --fanout: exit %d, %q", code, errOut)
	}
}
