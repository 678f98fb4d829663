package wasm

import "golang.org/x/sys/unix"

// mmapBacking maps linear memory anonymously and grows it with mremap, so
// growth moves page tables instead of copying bytes, and unmaps it when the
// instance ends: the memory goes back to the system at once, and it never
// counts towards the Go heap's growth.
type mmapBacking struct{}

func systemBacking() backing { return mmapBacking{} }

func (mmapBacking) grow(buf []byte, size int) []byte {
	if buf == nil {
		b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			return nil
		}
		return b
	}
	b, err := unix.Mremap(buf[:cap(buf)], size, unix.MREMAP_MAYMOVE)
	if err != nil {
		return nil
	}
	return b
}

func (mmapBacking) free(buf []byte) { _ = unix.Munmap(buf[:cap(buf)]) }
