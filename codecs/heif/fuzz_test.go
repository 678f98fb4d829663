package heif_test

import (
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"

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

// FuzzDecode feeds mutated files through codecs.Decode with small limits
// and a short deadline: every input is decoded or refused with a typed
// error, without a panic, within the limits.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	lim := codecs.Limits{MaxPixels: 1 << 20, MaxSide: 2048, DecodeTimeout: codecs.Duration(2 * time.Second)}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, info, err := codecs.Decode(context.Background(), data, lim)
		if err != nil {
			for _, e := range []error{codecs.ErrCorrupt, codecs.ErrTooLarge, codecs.ErrUnsupportedFormat, codecs.ErrNotImage} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("untyped error: %v", err)
		}
		if img.Bounds().Dx() != info.Width || img.Bounds().Dy() != info.Height {
			t.Fatalf("decoded %v, Probe said %d×%d", img.Bounds(), info.Width, info.Height)
		}
	})
}
