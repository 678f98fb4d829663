package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
)

// photo is a 3000×2000 picture with a photograph's fine grain, the kind of
// content users upload as PNG: lossless, so large.
func photo() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 3000, 2000))
	seed := uint32(1)
	for y := 0; y < 2000; y++ {
		for x := 0; x < 3000; x++ {
			seed = seed*1664525 + 1013904223 // a fixed pseudo-random grain
			g := int(seed>>24) % 16
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*200/3000 + g), uint8(y*200/2000 + g), uint8(100 + g), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// A 3000×2000 PNG upload is stored as a smaller JPEG within 2048×2048;
// text under the same rule is refused.
func Example() {
	ctx := context.Background()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	upload := photo()

	images, err := blobimage.Wrap(bucket, config(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := compress(ctx, images, "uploads/screenshot.png", upload, io.Discard); err != nil {
		log.Fatal(err)
	}
	f, err := images.Image(ctx, "uploads/screenshot.png")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Key, f.Format, f.ContentType, f.Width, f.Height)
	fmt.Println("smaller than the upload:", f.Size < int64(len(upload)))

	stored, err := bucket.ReadAll(ctx, "uploads/screenshot.png")
	if err != nil {
		log.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored bytes:", format, cfg.Width, cfg.Height)

	err = images.Bucket.WriteAll(ctx, "uploads/notes.png", []byte("not a picture"), nil)
	fmt.Println(err != nil, blobimage.ErrorCode(err))
	_, err = bucket.Attributes(ctx, "uploads/notes.png")
	fmt.Println("refused upload stored:", err == nil)

	// Output:
	// uploads/screenshot.png jpeg image/jpeg 2048 1365
	// smaller than the upload: true
	// stored bytes: jpeg 2048 1365
	// true InvalidArgument
	// refused upload stored: false
}
