//go:build !linux

package wasm

func systemBacking() backing { return heapBacking{} }
