package png_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdpng "image/png"

	"github.com/blobimage/blobimage/codecs/png"
)

// A PNG decoded whole and at a quarter of its size: the reduced image is
// the box reduction of the whole one.
func Example() {
	src := image.NewNRGBA(image.Rect(0, 0, 1001, 601))
	for y := range 601 {
		for x := range 1001 {
			src.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var file bytes.Buffer
	if err := stdpng.Encode(&file, src); err != nil {
		panic(err)
	}

	full, err := png.Decode(bytes.NewReader(file.Bytes()))
	if err != nil {
		panic(err)
	}
	small, err := png.DecodeScaled(bytes.NewReader(file.Bytes()), 4)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%T %v\n", full, full.Bounds().Size())
	fmt.Printf("%T %v\n", small, small.Bounds().Size())
	fmt.Println(small.At(1, 0)) // the mean of pixels 4–7 of rows 0–3
	// Output:
	// *image.RGBA (1001,601)
	// *image.RGBA (251,151)
	// {6 2 128 255}
}
