package metadata_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// recorder is a slog.Handler keeping the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}

// damage returns the "damage" attribute of each record.
func (r *recorder) damage() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.records {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "damage" {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	return out
}

// TestDamageLogged checks that the rewrites log, on the logger they are
// given and at level Warn, the damage they tolerate and what they drop
// because of it, and nothing for an intact file.
func TestDamageLogged(t *testing.T) {
	var junk damagedJPEG
	for _, d := range damagedJPEGs(pattern(), 90) {
		if d.name == "junk after APP1" {
			junk = d
		}
	}
	f, err := metadata.Parse(codecs.JPEG, junk.data)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if _, err := f.WithLogger(slog.New(rec)).StripGPS(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rec.damage(), "\n")
	for _, want := range []string{"6 extraneous bytes before marker 0xFFDB", "segment 0xFFE1 at offset 2: its length disagrees with the file; StripGPS drops it"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	for _, r := range rec.records {
		if r.Level != slog.LevelWarn {
			t.Errorf("logged at %v", r.Level)
		}
	}

	// A File from Parse logs nothing, nor does one with a nil logger, and
	// an intact file gives nothing to log.
	if _, err := f.WithLogger(nil).StripAll(0); err != nil {
		t.Fatal(err)
	}
	rec = &recorder{}
	intact, err := metadata.Parse(codecs.JPEG, jpegWith(app1(fullEXIF.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	intact = intact.WithLogger(slog.New(rec))
	for _, op := range []func() ([]byte, error){intact.Trim, intact.StripGPS, func() ([]byte, error) { return intact.StripAll(6) }} {
		if _, err := op(); err != nil {
			t.Fatal(err)
		}
	}
	if d := rec.damage(); len(d) > 0 {
		t.Errorf("intact file: logged %q", d)
	}
}

// TestJPEGDamageIsBounded feeds the JPEG walk the inputs that would make a
// careless resync quadratic or its log unbounded: a megabyte of fill
// bytes, of FF 00 pairs, of stray restart markers, tens of thousands of
// tiny segments each followed by a byte to skip. Each must complete (a
// quadratic walk would take hours at this size, past the test timeout) and
// log at most 17 warnings, the last counting the rest.
func TestJPEGDamageIsBounded(t *testing.T) {
	clean := testimage.JPEG(testimage.Pattern(8, 8), 50)
	const mb = 1 << 20
	withBefore := func(junk []byte) []byte {
		return append(append(bytes.Clone(clean[:2]), junk...), clean[2:]...)
	}
	tiny := bytes.Repeat([]byte{0xFF, 0xFE, 0x00, 0x02, 'x'}, 50000)
	sof := bytes.Index(clean, []byte{0xFF, 0xC0})
	fillBeforeSOF := append(append(bytes.Clone(clean[:sof]), bytes.Repeat([]byte{0xFF}, mb)...), clean[sof:]...)
	for _, tc := range []struct {
		name   string
		data   []byte
		refuse bool
	}{
		{"fill bytes only", append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF}, mb)...), true},
		{"zero bytes only", append([]byte{0xFF, 0xD8}, make([]byte, mb)...), true},
		{"FF 00 pairs", withBefore(bytes.Repeat([]byte{0xFF, 0x00}, mb/2)), false},
		{"stray restart markers", withBefore(bytes.Repeat([]byte{0xFF, 0xD0}, mb/2)), false},
		{"tiny segments and junk", withBefore(tiny), false},
		{"fill bytes before SOF", fillBeforeSOF, false},
		{"fill bytes in the scan data", append(bytes.Clone(clean[:len(clean)-2]), append(bytes.Repeat([]byte{0xFF}, mb), 0xD9)...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			f, err := metadata.Parse(codecs.JPEG, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			f = f.WithLogger(slog.New(rec))
			_, err = f.Metadata()
			noBug(t, "Metadata", err)
			_, err = f.ICC()
			noBug(t, "ICC", err)
			_, err = f.Trim()
			noBug(t, "Trim", err)
			out, err := f.StripGPS()
			noBug(t, "StripGPS", err)
			if (err != nil) != tc.refuse {
				t.Fatalf("StripGPS: %v, want an error %v", err, tc.refuse)
			}
			_, err = f.StripAll(6)
			noBug(t, "StripAll", err)
			if n := len(rec.damage()); n > 3*17 {
				t.Errorf("%d warnings logged for three rewrites", n)
			}
			if err == nil && len(out) > len(tc.data) {
				t.Errorf("StripGPS returned %d bytes of %d", len(out), len(tc.data))
			}
		})
	}
}
