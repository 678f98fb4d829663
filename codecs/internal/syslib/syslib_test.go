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

// TestLoader: the library is bound once, on the first call, and every call
// returns that binding; a library that is not there is the same error
// every time.
func TestLoader(t *testing.T) {
	type api struct{ strlen func(s string) uintptr }
	binds := 0
	load := Loader("libc", []string{"libc.so.6", "libc.so", "/usr/lib/libSystem.B.dylib"}, func(a *api) map[string]any {
		binds++
		return map[string]any{"strlen": &a.strlen}
	})
	a, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if n := a.strlen("four"); n != 4 {
		t.Errorf("strlen = %d, want 4", n)
	}
	if b, err := load(); b != a || err != nil || binds != 1 {
		t.Errorf("second call: %p, %v, %d binds; want %p, nil, 1", b, err, binds, a)
	}
	missing := Loader("libnothing", []string{"libnothing-here.so.9"}, func(a *api) map[string]any {
		return map[string]any{"strlen": &a.strlen}
	})
	_, err1 := missing()
	_, err2 := missing()
	if err1 == nil || err1 != err2 {
		t.Errorf("missing library: %v, then %v", err1, err2)
	}
}
