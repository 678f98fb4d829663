// Command thumbnails is the upload flow of a typical photo app (a Django
// REST Framework view with django-imagekit, say): keep the original as
// uploaded but without its GPS position, make a small (fit 400×400) and a
// medium (fit 1000×1000) variant turned upright by the EXIF orientation,
// and read back the size, camera, date and position.
//
//	go run ./examples/thumbnails [--bucket URL] FILE...
//
// The default bucket is mem:// (nothing is kept); pass --bucket
// file:///some/dir to keep the results.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// config keeps originals under photos/ (GPS stripped) and makes two
// variants.
func config() *variants.Config {
	return &variants.Config{Rules: []variants.Rule{{
		Match:    "photos/**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
		Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}},
			{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 1000, Height: 1000}}},
		},
	}}}
}

func main() {
	bucketURL := flag.String("bucket", "mem://", "bucket URL")
	flag.Parse()
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, *bucketURL)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	images, err := blobimage.Wrap(b, config(), nil)
	if err != nil {
		log.Fatal(err)
	}
	failed := false
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err == nil {
			err = upload(ctx, images, "photos/"+filepath.Base(path), data, os.Stdout)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// upload stores data at key and prints what the app would show. Put's
// result is the one place the upload's GPS position is reported (the rule
// strips it from everything stored): an app that wants it keeps it here.
func upload(ctx context.Context, images *blobimage.Store, key string, data []byte, out io.Writer) error {
	f, err := images.Put(ctx, key, bytes.NewReader(data), nil)
	if err != nil {
		return err
	}
	m := f.Metadata
	fmt.Fprintf(out, "%s: %s %d×%d\n", f.Key, f.Format, f.Width, f.Height)
	if m.Make != "" || m.Model != "" {
		fmt.Fprintf(out, "  camera: %s %s\n", m.Make, m.Model)
	}
	if !m.Taken.IsZero() {
		fmt.Fprintf(out, "  taken: %s\n", m.Taken.Format("2006-01-02 15:04:05 -07:00"))
	}
	if m.GPS != nil {
		fmt.Fprintf(out, "  position: %.4f, %.4f\n", m.GPS.Lat, m.GPS.Lon)
	}
	names := make([]string, 0, len(f.Variants))
	for n := range f.Variants {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		v := f.Variants[n]
		fmt.Fprintf(out, "  %s: %s %d×%d\n", n, v.Format, v.Width, v.Height)
	}
	return nil
}

// stored returns the bytes stored for key, for checking what was kept.
func stored(ctx context.Context, b *blob.Bucket, key string) ([]byte, error) {
	var buf bytes.Buffer
	err := b.Download(ctx, key, &buf, nil)
	return buf.Bytes(), err
}
