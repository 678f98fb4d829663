// Command compress stores every upload recompressed to JPEG at quality 75
// and at most 2048 pixels on its longest side, whatever format it came in:
// the policy of a Django CompressedImageField, applied at the storage layer.
//
//	go run ./examples/compress [--bucket URL] FILE...
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

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// config recompresses everything under uploads/ and makes no variant.
func config() *variants.Config {
	return &variants.Config{Rules: []variants.Rule{{
		Match: "uploads/**",
		Original: variants.Original{
			Mode:     variants.Recompress,
			Format:   codecs.JPEG,
			Quality:  75,
			MaxWidth: 2048, MaxHeight: 2048,
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
			err = compress(ctx, images, "uploads/"+filepath.Base(path), data, os.Stdout)
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

// compress stores data at key through the wrapper and reports what was
// stored.
func compress(ctx context.Context, images *blobimage.Store, key string, data []byte, out io.Writer) error {
	f, err := images.Put(ctx, key, bytes.NewReader(data), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s %d×%d, %d → %d bytes\n", f.Key, f.Format, f.Width, f.Height, len(data), f.Size)
	return nil
}
