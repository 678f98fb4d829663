package heif_test

import (
	"os/exec"
	"testing"

	"github.com/blobimage/blobimage/codecs/heif"
)

// fuzzSeeds returns small HEIC and AVIF files made by the encoders, when
// they are installed.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	if _, err := exec.LookPath("heif-enc"); err == nil {
		seeds = append(seeds, heifEnc(f, photo(64, 48, false), "-q", "30"), heicWithExif(f))
	}
	if _, err := exec.LookPath("avifenc"); err == nil {
		d, _ := avifWithMetadata(f)
		seeds = append(seeds, d, avifEnc(f, photo(40, 30, true), "-y", "420"))
	}
	return seeds
}

// FuzzParse feeds mutated files to the container parser and everything
// that reads it: no input may panic, hang or allocate without bound, and a
// file that Rewrite rebuilds must parse again.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := heif.Parse(data)
		if err != nil {
			return
		}
		_, _ = file.Image()
		_, _ = file.Exif()
		_, _ = file.XMP()
		_ = file.ICC()
		_, _ = file.NCLX()
		for _, it := range file.Items() {
			_, _ = file.ItemData(it.ID)
			_ = file.Properties(it.ID)
		}
		var drop map[uint32]bool
		if ms := file.MetadataItems(); len(ms) > 0 {
			drop = map[uint32]bool{ms[0].ID: ms[0].ID != file.Primary().ID}
		}
		out, err := file.Rewrite(nil, drop)
		if err != nil {
			return
		}
		if _, err := heif.Parse(out); err != nil {
			t.Fatalf("a rewritten file does not parse: %v", err)
		}
	})
}
