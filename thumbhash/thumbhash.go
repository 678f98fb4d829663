// Package thumbhash encodes and decodes ThumbHash placeholders: a picture
// summarised in about 25 bytes (the average colour, the aspect ratio, and a
// few low-frequency DCT coefficients of its luminance, two chroma channels
// and alpha), which a page paints, blurred, until the image arrives. The
// format is Evan Wallace's (https://evanw.github.io/thumbhash/), so the
// hashes made here decode with the published decoders in every language;
// this is an implementation of its description.
//
// Encode takes a picture of at most 100×100 pixels (blobimage gives it its
// smallest rendering, reduced); AverageColor and AspectRatio read a hash's
// header; Decode renders a hash to a small picture.
package thumbhash

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
)

// MaxSide is the largest width or height Encode takes: a larger picture
// adds nothing to a summary of a few coefficients.
const MaxSide = 100

// Encode returns the ThumbHash of img, whose sides must be 1–MaxSide.
func Encode(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return nil, fmt.Errorf("thumbhash: %dx%d does not fit in %dx%d", w, h, MaxSide, MaxSide)
	}
	n := w * h
	rgba := make([]float64, 4*n) // straight alpha, 0–1
	for y := 0; y < h; y++ {
		row := rgba[4*y*w : 4*(y+1)*w]
		switch m := img.(type) {
		case *image.NRGBA: // what the resamplers make: read it directly
			pix := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			for i, v := range pix {
				row[i] = float64(v) / 255
			}
		case *image.Gray:
			pix := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			for x, v := range pix {
				g := float64(v) / 255
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = g, g, g, 1
			}
		default:
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = float64(c.R)/255, float64(c.G)/255, float64(c.B)/255, float64(c.A)/255
			}
		}
	}

	// The average colour, weighted by alpha.
	var avgR, avgG, avgB, avgA float64
	for i := 0; i < n; i++ {
		a := rgba[4*i+3]
		avgR += a * rgba[4*i]
		avgG += a * rgba[4*i+1]
		avgB += a * rgba[4*i+2]
		avgA += a
	}
	if avgA > 0 {
		avgR, avgG, avgB = avgR/avgA, avgG/avgA, avgB/avgA
	}
	hasAlpha := avgA < float64(n)
	lLimit := 7.0 // the luminance's coefficients along the longer side
	if hasAlpha {
		lLimit = 5 // fewer, to leave room for alpha's
	}
	longer := float64(max(w, h))
	lx := max(1, int(math.Round(lLimit*float64(w)/longer)))
	ly := max(1, int(math.Round(lLimit*float64(h)/longer)))

	// Each pixel composited over the average colour, as luminance (l),
	// yellow–blue (p), red–green (q) and alpha (a).
	l, p, q, al := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		a := rgba[4*i+3]
		r := avgR*(1-a) + a*rgba[4*i]
		g := avgG*(1-a) + a*rgba[4*i+1]
		bl := avgB*(1-a) + a*rgba[4*i+2]
		l[i] = (r + g + bl) / 3
		p[i] = (r+g)/2 - bl
		q[i] = r - g
		al[i] = a
	}
	lc := encodeChannel(l, w, h, max(3, lx), max(3, ly))
	pc := encodeChannel(p, w, h, 3, 3)
	qc := encodeChannel(q, w, h, 3, 3)
	var ac channel
	if hasAlpha {
		ac = encodeChannel(al, w, h, 5, 5)
	}

	landscape := w > h
	header24 := round(63*lc.dc) | round(31.5+31.5*pc.dc)<<6 | round(31.5+31.5*qc.dc)<<12 | round(31*lc.scale)<<18
	if hasAlpha {
		header24 |= 1 << 23
	}
	side := lx
	if landscape {
		side = ly
	}
	header16 := side | round(63*pc.scale)<<3 | round(63*qc.scale)<<9
	if landscape {
		header16 |= 1 << 15
	}
	hash := []byte{byte(header24), byte(header24 >> 8), byte(header24 >> 16), byte(header16), byte(header16 >> 8)}
	if hasAlpha {
		hash = append(hash, byte(round(15*ac.dc)|round(15*ac.scale)<<4))
	}
	start := len(hash)
	k := 0
	for _, ch := range []channel{lc, pc, qc, ac} {
		for _, f := range ch.ac {
			if start+k/2 >= len(hash) {
				hash = append(hash, 0)
			}
			hash[start+k/2] |= byte(round(15*f) << ((k & 1) * 4))
			k++
		}
	}
	return hash, nil
}

// round rounds half away from zero, as JavaScript's Math.round does for the
// non-negative values it is given here.
func round(v float64) int { return int(math.Floor(v + 0.5)) }

// channel is one channel's DCT: the DC term, the AC terms mapped to 0–1,
// and the scale they were divided by.
type channel struct {
	dc    float64
	ac    []float64
	scale float64
}

// encodeChannel takes the DCT of a w×h channel, keeping the coefficients
// (cx, cy) with cx·ny < nx·(ny−cy): a triangle of the lowest frequencies.
func encodeChannel(v []float64, w, h, nx, ny int) channel {
	var c channel
	fx := make([]float64, w)
	fy := make([]float64, h)
	for cy := 0; cy < ny; cy++ {
		for y := range fy {
			fy[y] = math.Cos(math.Pi / float64(h) * float64(cy) * (float64(y) + 0.5))
		}
		for cx := 0; cx*ny < nx*(ny-cy); cx++ {
			for x := range fx {
				fx[x] = math.Cos(math.Pi / float64(w) * float64(cx) * (float64(x) + 0.5))
			}
			var f float64
			for y := 0; y < h; y++ {
				// The reference's order of operations, so that the
				// hash is byte for byte the same.
				fyy := fy[y]
				for x, vx := range v[y*w : (y+1)*w] {
					f += vx * fx[x] * fyy
				}
			}
			f /= float64(w * h)
			if cx == 0 && cy == 0 {
				c.dc = f
				continue
			}
			c.ac = append(c.ac, f)
			c.scale = max(c.scale, math.Abs(f))
		}
	}
	if c.scale > 0 {
		for i := range c.ac {
			c.ac[i] = 0.5 + 0.5/c.scale*c.ac[i]
		}
	}
	return c
}

// ErrShort: the hash is shorter than its header says it is.
var ErrShort = errors.New("thumbhash: hash too short")

// header is what a hash's first bytes say.
type header struct {
	lDC, pDC, qDC, lScale, pScale, qScale float64
	alpha, landscape                      bool
	lx, ly                                int
	aDC, aScale                           float64
}

func parse(hash []byte) (header, error) {
	var hd header
	if len(hash) < 5 {
		return hd, ErrShort
	}
	h24 := int(hash[0]) | int(hash[1])<<8 | int(hash[2])<<16
	h16 := int(hash[3]) | int(hash[4])<<8
	hd.lDC = float64(h24&63) / 63
	hd.pDC = float64(h24>>6&63)/31.5 - 1
	hd.qDC = float64(h24>>12&63)/31.5 - 1
	hd.lScale = float64(h24>>18&31) / 31
	hd.alpha = h24>>23 != 0
	hd.pScale = float64(h16>>3&63) / 63
	hd.qScale = float64(h16>>9&63) / 63
	hd.landscape = h16>>15 != 0
	long := 7
	if hd.alpha {
		long = 5
	}
	if hd.landscape {
		hd.lx, hd.ly = long, h16&7
	} else {
		hd.lx, hd.ly = h16&7, long
	}
	hd.aDC = 1
	if hd.alpha {
		if len(hash) < 6 {
			return hd, ErrShort
		}
		hd.aDC = float64(hash[5]&15) / 15
		hd.aScale = float64(hash[5]>>4) / 15
	}
	return hd, nil
}

// AverageColor returns the average colour a hash records (straight alpha).
func AverageColor(hash []byte) (color.NRGBA, error) {
	hd, err := parse(hash)
	if err != nil {
		return color.NRGBA{}, err
	}
	r, g, b := lpqToRGB(hd.lDC, hd.pDC, hd.qDC)
	return color.NRGBA{R: unit(r), G: unit(g), B: unit(b), A: unit(hd.aDC)}, nil
}

// AspectRatio returns the width over height a hash records, approximately
// (it is the ratio of the luminance's coefficient counts: 7:3 at most).
func AspectRatio(hash []byte) (float64, error) {
	hd, err := parse(hash)
	if err != nil {
		return 0, err
	}
	if hd.lx == 0 || hd.ly == 0 {
		return 0, fmt.Errorf("thumbhash: malformed header")
	}
	return float64(hd.lx) / float64(hd.ly), nil
}

// lpqToRGB turns luminance and the two chroma channels back into RGB.
func lpqToRGB(l, p, q float64) (r, g, b float64) {
	b = l - 2.0/3.0*p
	r = (3*l - b + q) / 2
	g = r - q
	return r, g, b
}

// unit maps 0–1 to 0–255, clamped.
func unit(v float64) uint8 { return uint8(math.Round(255 * min(max(v, 0), 1))) }

// Decode renders hash at the size the published decoders use (32 pixels
// along the longer side).
func Decode(hash []byte) (*image.NRGBA, error) {
	hd, err := parse(hash)
	if err != nil {
		return nil, err
	}
	start := 5
	if hd.alpha {
		start = 6
	}
	k := 0
	var short bool
	decodeChannel := func(nx, ny int, scale float64) []float64 {
		var ac []float64
		for cy := 0; cy < ny; cy++ {
			cx := 0
			if cy == 0 {
				cx = 1
			}
			for ; cx*ny < nx*(ny-cy); cx++ {
				i := start + k/2
				if i >= len(hash) {
					short = true
					return ac
				}
				nib := hash[i] >> ((k & 1) * 4) & 15
				ac = append(ac, (float64(nib)/7.5-1)*scale)
				k++
			}
		}
		return ac
	}
	lx, ly := max(3, hd.lx), max(3, hd.ly)
	lAC := decodeChannel(lx, ly, hd.lScale)
	pAC := decodeChannel(3, 3, hd.pScale*1.25) // saturation boosted against quantisation, as published
	qAC := decodeChannel(3, 3, hd.qScale*1.25)
	var aAC []float64
	if hd.alpha {
		aAC = decodeChannel(5, 5, hd.aScale)
	}
	if short {
		return nil, ErrShort
	}
	ratio, _ := AspectRatio(hash)
	w, h := int(math.Round(32*ratio)), 32
	if ratio > 1 {
		w, h = 32, int(math.Round(32/ratio))
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := max(lx, 3)
	if hd.alpha {
		n = max(n, 5)
	}
	m := max(ly, 3)
	if hd.alpha {
		m = max(m, 5)
	}
	fx, fy := make([]float64, n), make([]float64, m)
	for y := 0; y < h; y++ {
		for cy := range fy {
			fy[cy] = math.Cos(math.Pi / float64(h) * (float64(y) + 0.5) * float64(cy))
		}
		for x := 0; x < w; x++ {
			for cx := range fx {
				fx[cx] = math.Cos(math.Pi / float64(w) * (float64(x) + 0.5) * float64(cx))
			}
			l, p, q, a := hd.lDC, hd.pDC, hd.qDC, hd.aDC
			j := 0
			for cy := 0; cy < ly; cy++ {
				cx := 0
				if cy == 0 {
					cx = 1
				}
				for f := 2 * fy[cy]; cx*ly < lx*(ly-cy); cx++ {
					l += lAC[j] * fx[cx] * f
					j++
				}
			}
			j = 0
			for cy := 0; cy < 3; cy++ {
				cx := 0
				if cy == 0 {
					cx = 1
				}
				for f := 2 * fy[cy]; cx < 3-cy; cx++ {
					p += pAC[j] * fx[cx] * f
					q += qAC[j] * fx[cx] * f
					j++
				}
			}
			if hd.alpha {
				j = 0
				for cy := 0; cy < 5; cy++ {
					cx := 0
					if cy == 0 {
						cx = 1
					}
					for f := 2 * fy[cy]; cx < 5-cy; cx++ {
						a += aAC[j] * fx[cx] * f
						j++
					}
				}
			}
			r, g, b := lpqToRGB(l, p, q)
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = unit(r), unit(g), unit(b), unit(a)
		}
	}
	return out, nil
}
