//go:build unix

package syslib

import (
	"strings"
	"testing"
)

// TestBind binds a function of the C library and calls it, and reports a
// missing library and a missing symbol as errors.
func TestBind(t *testing.T) {
	libc := []string{"libc.so.6", "libc.so", "/usr/lib/libSystem.B.dylib"}
	var strlen func(s string) uintptr
	if err := Bind("libc", libc, map[string]any{"strlen": &strlen}); err != nil {
		t.Fatal(err)
	}
	if n := strlen("seven c"); n != 7 {
		t.Errorf("strlen = %d, want 7", n)
	}
	var missing func()
	if err := Bind("libc", libc, map[string]any{"no_such_function_here": &missing}); err == nil || !strings.Contains(err.Error(), "system libc") {
		t.Errorf("missing symbol: %v", err)
	}
	if err := Bind("libnothing", []string{"libnothing-here.so.9"}, map[string]any{"f": &missing}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing library: %v", err)
	}
}
