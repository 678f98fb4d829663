// Command processors makes variants with a chain of processors, the last of
// which is a custom one: a watermark drawn in the bottom-right corner, as a
// django-imagekit ProcessorPipeline with a watermark processor would.
//
//	go run ./examples/processors [--bucket URL] [--text TEXT] FILE...
//
// The default bucket is mem:// (nothing is kept); pass --bucket
// file:///some/dir to keep the results.
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// Watermark draws Text in white on a translucent dark band in the
// bottom-right corner of the picture. It is a variants.Processor, and a
// variants.Fingerprinter so that changing the text makes new variants.
type Watermark struct {
	Text string
}

// Process returns a copy of img with the watermark drawn on it; img itself
// is not modified (Render may share it between variants).
func (w Watermark) Process(img image.Image) (image.Image, error) {
	face := basicfont.Face7x13
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)

	const margin = 4
	d := &font.Drawer{Dst: out, Src: image.NewUniform(color.White), Face: face}
	textW := d.MeasureString(w.Text).Ceil()
	textH := face.Metrics().Height.Ceil()
	band := image.Rect(out.Bounds().Dx()-textW-2*margin, out.Bounds().Dy()-textH-2*margin,
		out.Bounds().Dx(), out.Bounds().Dy()).Intersect(out.Bounds())
	draw.Draw(out, band, image.NewUniform(color.NRGBA{0, 0, 0, 160}), image.Point{}, draw.Over)
	d.Dot = fixed.P(band.Min.X+margin, band.Max.Y-margin-face.Metrics().Descent.Ceil())
	d.DrawString(w.Text)
	return out, nil
}

// Fingerprint describes the watermark for the spec fingerprint.
func (w Watermark) Fingerprint() string { return "watermark(" + strconv.Quote(w.Text) + ")" }

// config makes two variants of everything under gallery/: a 600×400 card,
// filled and cropped at the centre, with more contrast, a little
// sharpening and the watermark; and a 200×200 grey preview.
func config(text string) *variants.Config {
	return &variants.Config{Rules: []variants.Rule{{
		Match: "gallery/**",
		Variants: []variants.Spec{
			{Name: "card", Format: codecs.JPEG, Quality: 90, Processors: []variants.Processor{
				variants.Fill{Width: 600, Height: 400, Anchor: variants.Center},
				variants.Adjust{Contrast: 15, Sharpen: 0.8},
				Watermark{Text: text},
			}},
			{Name: "preview", Format: codecs.PNG, Processors: []variants.Processor{
				variants.Fit{Width: 200, Height: 200},
				variants.Grayscale{},
			}},
		},
	}}}
}

func main() {
	bucketURL := flag.String("bucket", "mem://", "bucket URL")
	text := flag.String("text", "© blobimage", "watermark text")
	flag.Parse()
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, *bucketURL)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	images, err := blobimage.Wrap(b, config(*text), nil)
	if err != nil {
		log.Fatal(err)
	}
	failed := false
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err == nil {
			err = publish(ctx, images, "gallery/"+filepath.Base(path), data, os.Stdout)
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

// publish stores data at key and lists the variants made.
func publish(ctx context.Context, images *blobimage.Store, key string, data []byte, out io.Writer) error {
	if err := images.Bucket.WriteAll(ctx, key, data, nil); err != nil {
		return err
	}
	f, err := images.Image(ctx, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s %d×%d\n", f.Key, f.Format, f.Width, f.Height)
	for _, name := range []string{"card", "preview"} {
		v := f.Variants[name]
		fmt.Fprintf(out, "  %s: %s %d×%d\n", name, v.Format, v.Width, v.Height)
	}
	return nil
}
