package heif_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"

	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
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

// FuzzEmbedICC embeds profiles into mutated files: no input may panic;
// an input EmbedICC refuses gets a typed error; one it accepts comes out
// parsing, with the profile on its primary image once, every item's data
// as it was, and unchanged by embedding the same profile again.
func FuzzEmbedICC(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, testimage.ICC("Display P3"))
		f.Add(s, []byte("x"))
	}
	f.Fuzz(func(t *testing.T, data, icc []byte) {
		out, err := heif.EmbedICC(data, icc)
		if err != nil {
			for _, e := range []error{codecs.ErrCorrupt, codecs.ErrUnsupportedFormat, codecs.ErrTooLarge} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("untyped error: %v", err)
		}
		if len(icc) == 0 {
			if !bytes.Equal(out, data) {
				t.Fatal("no profile, yet the file changed")
			}
			return
		}
		in, err := heif.Parse(data)
		if err != nil {
			t.Fatalf("EmbedICC accepted a file Parse refuses: %v", err)
		}
		g, err := heif.Parse(out)
		if err != nil {
			t.Fatalf("the output does not parse: %v", err)
		}
		if !bytes.Equal(g.ICC(), icc) {
			t.Fatalf("ICC() = %d bytes, want %d", len(g.ICC()), len(icc))
		}
		n := 0
		for _, p := range g.Properties(g.Primary().ID) {
			if c, ok := p.(heif.Colour); ok && (c.Type == "prof" || c.Type == "rICC") {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d ICC colr properties on the primary", n)
		}
		if len(g.Items()) != len(in.Items()) {
			t.Fatalf("%d items, want %d", len(g.Items()), len(in.Items()))
		}
		for _, it := range in.Items() {
			want, err := in.ItemData(it.ID)
			if err != nil {
				continue
			}
			if got, err := g.ItemData(it.ID); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("item %d: data changed (%v)", it.ID, err)
			}
		}
		again, err := heif.EmbedICC(out, icc)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("embedding the same profile again changed the file (%v)", err)
		}
	})
}
