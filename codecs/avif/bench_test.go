package avif_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/avif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// BenchmarkEncodeAVIF encodes a 1 MP photo-like picture at the default
// quality with each engine at speeds 4 to 10, and with avifenc at the same
// settings (one thread) for comparison. avifenc reads a Y4M of the picture,
// so its time is the encode's and the process's start, not PNG decoding;
// it also skips the RGB to Y'CbCr conversion ours does (a few ms). Sizes
// and PSNR (through avifdec) are reported beside the times.
func BenchmarkEncodeAVIF(b *testing.B) {
	src := testimage.Photo(1000, 1000)
	const mp = 1.0
	speeds := []int{4, 5, 6, 7, 8, 9, 10}
	for _, e := range engines {
		for _, s := range speeds {
			b.Run(fmt.Sprintf("%s/speed=%d", e, s), func(b *testing.B) {
				useEngine(b, e)
				var out bytes.Buffer
				for b.Loop() {
					out.Reset()
					if err := codecs.Encode(&out, src, codecs.AVIF, codecs.EncodeOptions{Speed: s}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mp, "ms/MP")
				b.ReportMetric(float64(out.Len()), "bytes")
				b.ReportMetric(testimage.PSNR(b, src, avifdec(b, out.Bytes()), false), "dB")
			})
		}
	}
	for _, s := range speeds {
		b.Run(fmt.Sprintf("avifenc/speed=%d", s), func(b *testing.B) {
			bin := testimage.Tool(b, "avifenc")
			dir := b.TempDir()
			in, out := filepath.Join(dir, "in.y4m"), filepath.Join(dir, "out.avif")
			if err := os.WriteFile(in, y4m(src), 0o644); err != nil {
				b.Fatal(err)
			}
			args := append(avifencArgs(avif.DefaultQuality, s), in, out)
			for b.Loop() {
				if o, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, o)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/mp, "ms/MP")
			data, err := os.ReadFile(out)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(data)), "bytes")
			b.ReportMetric(testimage.PSNR(b, src, avifdec(b, data), false), "dB")
		})
	}
}

// y4m returns img as a one-frame YUV4MPEG2 stream, 4:2:0, full-range
// BT.601 as Go converts (chroma averaged over each 2×2 block), which
// avifenc codes as it is.
func y4m(img *image.NRGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	yp, cb, cr := make([]byte, w*h), make([]byte, cw*ch), make([]byte, cw*ch)
	var sb, sr = make([]int, cw*ch), make([]int, cw*ch)
	var n = make([]int, cw*ch)
	for y := range h {
		for x := range w {
			c := img.NRGBAAt(x, y)
			Y, Cb, Cr := color.RGBToYCbCr(c.R, c.G, c.B)
			yp[y*w+x] = Y
			i := (y/2)*cw + x/2
			sb[i] += int(Cb)
			sr[i] += int(Cr)
			n[i]++
		}
	}
	for i := range cb {
		cb[i], cr[i] = uint8((sb[i]+n[i]/2)/n[i]), uint8((sr[i]+n[i]/2)/n[i])
	}
	var buf bytes.Buffer
	buf.WriteString("YUV4MPEG2 W" + strconv.Itoa(w) + " H" + strconv.Itoa(h) + " F25:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\nFRAME\n")
	buf.Write(yp)
	buf.Write(cb)
	buf.Write(cr)
	return buf.Bytes()
}
