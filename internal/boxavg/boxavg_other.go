//go:build !amd64 || purego

package boxavg

// pairsVec does nothing here: Pairs computes every output in Go.
func pairsVec(dst, a, b []byte) int { return 0 }

// rowsVec does nothing here: Rows computes every output in Go.
func rowsVec(dst, a, b []byte) int { return 0 }
