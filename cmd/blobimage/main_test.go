package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/internal/testimage"
)

// cli runs the program in-process and returns its exit status and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// photo writes a 300×200 stored JPEG tagged with orientation 6 (so it
// displays as 200×300) and a camera and GPS position, and returns its path.
func photo(t *testing.T, dir, name string) string {
	t.Helper()
	exif := testimage.EXIF{
		Orientation: 6, Make: "Canon", Model: "Canon PowerShot SX60 HS",
		Taken: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		GPS:   &testimage.GPS{Lat: 43.4671, Lon: 11.8853},
	}
	data := testimage.JPEG(testimage.Stored(testimage.Pattern(200, 300), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// imageFileJSON is the ★ ImageFile JSON contract, field for field.
type imageFileJSON struct {
	Key         string `json:"key"`
	Format      string `json:"format"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Size        int64  `json:"size"`
	Metadata    struct {
		Taken       time.Time `json:"taken"`
		Make        string    `json:"make"`
		Model       string    `json:"model"`
		Orientation int       `json:"orientation"`
		GPS         *struct {
			Lat float64 `json:"lat"`
			Lon float64 `json:"lon"`
		} `json:"gps"`
	} `json:"metadata"`
	Variants map[string]struct {
		Key         string `json:"key"`
		Format      string `json:"format"`
		ContentType string `json:"content_type"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		Size        int64  `json:"size"`
	} `json:"variants"`
	Placeholder string `json:"placeholder"`
	Color       string `json:"color"`
	Frames      int    `json:"frames"`
}

// decodeImageFile decodes one ImageFile JSON object and checks that its top
// level holds only the contract's fields.
func decodeImageFile(t *testing.T, line string) imageFileJSON {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &top); err != nil {
		t.Fatalf("ImageFile JSON %q: %v", line, err)
	}
	for k := range top {
		if !slices.Contains([]string{"key", "format", "content_type", "width", "height", "size", "metadata", "variants", "placeholder", "color", "frames"}, k) {
			t.Errorf("ImageFile JSON has field %q outside the contract", k)
		}
	}
	var f imageFileJSON
	if err := json.Unmarshal([]byte(line), &f); err != nil {
		t.Fatalf("ImageFile JSON %q: %v", line, err)
	}
	// A ThumbHash is 5 to 25 bytes in standard base64; the colour #rrggbb.
	if hash, err := base64.StdEncoding.DecodeString(f.Placeholder); err != nil || len(hash) < 5 || len(hash) > 25 {
		t.Errorf("ImageFile placeholder %q: %d bytes, %v", f.Placeholder, len(hash), err)
	}
	if !regexp.MustCompile(`^#[0-9a-f]{6}$`).MatchString(f.Color) {
		t.Errorf("ImageFile color %q, want #rrggbb", f.Color)
	}
	return f
}

// TestPutInfoGetRm is the README's walk-through on the default bucket: a
// file:// folder ./blobimage-data created on first use.
func TestPutInfoGetRm(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("BLOBIMAGE_BUCKET", "")
	t.Setenv("BLOBIMAGE_CONFIG", "")
	path := photo(t, dir, "cat.jpg")

	code, out, errOut := cli(t, "put", path)
	if code != 0 {
		t.Fatalf("put: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("put printed %d lines, want 1: %q", len(lines), out)
	}
	f := decodeImageFile(t, lines[0])
	if f.Key != "cat.jpg" || f.Format != "jpeg" || f.ContentType != "image/jpeg" {
		t.Errorf("put: key/format/type = %q %q %q", f.Key, f.Format, f.ContentType)
	}
	if f.Width != 200 || f.Height != 300 {
		t.Errorf("put: displayed size %d×%d, want 200×300", f.Width, f.Height)
	}
	if f.Metadata.Model != "Canon PowerShot SX60 HS" || f.Metadata.Orientation != 6 || f.Metadata.GPS == nil {
		t.Errorf("put: metadata %+v", f.Metadata)
	}
	if !f.Metadata.Taken.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("put: taken %v", f.Metadata.Taken)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range f.Variants {
			if !yield(n) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{"medium", "small"}) {
		t.Fatalf("put: variants %v, want the built-in medium and small", names)
	}
	// Neither variant upscales the 200×300 picture.
	for _, n := range names {
		if v := f.Variants[n]; v.Width != 200 || v.Height != 300 || v.Format != "jpeg" || v.Size <= 0 {
			t.Errorf("variant %s = %+v", n, v)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, defaultDir, "cat.jpg")); err != nil {
		t.Errorf("default bucket folder: %v", err)
	}

	code, out, errOut = cli(t, "info", "cat.jpg")
	if code != 0 {
		t.Fatalf("info: exit %d, stderr %q", code, errOut)
	}
	if g := decodeImageFile(t, out); g.Width != 200 || g.Height != 300 || len(g.Variants) != 2 || g.Size != f.Size {
		t.Errorf("info = %+v, put said %+v", g, f)
	}

	small := filepath.Join(dir, "small.jpg")
	if code, _, errOut = cli(t, "get", "cat.jpg", "--variant", "small", "-o", small); code != 0 {
		t.Fatalf("get --variant: exit %d, stderr %q", code, errOut)
	}
	data, err := os.ReadFile(small)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("get --variant small: %v", err)
	}
	if img.Bounds().Size() != image.Pt(200, 300) {
		t.Errorf("small variant is %v, want 200×300", img.Bounds().Size())
	}
	q := testimage.Quadrants(img)
	if !testimage.Near(q[0], testimage.TopLeft, 60) || !testimage.Near(q[3], testimage.BottomRight, 60) {
		t.Errorf("small variant not upright: quadrants %v", q)
	}

	code, out, errOut = cli(t, "get", "cat.jpg")
	if code != 0 || int64(len(out)) != f.Size {
		t.Errorf("get original: exit %d, %d bytes (want %d), stderr %q", code, len(out), f.Size, errOut)
	}

	if code, _, errOut = cli(t, "rm", "cat.jpg"); code != 0 {
		t.Fatalf("rm: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = cli(t, "info", "cat.jpg")
	if code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("info after rm: exit %d, stderr %q", code, errOut)
	}
	// Nothing is left in the bucket folder but empty directories.
	err = filepath.WalkDir(filepath.Join(dir, defaultDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left after rm: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPutRefusal: a refused file is reported on stderr, the others are
// stored, and the exit status is 1.
func TestPutRefusal(t *testing.T) {
	dir := t.TempDir()
	bucket := "file://" + filepath.ToSlash(dir) + "/bucket?create_dir=true"
	good := photo(t, dir, "good.jpg")
	bad := filepath.Join(dir, "notes.jpg")
	if err := os.WriteFile(bad, []byte("this is text, not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "--bucket", bucket, "put", "--key", "up/", bad, good)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "notes.jpg") || !strings.Contains(errOut, "not an image") {
		t.Errorf("stderr %q does not name the refused file and why", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || decodeImageFile(t, lines[0]).Key != "up/good.jpg" {
		t.Errorf("stdout %q, want one line for up/good.jpg", out)
	}
	if code, _, _ := cli(t, "--bucket", bucket, "info", "up/notes.jpg"); code != 1 {
		t.Errorf("refused file was stored")
	}
}

// TestConfigFile: --config replaces the built-in rules; a key matching no
// rule is refused by put rather than stored as a plain object.
func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "blobimage.json")
	err := os.WriteFile(cfg, []byte(`{"rules": [{"match": "photos/**", "variants": [
		{"name": "thumb", "op": "fill", "width": 50, "height": 50, "anchor": "center"}]}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLOBIMAGE_CONFIG", cfg)
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(dir)+"/b?create_dir=true")
	path := photo(t, dir, "cat.jpg")

	code, out, errOut := cli(t, "put", "--key", "photos/2024/cat.jpg", path)
	if code != 0 {
		t.Fatalf("put: exit %d, stderr %q", code, errOut)
	}
	f := decodeImageFile(t, out)
	if v, ok := f.Variants["thumb"]; !ok || v.Width != 50 || v.Height != 50 || len(f.Variants) != 1 {
		t.Errorf("variants %+v, want only thumb 50×50", f.Variants)
	}
	code, _, errOut = cli(t, "put", "--key", "docs/cat.jpg", path)
	if code != 1 || !strings.Contains(errOut, "matches no rule") {
		t.Errorf("put outside the rules: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = cli(t, "get", "photos/2024/cat.jpg", "--variant", "huge")
	if code != 1 || !strings.Contains(errOut, `no variant "huge"`) || !strings.Contains(errOut, "thumb") {
		t.Errorf("get unknown variant: exit %d, stderr %q", code, errOut)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  - match: 'x/*'\n    variants:\n      - {name: a, op: fit, width: -1, height: 5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "--config", bad, "info", "x/a.jpg")
	if code != 1 || !strings.Contains(errOut, "rules[0].variants[0].width") {
		t.Errorf("bad config: exit %d, stderr %q", code, errOut)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"frobnicate"},
		{"put"},
		{"info"},
		{"info", "a", "b"},
		{"get"},
		{"rm"},
		{"put", "--nosuchflag", "x"},
		{"put", "--key", "one", "a.jpg", "b.jpg"},
	} {
		if code, _, errOut := cli(t, args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	if code, out, _ := cli(t, "help"); code != 0 || !strings.Contains(out, "put [--key KEY] FILE...") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}

// TestBlobimageURL: --bucket also takes the library's blobimage+ URLs.
func TestBlobimageURL(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_CONFIG", "")
	bucket := "blobimage+file://" + filepath.ToSlash(dir) + "/b?create_dir=true"
	path := photo(t, dir, "cat.jpg")
	if code, _, errOut := cli(t, "--bucket", bucket, "put", path); code != 0 {
		t.Fatalf("put: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := cli(t, "--bucket", bucket, "info", "cat.jpg")
	if code != 0 {
		t.Fatalf("info: exit %d, stderr %q", code, errOut)
	}
	if f := decodeImageFile(t, out); f.Width != 200 || len(f.Variants) != 2 {
		t.Errorf("info = %+v", f)
	}
	// The same objects, read through a plain file:// URL of the folder.
	if code, _, _ := cli(t, "--bucket", "file://"+filepath.ToSlash(dir)+"/b", "info", "cat.jpg"); code != 0 {
		t.Errorf("info through file://: exit %d", code)
	}
	if code, _, errOut := cli(t, "--bucket", "blobimage+nosuch://x", "info", "cat.jpg"); code != 1 || errOut == "" {
		t.Errorf("unknown inner scheme: exit %d, stderr %q", code, errOut)
	}
}
