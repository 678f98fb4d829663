package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"os"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
)

// An 1200×900 upload gets a 600×400 watermarked card and a grey preview.
// The watermark is where it should be: white text pixels appear in the
// bottom-right band of the card and nowhere in its top half.
func Example() {
	ctx := context.Background()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	images, err := blobimage.Wrap(bucket, config("© blobimage"), nil)
	if err != nil {
		log.Fatal(err)
	}
	upload := testimage.PNG(testimage.Pattern(1200, 900))
	if err := publish(ctx, images, "gallery/pattern.png", upload, os.Stdout); err != nil {
		log.Fatal(err)
	}
	f, err := images.Image(ctx, "gallery/pattern.png")
	if err != nil {
		log.Fatal(err)
	}

	data, err := bucket.ReadAll(ctx, f.Variants["card"].Key)
	if err != nil {
		log.Fatal(err)
	}
	card, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	b := card.Bounds()
	fmt.Println("white in the bottom-right band:", whitish(card, image.Rect(b.Max.X-120, b.Max.Y-24, b.Max.X, b.Max.Y)) > 20)
	fmt.Println("white in the top half:", whitish(card, image.Rect(0, 0, b.Max.X, b.Max.Y/2)))

	data, err = bucket.ReadAll(ctx, f.Variants["preview"].Key)
	if err != nil {
		log.Fatal(err)
	}
	preview, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	c := color.NRGBAModel.Convert(preview.At(50, 50)).(color.NRGBA)
	fmt.Println("preview is grey:", c.R == c.G && c.G == c.B)

	// Output:
	// gallery/pattern.png: png 1200×900
	//   card: jpeg 600×400
	//   preview: png 200×150
	// white in the bottom-right band: true
	// white in the top half: 0
	// preview is grey: true
}

// whitish counts the pixels of r that are nearly white (blue high: none of
// the pattern's colours has it with red and green).
func whitish(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.R > 200 && c.G > 200 && c.B > 200 {
				n++
			}
		}
	}
	return n
}

// The watermark text is part of the variants' fingerprint: changing it
// makes new variant keys, so stale watermarks are found and remade.
func ExampleWatermark_Fingerprint() {
	a := config("© 2024").Rules[0].Variants[0].Fingerprint()
	b := config("© 2025").Rules[0].Variants[0].Fingerprint()
	fmt.Println(a != b)
	// Output: true
}
