package jpeg

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDecodeCorpus decodes every *.jpg of the directory named by
// BLOBIMAGE_CORPUS (real camera photos) and compares with image/jpeg: to
// within one level at full size, and against a box-filtered full decode at
// 1/2, 1/4 and 1/8. It is skipped when the variable is not set.
func TestDecodeCorpus(t *testing.T) {
	files := corpusJPEGs(t)
	if files == nil {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			decCheckStd(t, filepath.Base(f), data)
			decCheckScaled(t, filepath.Base(f), data)
		})
	}
}

// corpusJPEGs returns the paths of the JPEGs in $BLOBIMAGE_CORPUS, nil
// when it is not set; a corpus without any fails the test.
func corpusJPEGs(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.jpg in %s", dir)
	}
	return files
}
