package boxavg

import "image"

// To420 returns m with 4:2:0 chroma: the subsampling JPEG encoders write
// a colour picture with by default (Pillow, libjpeg, and the pure-Go
// encoder here) and the only one lossy WebP (VP8) codes. A 4:4:4, 4:2:2
// or 4:4:0 image's chroma is averaged over the samples merged (Pairs,
// Rows), the last column and row standing in for a missing half; the luma
// plane is shared, not copied, so the result is for reading. 4:2:0 and
// other subsamplings, and images whose bounds do not start at the origin,
// are returned as they are.
func To420(m *image.YCbCr) *image.YCbCr {
	var sx, sy int // chroma samples merged across and down
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio422:
		sx, sy = 1, 2
	case image.YCbCrSubsampleRatio440:
		sx, sy = 2, 1
	default:
		return m
	}
	if m.Rect.Min != (image.Point{}) {
		return m
	}
	cw, ch := (m.Rect.Dx()+1)/2, (m.Rect.Dy()+1)/2
	out := &image.YCbCr{
		Y: m.Y, YStride: m.YStride,
		Cb: make([]byte, cw*ch), Cr: make([]byte, cw*ch), CStride: cw,
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: m.Rect,
	}
	sw := (m.Rect.Dx() + 2 - sx) / (3 - sx) // source chroma width: w, or ⌈w/2⌉
	sh := (m.Rect.Dy() + 2 - sy) / (3 - sy)
	for _, p := range [][2][]byte{{out.Cb, m.Cb}, {out.Cr, m.Cr}} {
		dst, src := p[0], p[1]
		for y := range ch {
			y0, y1 := y*sy, min(y*sy+sy-1, sh-1)
			r0, r1 := src[y0*m.CStride:][:sw], src[y1*m.CStride:][:sw]
			d := dst[y*cw : y*cw+cw]
			if sx == 1 { // 4:2:2: down only
				Rows(d, r0, r1)
				continue
			}
			Pairs(d[:sw/2], r0, r1)
			if sw%2 == 1 { // the last column pairs with itself
				d[cw-1] = uint8((2*uint32(r0[sw-1]) + 2*uint32(r1[sw-1]) + 2) / 4)
			}
		}
	}
	return out
}
