package blobimage

import "sync"

// keyLocks serialises, within one process, the steps that read an
// original's state and then replace the object (a write's commit, a
// manifest rewrite), so that two of them on one key never interleave.
// Without it two writers racing on one key could leave, on fileblob, one
// writer's bytes with the other's attributes (fileblob writes the two
// files separately), and a manifest rewrite could undo a write that landed
// between its check and its rewrite. Across processes gocloud offers no
// conditional overwrite; the README says what is left.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int // holders and waiters; the entry goes when it drops to 0
}

// lock locks key and returns its unlock.
func (l *keyLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*keyLock{}
	}
	k := l.m[key]
	if k == nil {
		k = &keyLock{}
		l.m[key] = k
	}
	k.users++
	l.mu.Unlock()
	k.Lock()
	return func() {
		k.Unlock()
		l.mu.Lock()
		if k.users--; k.users == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}
