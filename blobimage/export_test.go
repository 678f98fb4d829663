package blobimage

// DecodeWhole makes s decode every upload whole, as it did before decoding
// in strips, for tests that compare the two.
func DecodeWhole(s *Store) { s.wholeDecode = true }
