package avif

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// throughFile runs write with the path of an empty file in memory (a
// memfd, opened again through /proc) and returns what write put there.
func throughFile(write func(path string) error) ([]byte, error) {
	fd, err := unix.MemfdCreate("blobimage-avif", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("avif: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "blobimage-avif")
	defer f.Close()
	if err := write(fmt.Sprintf("/proc/self/fd/%d", fd)); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
