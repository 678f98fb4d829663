//go:build unix

// Package syslib opens a system library and binds its functions through
// purego, for the codecs that call the system's libheif, libde265 and
// libdav1d directly.
package syslib

import (
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// Bind opens the first of names that loads (what the library is called
// on Linux, then macOS), and binds each symbol of fns to the function
// variable it points to. A library that is not there, or that lacks a
// symbol (a version too old), is an error naming what, never a panic.
// The library stays loaded.
func Bind(what string, names []string, fns map[string]any) (err error) {
	var lib uintptr
	for _, name := range names {
		if lib, err = purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("system %s not found: %w", what, err)
	}
	defer func() {
		// RegisterLibFunc panics on a missing symbol.
		if p := recover(); p != nil {
			err = fmt.Errorf("system %s: %v", what, p)
		}
	}()
	for sym, fn := range fns {
		purego.RegisterLibFunc(fn, lib, sym)
	}
	return nil
}

// Loader returns a function that, the first time it is called, opens the
// library as Bind does and binds the symbols fns names into a new T (fns
// maps each symbol to a field of it), and from then on returns that T, or
// the error, again.
func Loader[T any](what string, names []string, fns func(*T) map[string]any) func() (*T, error) {
	return sync.OnceValues(func() (*T, error) {
		api := new(T)
		if err := Bind(what, names, fns(api)); err != nil {
			return nil, err
		}
		return api, nil
	})
}
