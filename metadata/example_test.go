package metadata_test

import (
	"fmt"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// An upload is parsed once; its metadata, colour profile and GPS-free
// bytes all come from that one walk.
func ExampleParse() {
	exif := testimage.EXIF{Make: "Canon", Model: "EOS R5", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	upload := testimage.JPEG(testimage.Pattern(16, 16), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})

	f, err := metadata.Parse(codecs.JPEG, upload)
	if err != nil {
		fmt.Println(err)
		return
	}
	md, _ := f.Metadata()
	icc, _ := f.ICC()
	stored, _ := f.StripGPS()
	after, _ := metadata.Read(codecs.JPEG, stored)
	fmt.Printf("%s %s, GPS %v; ICC %d bytes; GPS after StripGPS: %v\n", md.Make, md.Model, md.GPS != nil, len(icc), after.GPS != nil)
	// Output: Canon EOS R5, GPS true; ICC 0 bytes; GPS after StripGPS: false
}
