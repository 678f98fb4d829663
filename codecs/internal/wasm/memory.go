package wasm

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// memory is an instance's linear memory, bounded by limit bytes. Growth
// past the limit is refused (the library's malloc returns null) and
// remembered, so the failure is reported as ErrMemoryLimit rather than as
// a broken input.
type memory struct {
	limit int64

	mu       sync.Mutex
	buf      []byte
	wasFreed bool
	denied   bool
	max      int64
	backing  backing
}

// backing provides the bytes: mapped outside the Go heap where the system
// allows it (mmap.go), else Go slices.
type backing interface {
	// grow returns buf grown to size bytes (contents kept), or nil.
	grow(buf []byte, size int) []byte
	// free releases buf.
	free(buf []byte)
}

func newMemory(limit int64) *memory {
	if limit <= 0 {
		limit = pageSize
	}
	return &memory{limit: limit, backing: systemBacking()}
}

// Allocate implements experimental.MemoryAllocator; every instance gets
// its own memory value, so it is called once.
func (m *memory) Allocate(_, _ uint64) experimental.LinearMemory { return m }

// Reallocate implements experimental.LinearMemory.
func (m *memory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wasFreed {
		return nil
	}
	if int64(size) > m.limit {
		m.denied = true
		return nil
	}
	if int(size) <= len(m.buf) {
		m.buf = m.buf[:size]
		return m.buf
	}
	b := m.backing.grow(m.buf, int(size))
	if b == nil {
		m.denied = true
		return nil
	}
	m.buf = b
	m.max = max(m.max, int64(size))
	return b
}

// Free implements experimental.LinearMemory.
func (m *memory) Free() { m.release() }

// release frees the memory once; Run calls it too, because a module closed
// by its context may not free its resources.
func (m *memory) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wasFreed {
		return
	}
	m.wasFreed = true
	if m.buf != nil {
		m.backing.free(m.buf)
		m.buf = nil
	}
}

func (m *memory) refused() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.denied
}

func (m *memory) peak() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max
}
