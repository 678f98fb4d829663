package blobimage_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// Wrap a bucket with the default config (nil): every key is an image key,
// originals are kept with their GPS position cut out, and two variants
// are made, small (fit 400×400) and medium (fit 1000×1000).
func ExampleWrap() {
	images, err := blobimage.Wrap(memblob.OpenBucket(nil), nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range images.Config().Rules[0].Variants {
		fmt.Println(v.Name, v.Processors)
	}
	// Output:
	// small [{400 400}]
	// medium [{1000 1000}]
}

// Put an upload, as an HTTP handler would: the result is the ImageFile,
// with the position the upload carried (reported to the writer only).
func ExampleStore_Put() {
	ctx := context.Background()
	images, err := blobimage.Wrap(memblob.OpenBucket(nil), nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	exif := testimage.EXIF{Orientation: 6, Model: "Canon PowerShot SX60 HS", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	upload := testimage.JPEG(testimage.Stored(testimage.Pattern(1200, 900), 6), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	f, err := images.Put(ctx, "photos/cat.jpg", bytes.NewReader(upload), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Format, f.Width, "×", f.Height, f.Metadata.Model)
	fmt.Println("small:", f.Variants["small"].Width, "×", f.Variants["small"].Height)
	fmt.Printf("position: %.4f, %.4f\n", f.Metadata.GPS.Lat, f.Metadata.GPS.Lon)
	// Output:
	// jpeg 1200 × 900 Canon PowerShot SX60 HS
	// small: 400 × 300
	// position: 43.4671, 11.8853
}

// Image rebuilds the ImageFile from the original's metadata, in one call;
// the stripped position is in nothing stored.
func ExampleStore_Image() {
	ctx := context.Background()
	images, err := blobimage.Wrap(memblob.OpenBucket(nil), nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	exif := testimage.EXIF{Model: "iPhone 6", GPS: &testimage.GPS{Lat: 40.4469722, Lon: -3.7247528}}
	upload := testimage.JPEG(testimage.Pattern(640, 480), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	if err := images.Bucket.WriteAll(ctx, "IMG_0001.jpg", upload, nil); err != nil {
		log.Fatal(err)
	}
	f, err := images.Image(ctx, "IMG_0001.jpg")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Key, f.Width, f.Height, f.Metadata.Model, f.Metadata.GPS == nil)
	for _, name := range []string{"small", "medium"} {
		v := f.Variants[name]
		fmt.Println(name, v.Format, v.Width, v.Height, v.State)
	}
	// Output:
	// IMG_0001.jpg 640 480 iPhone 6 true
	// small jpeg 400 300 ready
	// medium jpeg 640 480 ready
}

// URL of a variant: here a public (CDN) URL from the config; without one,
// the bucket signs it, or an imagehttp.Signer set in Options.URLSigner
// does for buckets that cannot sign (file://, mem://).
func ExampleImageFile_URL() {
	ctx := context.Background()
	cfg := variants.DefaultConfig()
	cfg.PublicURL = "https://cdn.example.com/media"
	images, err := blobimage.Wrap(memblob.OpenBucket(nil), cfg, &blobimage.Options{VariantPrefix: "v/"})
	if err != nil {
		log.Fatal(err)
	}
	f, err := images.Put(ctx, "photos/cat 1.jpg", bytes.NewReader(testimage.JPEG(testimage.Pattern(800, 600), 90)), nil)
	if err != nil {
		log.Fatal(err)
	}
	u, err := f.URL(ctx, "original")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Output:
	// https://cdn.example.com/media/photos/cat%201.jpg
}
