package codecs

// UnregisterForTest removes f's codec and encoder from the registry, so
// tests can register them under fake formats and clean up after themselves.
func UnregisterForTest(f Format) {
	registryMu.Lock()
	defer registryMu.Unlock()
	delete(registry, f)
	delete(encoders, f)
}
