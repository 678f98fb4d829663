package main

import (
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
)

// maxPSNR caps the PSNR of identical images, which is infinite.
const maxPSNR = 99.99

// outputQuality is one output of one side, compared with the reference.
type outputQuality struct {
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Bytes   int64   `json:"bytes"`
	PSNRY   float64 `json:"psnr_y"`
	PSNRRGB float64 `json:"psnr_rgb"`
	// Note flags a size other than the expected fit (by more than a
	// pixel), or an output that could not be read.
	Note string `json:"note,omitempty"`
}

// box is the fit box of each output; 0 is full size.
var box = map[string]int{"medium": 1000, "small": 400, "full": 0}

// measureQuality fills the Quality of every mode of rep from the outputs
// the sides wrote in their warm-up pass. Photo by photo, the full
// resolution decode (imaging.Decode with AutoOrientation: image/jpeg or
// image/png, then the EXIF orientation) is the reference: resized with
// imaging.Lanczos straight to each output's dimensions for variants, as is
// for the full-size output of recompress mode.
func measureQuality(rep *report, photos []photo, stderr io.Writer) {
	type key struct{ mode, side, size string }
	per := map[key]map[string]outputQuality{}
	for i, p := range photos {
		src, err := decodeFile(p.Path, true)
		if err != nil {
			fmt.Fprintf(stderr, "bench: quality: %s: %v\n", p.Name, err)
			continue
		}
		full := imaging.Clone(src)
		refs := map[image.Point]*image.NRGBA{full.Bounds().Size(): full}
		ref := func(size image.Point) *image.NRGBA {
			if r, ok := refs[size]; ok {
				return r
			}
			r := imaging.Resize(src, size.X, size.Y, imaging.Lanczos)
			refs[size] = r
			return r
		}
		for mi := range rep.Modes {
			m := &rep.Modes[mi]
			for _, s := range m.Sides {
				if s.outdir == "" {
					continue
				}
				sizes := variantNames
				if m.Mode == "recompress" {
					sizes = append(sizes[:len(sizes):len(sizes)], "full")
				}
				for _, size := range sizes {
					q := compareOutput(filepath.Join(s.outdir, fmt.Sprintf("%d-%s.jpg", i, size)), full.Bounds().Size(), box[size], ref)
					k := key{m.Mode, s.Side, size}
					if per[k] == nil {
						per[k] = map[string]outputQuality{}
					}
					per[k][p.Name] = q
				}
			}
		}
	}
	for mi := range rep.Modes {
		m := &rep.Modes[mi]
		sizes := variantNames
		if m.Mode == "recompress" {
			sizes = append(sizes[:len(sizes):len(sizes)], "full")
		}
		for _, size := range sizes {
			for _, s := range m.Sides {
				if s.outdir == "" {
					continue
				}
				pp := per[key{m.Mode, s.Side, size}]
				row := qualityRow{Side: s.Side, Size: size, PerPhoto: pp, MinPSNRY: maxPSNR}
				var ys, rgbs, kb []float64
				for _, q := range pp {
					if q.Width == 0 {
						row.Notes++
						continue
					}
					if q.Note != "" {
						row.Notes++
					}
					ys = append(ys, q.PSNRY)
					rgbs = append(rgbs, q.PSNRRGB)
					kb = append(kb, float64(q.Bytes)/1024)
					row.MinPSNRY = min(row.MinPSNRY, q.PSNRY)
				}
				row.Photos = len(ys)
				row.MedianPSNRY, row.MedianPSNRRGB, row.MedianKB = median(ys), median(rgbs), median(kb)
				if len(ys) == 0 {
					row.MinPSNRY = 0
				}
				m.Quality = append(m.Quality, row)
			}
		}
	}
}

// compareOutput decodes the output at path and compares it with the
// reference of its own dimensions. full is the oriented source size and fit
// the box the output should fit (0: full size).
func compareOutput(path string, full image.Point, fit int, ref func(image.Point) *image.NRGBA) outputQuality {
	img, err := decodeFile(path, false)
	if err != nil {
		return outputQuality{Note: err.Error()}
	}
	st, _ := os.Stat(path)
	out := imaging.Clone(img)
	size := out.Bounds().Size()
	q := outputQuality{Width: size.X, Height: size.Y, Bytes: st.Size()}
	want := fitSize(full, fit)
	if abs(size.X-want.X) > 1 || abs(size.Y-want.Y) > 1 {
		q.Note = fmt.Sprintf("%dx%d, expected %dx%d", size.X, size.Y, want.X, want.Y)
	}
	if fit == 0 && size != full {
		q.PSNRY, q.PSNRRGB = 0, 0
		return q
	}
	q.PSNRY, q.PSNRRGB = psnr(out, ref(size))
	return q
}

// fitSize is src fitted into a box×box square without upscaling (box 0:
// src).
func fitSize(src image.Point, box int) image.Point {
	if box == 0 || (src.X <= box && src.Y <= box) {
		return src
	}
	s := math.Min(float64(box)/float64(src.X), float64(box)/float64(src.Y))
	return image.Pt(max(1, int(math.Round(float64(src.X)*s))), max(1, int(math.Round(float64(src.Y)*s))))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func decodeFile(path string, orient bool) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return imaging.Decode(f, imaging.AutoOrientation(orient))
}

// psnr returns the PSNR of a against b, of equal size: of the Y channel
// (BT.601 luma, 0.299 R + 0.587 G + 0.114 B, on 8-bit values) and of R, G
// and B together. Identical images give maxPSNR.
func psnr(a, b *image.NRGBA) (y, rgb float64) {
	w, h := a.Bounds().Dx(), a.Bounds().Dy()
	var sy, srgb float64
	for row := range h {
		pa := a.Pix[row*a.Stride : row*a.Stride+4*w]
		pb := b.Pix[row*b.Stride : row*b.Stride+4*w]
		for i := 0; i < len(pa); i += 4 {
			dr := float64(pa[i]) - float64(pb[i])
			dg := float64(pa[i+1]) - float64(pb[i+1])
			db := float64(pa[i+2]) - float64(pb[i+2])
			dy := 0.299*dr + 0.587*dg + 0.114*db
			sy += dy * dy
			srgb += dr*dr + dg*dg + db*db
		}
	}
	n := float64(w * h)
	return toPSNR(sy / n), toPSNR(srgb / (3 * n))
}

func toPSNR(mse float64) float64 {
	if mse <= 0 {
		return maxPSNR
	}
	return min(maxPSNR, 10*math.Log10(255*255/mse))
}
