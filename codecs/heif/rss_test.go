package heif_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
)

// TestDecodeFileForRSS decodes the file named by BLOBIMAGE_HEIF_RSS_FILE
// once (run the test binary under /usr/bin/time -v to read the peak RSS of
// a decode) and checks the memory the codec charges stays under 512 MiB.
func TestDecodeFileForRSS(t *testing.T) {
	p := os.Getenv("BLOBIMAGE_HEIF_RSS_FILE")
	if p == "" {
		t.Skip("BLOBIMAGE_HEIF_RSS_FILE is not set")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	img, info, err := codecs.Decode(context.Background(), data, codecs.Limits{DecodeTimeout: codecs.Duration(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v, charged %d MiB", img.Bounds(), info.DecodeMemory()>>20)
	if info.DecodeMemory() > 512<<20 {
		t.Errorf("charged %d MiB", info.DecodeMemory()>>20)
	}
}
