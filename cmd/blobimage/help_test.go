package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelp: --help (globally or after a command) and `help COMMAND`
// succeed and print to stdout what the command takes; every command has
// its help.
func TestHelp(t *testing.T) {
	if code, out, _ := cli(t, "--help"); code != exitOK || !strings.Contains(out, "commands:") {
		t.Errorf("--help: %d %q", code, out)
	}
	for name := range commands {
		if commandHelp[name] == "" {
			t.Errorf("%s has no help", name)
		}
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			code, out, errOut := cli(t, args...)
			if code != exitOK || !strings.Contains(out, "usage: blobimage "+name) || errOut != "" {
				t.Errorf("%v: exit %d, stdout %.60q, stderr %q", args, code, out, errOut)
			}
		}
	}
	if code, _, _ := cli(t, "put", "--no-such-flag"); code != exitUsage {
		t.Errorf("an unknown flag exits %d, want %d", code, exitUsage)
	}
}

// TestMissingKeyNamed: info, get and rm of a missing key say which key.
func TestMissingKeyNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	bucket := "file://" + filepath.Join(dir, "data")
	for _, cmd := range []string{"info", "get", "rm"} {
		code, _, errOut := cli(t, "--bucket", bucket, cmd, "photos/missing.jpg")
		if code != exitFail || !strings.Contains(errOut, `"photos/missing.jpg"`) || !strings.Contains(errOut, "not found") ||
			strings.Contains(errOut, dir) {
			t.Errorf("%s of a missing key: %d %q", cmd, code, errOut)
		}
	}
}
