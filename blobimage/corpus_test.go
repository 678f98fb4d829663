package blobimage_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// corpus returns the folder of real photographs named by BLOBIMAGE_CORPUS
// (../shared/corpus beside the checkout, in CI), skipping when unset.
func corpus(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		tb.Skip("BLOBIMAGE_CORPUS is not set")
	}
	return dir
}

func readCorpus(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(corpus(tb), name))
	if err != nil {
		tb.Skipf("corpus file: %v", err)
	}
	return data
}

// TestCorpus puts the real photographs through the default config and
// checks what their provenance notes say of them.
func TestCorpus(t *testing.T) {
	dir := corpus(t)
	cfg := config{Config: *variants.DefaultConfig()}
	s, _ := newStore(t, cfg)
	ctx := context.Background()

	displayed := map[string][2]int{
		"canon5d3_22mp.jpg":         {5760, 3840},
		"nikond3100_14mp.jpg":       {4608, 3072},
		"iphone6_8mp.jpg":           {3264, 2448},
		"canonsx60_3mp_orient6.jpg": {1536, 2048},
		"seeding_16mp_prog.jpg":     {5312, 2988},
		"altai_15mp.png":            {5120, 2880},
		"gps_DSCN0010.jpg":          {640, 480},
	}
	for i := 1; i <= 8; i++ {
		displayed[fmt.Sprintf("orient_portrait_%d.jpg", i)] = [2]int{450, 600}
	}
	for name, size := range displayed {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Skip(err)
			}
			f, err := s.Put(ctx, "photos/"+name, bytes.NewReader(data), nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != size[0] || f.Height != size[1] {
				t.Errorf("displayed %dx%d, want %dx%d", f.Width, f.Height, size[0], size[1])
			}
			small := f.Variants["small"]
			if max(small.Width, small.Height) != 400 && max(f.Width, f.Height) > 400 {
				t.Errorf("small is %dx%d", small.Width, small.Height)
			}
		})
	}
	// All eight orientation samples display the same upright picture.
	t.Run("orientations agree", func(t *testing.T) {
		ref, err := s.Image(ctx, "photos/orient_portrait_1.jpg")
		if err != nil {
			t.Skip(err)
		}
		refImg, _ := decodeKey(t, s.Bucket, ref.Variants["small"].Key)
		for i := 2; i <= 8; i++ {
			f, err := s.Image(ctx, fmt.Sprintf("photos/orient_portrait_%d.jpg", i))
			if err != nil {
				t.Fatal(err)
			}
			img, _ := decodeKey(t, s.Bucket, f.Variants["small"].Key)
			// The samples were saved separately (with a different digit
			// drawn on each), so they differ a little in tone; a wrong
			// orientation differs much more than that.
			d := meanAbsDiff(img, refImg)
			for _, wrong := range []image.Image{imaging.FlipH(refImg), imaging.FlipV(refImg), imaging.Rotate180(refImg)} {
				if dw := meanAbsDiff(img, wrong); d > dw/2 {
					t.Errorf("orientation %d: differs from 1 by %.1f per channel, from a mirrored 1 by only %.1f", i, d, dw)
				}
			}
		}
	})
	t.Run("gps", func(t *testing.T) {
		// The position reaches the writer through Put and is kept out of
		// the stored manifest (the default rule strips it).
		f, err := s.Put(ctx, "photos/gps_DSCN0010.jpg", bytes.NewReader(readCorpus(t, "gps_DSCN0010.jpg")), nil)
		if err != nil {
			t.Skip(err)
		}
		g := f.Metadata.GPS
		if g == nil || math.Abs(g.Lat-43.467) > 0.01 || math.Abs(g.Lon-11.885) > 0.01 {
			t.Errorf("GPS = %+v", g)
		}
		if f.Metadata.Make == "" || f.Metadata.Taken.IsZero() {
			t.Errorf("metadata %+v", f.Metadata)
		}
		if f, err := s.Image(ctx, "photos/gps_DSCN0010.jpg"); err != nil || f.Metadata.GPS != nil {
			t.Errorf("Image reports a stripped position: %+v, %v", f, err)
		}
	})
	t.Run("heic", func(t *testing.T) {
		// An iPhone's HEIC (a tiled grid, Display P3, GPS): displayed at
		// the size heif-convert gives, the camera and date read, the
		// position reported to the writer and cut from the stored file,
		// JPEG variants every browser reads.
		data := readCorpus(t, "iphone_IMG_5195.heic")
		f, err := s.Put(ctx, "photos/IMG_5195.heic", bytes.NewReader(data), nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.Format != codecs.HEIC || f.ContentType != "image/heic" || f.Width != 2566 || f.Height != 3313 {
			t.Errorf("stored %s %s %dx%d, want heic 2566x3313", f.Format, f.ContentType, f.Width, f.Height)
		}
		if m := f.Metadata; m.Make != "Apple" || !strings.Contains(m.Model, "iPhone") || m.Taken.IsZero() || m.GPS == nil {
			t.Errorf("metadata %+v", m)
		}
		stored, err := s.Bucket.ReadAll(ctx, "photos/IMG_5195.heic")
		if err != nil {
			t.Fatal(err)
		}
		if md, err := metadata.Read(codecs.HEIC, stored); err != nil || md.GPS != nil || md.Make != "Apple" {
			t.Errorf("stored HEIC metadata %+v (%v): want the camera, no position", md, err)
		}
		for name, box := range map[string]int{"small": 400, "medium": 1000} {
			v := f.Variants[name]
			img, format := decodeKey(t, s.Bucket, v.Key)
			if format != codecs.JPEG || max(img.Bounds().Dx(), img.Bounds().Dy()) != box {
				t.Errorf("%s: %s %v", name, format, img.Bounds())
			}
		}
	})
}

// BenchmarkPut measures one put of each corpus photo through the default
// config (keep, GPS stripped, small 400 + medium 1000) on memblob.
func BenchmarkPut(b *testing.B) {
	dir := corpus(b)
	names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	names = append(names, pngs...)
	for _, path := range names {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "orient_portrait_") && name != "orient_portrait_6.jpg" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(name, filepath.Ext(name)), func(b *testing.B) {
			s, _ := newStore(b, config{Config: *variants.DefaultConfig()})
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := s.Bucket.WriteAll(ctx, "photos/p", data, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
