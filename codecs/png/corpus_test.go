package png

import (
	"bytes"
	stdpng "image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDecodeCorpus decodes every *.png of the directory named by
// BLOBIMAGE_CORPUS (real files) and compares with image/png, and
// DecodeScaled at 1/4 with the box reduction of the full image. It is
// skipped when the variable is not set.
func TestDecodeCorpus(t *testing.T) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.png in %s", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := stdpng.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%T differs from image/png's %T%s", got, want, firstDiff(got, want))
			}
			small, err := DecodeScaled(bytes.NewReader(data), 4)
			if err != nil {
				t.Fatal(err)
			}
			if ref := boxReduce(got, 4); !reflect.DeepEqual(small, ref) {
				t.Fatalf("DecodeScaled(4) differs from the box reduction%s", firstDiff(small, ref))
			}
		})
	}
}
