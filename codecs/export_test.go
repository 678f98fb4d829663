package codecs

// UnregisterForTest removes f from the registry, so tests can register
// codecs under fake formats and clean up after themselves.
func UnregisterForTest(f Format) {
	registryMu.Lock()
	defer registryMu.Unlock()
	delete(registry, f)
}
