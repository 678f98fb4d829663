package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// A phone photo stored sideways (1600×1200, EXIF orientation 6) with a
// camera, a date and a GPS position: the ImageFile reports it upright with
// its metadata, the variants are upright, and the stored original keeps
// everything but the position.
func Example() {
	ctx := context.Background()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	images, err := blobimage.Wrap(bucket, config(), nil)
	if err != nil {
		log.Fatal(err)
	}

	exif := testimage.EXIF{
		Orientation: 6, Make: "Canon", Model: "Canon PowerShot SX60 HS",
		Taken: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		GPS:   &testimage.GPS{Lat: 43.4671, Lon: 11.8853},
	}
	photo := testimage.JPEG(testimage.Stored(testimage.Pattern(1200, 1600), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})

	if err := upload(ctx, images, "photos/cat.jpg", photo, os.Stdout); err != nil {
		log.Fatal(err)
	}

	kept, err := stored(ctx, bucket, "photos/cat.jpg")
	if err != nil {
		log.Fatal(err)
	}
	m, _ := metadata.Read(codecs.JPEG, kept)
	fmt.Println("stored original:", m.Model, "orientation", m.Orientation, "gps", m.GPS != nil)

	// Output:
	// photos/cat.jpg: jpeg 1200×1600
	//   camera: Canon Canon PowerShot SX60 HS
	//   taken: 2024-05-01 10:00:00 +00:00
	//   position: 43.4671, 11.8853
	//   medium: jpeg 750×1000
	//   small: jpeg 300×400
	// stored original: Canon PowerShot SX60 HS orientation 6 gps false
}
