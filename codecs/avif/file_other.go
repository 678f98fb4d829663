//go:build unix && !linux

package avif

import "os"

// throughFile runs write with the path of a new empty temporary file and
// returns what write put there, removing the file.
func throughFile(write func(path string) error) ([]byte, error) {
	f, err := os.CreateTemp("", "blobimage-*.avif")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := write(name); err != nil {
		return nil, err
	}
	return os.ReadFile(name)
}
