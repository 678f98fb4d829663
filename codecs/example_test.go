package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/blobimage/blobimage/codecs"
)

// Sniff an upload, decode it within limits and re-encode it as JPEG.
func Example() {
	// An upload: a 300×200 PNG whose right half is transparent.
	src := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 150 {
			src.SetNRGBA(x, y, color.NRGBA{200, 30, 30, 255})
		}
	}
	var upload bytes.Buffer
	png.Encode(&upload, src)

	f, err := codecs.Sniff(upload.Bytes())
	fmt.Println("sniffed:", f, err)

	img, info, err := codecs.Decode(context.Background(), upload.Bytes(), codecs.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("decoded: %s %d×%d, opaque: %v\n", info.Format, info.Width, info.Height, codecs.Opaque(img))

	// JPEG cannot store alpha: the transparent half becomes white.
	var out bytes.Buffer
	if err := codecs.Encode(&out, img, codecs.JPEG, codecs.EncodeOptions{Quality: 90}); err != nil {
		fmt.Println(err)
		return
	}
	jpg, info, _ := codecs.Decode(context.Background(), out.Bytes(), codecs.Limits{})
	r, g, b, _ := jpg.At(250, 100).RGBA()
	fmt.Printf("re-encoded: %s %s, right half white: %v\n", info.Format, info.Format.MediaType(), r>>8 > 250 && g>>8 > 250 && b>>8 > 250)

	// The same upload over a stricter pixel limit is refused from its header.
	_, err = codecs.Probe(upload.Bytes(), codecs.Limits{MaxPixels: 50_000})
	var le *codecs.LimitError
	fmt.Println(errors.Is(err, codecs.ErrTooLarge), errors.As(err, &le) && le.Limit == "max_pixels")
	fmt.Println(err)

	// Output:
	// sniffed: png <nil>
	// decoded: png 300×200, opaque: false
	// re-encoded: jpeg image/jpeg, right half white: true
	// true true
	// codecs: png: image too large: 300×200 = 60000 pixels exceeds max_pixels 50000
}
