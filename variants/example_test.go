package variants_test

import (
	"context"
	"fmt"
	"image"
	"sort"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

func ExampleParseConfig() {
	cfg, err := variants.ParseConfig([]byte(`
rules:
  - match: "photos/**"
    variants:
      - {name: small,  op: fit,  width: 400,  height: 400, format: jpeg, quality: 80}
      - {name: medium, op: fit,  width: 1000, height: 1000}
      - {name: thumb,  op: fill, width: 50,   height: 50,  anchor: center, grayscale: true}
  - match: "avatars/*"
    original: {mode: recompress, format: jpeg, quality: 85, max_width: 2048, max_height: 2048}
url_expiry: 15m
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range cfg.Rules {
		fmt.Printf("%s: original %s (strip %s)\n", r.Match, r.Original.Mode, r.Original.Strip)
		for _, v := range r.Variants {
			w, h := v.Processors[0].(variants.Resampler).ResampleSize(4000, 3000)
			fmt.Printf("  %s: %d processors, 4000x3000 resampled to %dx%d\n", v.Name, len(v.Processors), w, h)
		}
	}
	fmt.Println("url_expiry", cfg.URLExpiry)
	fmt.Println(cfg.Match("photos/2024/cat.jpg").Match)

	_, err = variants.ParseConfig([]byte(`{"rules": [{"match": "*", "variants": [{"name": "x", "op": "fill", "width": -5, "height": 5}]}]}`))
	fmt.Println(err)
	// Output:
	// photos/**: original keep (strip gps)
	//   small: 1 processors, 4000x3000 resampled to 400x300
	//   medium: 1 processors, 4000x3000 resampled to 1000x750
	//   thumb: 2 processors, 4000x3000 resampled to 67x50
	// avatars/*: original recompress (strip gps)
	// url_expiry 15m0s
	// photos/**
	// rules[0].variants[0].width: must be positive
}

func ExampleRender() {
	specs := []variants.Spec{
		{Name: "medium", Processors: []variants.Processor{variants.Fit{Width: 200, Height: 200}}},
		{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 80, Height: 80}}},
		{Name: "thumb", Processors: []variants.Processor{variants.Fill{Width: 10, Height: 10}}},
	}
	full := image.Pt(800, 600)
	// A decoder able to decode at a reduced scale needs only this much.
	fmt.Println("need", variants.Need(full, specs))

	src := testimage.Pattern(400, 300) // the picture decoded at half scale
	var made []string
	err := variants.Render(context.Background(), src, full, specs, 1, func(i int, img image.Image) error {
		made = append(made, fmt.Sprintf("%s %v", specs[i].Name, img.Bounds().Size()))
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sort.Strings(made)
	for _, m := range made {
		fmt.Println(m)
	}
	// Output:
	// need (400,300)
	// medium (200,150)
	// small (80,60)
	// thumb (10,10)
}

func ExampleRule_Matches() {
	r := variants.Rule{Match: "photos/**/*.jpg"}
	for _, key := range []string{"photos/cat.jpg", "photos/2024/05/cat.jpg", "photos/cat.png", "cat.jpg"} {
		fmt.Println(key, r.Matches(key))
	}
	// Output:
	// photos/cat.jpg true
	// photos/2024/05/cat.jpg true
	// photos/cat.png false
	// cat.jpg false
}
