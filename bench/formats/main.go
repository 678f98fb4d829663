// Command formats measures blobimage's codecs for the formats of today's
// web side by side with their reference tools in one run, per megapixel:
// HEIC and AVIF decoding against heif-convert and avifdec (libheif with
// libde265, libavif with dav1d, native Debian builds), lossy WebP
// decoding against dwebp (to Y'CbCr planes, -yuv), WebP and AVIF
// encoding against cwebp and avifenc at equal settings, the same four
// through libvips in the same run, and the peak RSS of `blobimage put` of
// a 12 MP HEIC. Each of blobimage's codecs is
// measured with each engine available ("wasm": the WebAssembly builds run
// by wazero, the pure-Go default; "system": the system library through
// purego, where it loads). The engine column names the engine that really
// ran: "system → wasm" where the system library does not serve the
// format (AVIF encoding needs libavif 1.1, Debian 12 has 0.11; AVIF
// decoding goes through libheif, as libvips' does), and "wasm → go" for
// WebP decoding, which is golang.org/x/image/webp's unless the system's
// libwebp decodes it.
//
//	go run ./bench/formats -corpus ../shared/corpus            # or BLOBIMAGE_CORPUS
//	go run ./bench/formats -corpus DIR -rounds 5 -photo nikond3100_14mp.jpg
//
// The inputs are made from one photo of the corpus: fitted into 4000×3000
// (12 MP) and encoded with heif-enc (quality 85, 4:2:0), avifenc (quality 63,
// speed 6) and cwebp (quality 80) for the decoders; fitted into 1000×1000 for the encoders, as a
// variant is. The tools' times are of the whole process (each reads its
// input and writes a Y4M or WebP file; process start-up is a few ms)
// except cwebp's, which is its own "Time to encode picture" (it must
// decode a PNG first). Medians over -rounds; ratios are blobimage/tool.
//
// The PNG row decodes a large PNG of the corpus (-png, the 15 MP
// altai_15mp.png by default; skipped when the corpus has no such file) at
// full size: blobimage's codecs.Decode (the pure-Go codecs/png in every
// build) against Pillow's Image.open(…).load() on the same bytes in
// memory, timed inside a Python process (-python, default Debian's
// /usr/bin/python3; one untimed warm-up, then -rounds), and libvips'
// vips_pngload_buffer to memory. It is the whole decode to pixels in
// every column: Pillow to RGB, libvips to its RGB memory image, blobimage
// to RGBA.
//
// The libvips column comes from vips_formats.c, built at run time against
// the system libvips (gcc, pkg-config, libvips-dev) and run as a child
// process of its own; it times in-process, so start-up is excluded: HEIC
// and AVIF through vips_heifload_buffer (libheif: libde265, and dav1d or
// libaom for AV1) decoded to memory; the lossy WebP through
// vips_webpload_buffer (libwebp) decoded to memory; WebP through vips_webpsave_buffer at
// the same quality and method as cwebp; AVIF through vips_heifsave_buffer
// with compression av1, encoder aom, the same quality and speed, 8 bits,
// 4:2:0. Its CPU time is printed next to its wall time (the codecs may
// use threads of their own). What the local libheif cannot do is printed
// as not available, and without libvips-dev the column says why it is
// missing. Ratios are blobimage/libvips.
//
// Timings are wall-clock: run it on a quiet machine.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/blobimage/blobimage/codecs"
	avifcodec "github.com/blobimage/blobimage/codecs/avif"
	"github.com/blobimage/blobimage/codecs/heif"
	webpcodec "github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/variants"
)

const engineEnv = "BLOBIMAGE_CODEC_ENGINE"

func main() {
	corpus := flag.String("corpus", os.Getenv("BLOBIMAGE_CORPUS"), "folder of photos (default $BLOBIMAGE_CORPUS)")
	name := flag.String("photo", "nikond3100_14mp.jpg", "the corpus photo the inputs are made from")
	rounds := flag.Int("rounds", 3, "timed runs of each measurement")
	pngName := flag.String("png", "altai_15mp.png", "the corpus PNG whose full decode is timed (skipped when absent)")
	defPython := "/usr/bin/python3"
	if _, err := os.Stat(defPython); err != nil {
		defPython = "python3"
	}
	python := flag.String("python", defPython, "Python with PIL for the PNG row's Pillow column")
	flag.Parse()
	log.SetFlags(0)
	if *corpus == "" {
		log.Fatal("no corpus: pass -corpus DIR or set BLOBIMAGE_CORPUS")
	}
	for _, t := range []string{"heif-enc", "heif-convert", "avifenc", "avifdec", "cwebp", "dwebp"} {
		if _, err := exec.LookPath(t); err != nil {
			log.Fatalf("%s is not installed (apt-get install libheif-examples libavif-bin webp)", t)
		}
	}
	dir, err := os.MkdirTemp("", "bench-formats")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	data, err := os.ReadFile(filepath.Join(*corpus, *name))
	if err != nil {
		log.Fatal(err)
	}
	src, _, err := codecs.Decode(ctx, data, codecs.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	large := fit(src, 4000, 3000)
	small := fit(src, 1000, 1000)
	largePNG := write(dir, "large.png", encodePNG(large))
	smallPNG := write(dir, "small.png", encodePNG(small))
	heic := filepath.Join(dir, "large.heic")
	avif := filepath.Join(dir, "large.avif")
	webp := filepath.Join(dir, "large.webp")
	fmt.Printf("making the inputs from %s: %v (12 MP class) and %v...\n", *name, large.Bounds().Size(), small.Bounds().Size())
	must(run("heif-enc", "-q", "85", "-p", "chroma=420", "-o", heic, largePNG)) // 4:2:0, as phones write
	must(run("avifenc", "--jobs", "1", "-s", "6", "--min", "0", "--max", "63", "-a", "end-usage=q", "-a", "cq-level=23", "-y", "420", largePNG, avif))
	must(run("cwebp", "-quiet", "-q", "80", largePNG, "-o", webp))
	smallY4M := write(dir, "small.y4m", y4m(small))
	largeMP := mp(large)
	smallMP := mp(small)

	// The settings every side uses.
	const webpQ, webpMethod, avifQ, avifSpeed = 75, 4, 63, 9

	fmt.Println("libvips: building and running vips_formats.c...")
	bigPNG := filepath.Join(*corpus, *pngName)
	if _, err := os.Stat(bigPNG); err != nil {
		fmt.Printf("PNG row skipped: %v\n", err)
		bigPNG = ""
	}
	vips := runVips(ctx, dir, *rounds, heic, avif, smallPNG, webpQ, webpMethod, avifQ, avifSpeed, bigPNG, webp)
	vipsName := "libvips"
	if vips.Skipped != "" {
		fmt.Println("libvips column skipped:", vips.Skipped)
	} else {
		vipsName = "libvips " + vips.Version
	}

	fmt.Printf("\n%d rounds, medians; 2 cores unless the machine says otherwise (GOMAXPROCS %d)\n\n", *rounds, runtime.GOMAXPROCS(0))
	fmt.Printf("| measurement | blobimage, engine | ms/MP | tool | ms/MP | ratio | %s ms/MP (CPU) | blobimage / libvips |\n", vipsName)
	fmt.Println("|---|---|---:|---|---:|---:|---:|---:|")
	row := func(what, ours string, ourMS float64, tool string, toolMS float64, v vipsResult, mp float64) {
		fmt.Printf("| %s | %s | %s | %s | %s | %.2f× | %s |\n", what, ours, msMP(ourMS), tool, msMP(toolMS), ourMS/toolMS, vipsCells(ourMS, v, mp))
	}

	// Decoding.
	heicData, avifData, webpData := readFile(heic), readFile(avif), readFile(webp)
	heifConvert := median(*rounds, func() time.Duration {
		return timed(func() { must(run("heif-convert", heic, filepath.Join(dir, "out.y4m"))) })
	}) / largeMP
	avifdec := median(*rounds, func() time.Duration {
		return timed(func() { must(run("avifdec", "--jobs", "1", avif, filepath.Join(dir, "out.y4m"))) })
	}) / largeMP
	dwebp := median(*rounds, func() time.Duration {
		return timed(func() { must(run("dwebp", "-quiet", "-yuv", webp, "-o", filepath.Join(dir, "out.yuv"))) })
	}) / largeMP
	heifEngine := func(coding string) func() string { return func() string { return heif.Engine(coding) } }
	for _, engine := range []string{"wasm", "system"} {
		os.Setenv(engineEnv, engine)
		for _, c := range []struct {
			what, tool string
			engine     func() string // the engine that decodes it
			data       []byte
			toolMS     float64
			vips       vipsResult
		}{
			{"decode 12 MP HEIC", "heif-convert", heifEngine("hvc1"), heicData, heifConvert, vips.result(vipsHEICDecode)},
			{"decode 12 MP AVIF", "avifdec -j 1", heifEngine("av01"), avifData, avifdec, vips.result(vipsAVIFDecode)},
			{"decode 12 MP WebP", "dwebp -yuv", webpcodec.DecodeEngine, webpData, dwebp, vips.result(vipsWebPDecode)},
		} {
			used := engineLabel(engine, c.engine())
			lim := codecs.Limits{DecodeTimeout: codecs.Duration(10 * time.Minute)}
			if _, _, err := codecs.Decode(ctx, c.data, lim); err != nil {
				fmt.Printf("| %s | %s | – | %s | %.0f | (%v) | %s |\n", c.what, used, c.tool, c.toolMS, err, vipsCells(0, c.vips, largeMP))
				continue
			}
			ms := median(*rounds, func() time.Duration {
				return timed(func() {
					if _, _, err := codecs.Decode(ctx, c.data, lim); err != nil {
						log.Fatal(err)
					}
				})
			}) / largeMP
			row(c.what, used, ms, c.tool, c.toolMS, c.vips, largeMP)
		}
	}

	// Decoding a large PNG, against Pillow.
	if bigPNG != "" {
		data := readFile(bigPNG)
		img, _, err := codecs.Decode(ctx, data, codecs.Limits{})
		must(err)
		pngMP := mp(img)
		ms := median(*rounds, func() time.Duration {
			return timed(func() {
				if _, _, err := codecs.Decode(ctx, data, codecs.Limits{}); err != nil {
					log.Fatal(err)
				}
			})
		}) / pngMP
		what := fmt.Sprintf("decode %.0f MP PNG (%s)", pngMP, *pngName)
		pillow, version, err := pillowDecode(dir, *python, bigPNG, *rounds)
		if err != nil {
			fmt.Printf("| %s | Go | %s | Pillow | – | (%v) | %s |\n", what, msMP(ms), err, vipsCells(ms, vips.result(vipsPNGDecode), pngMP))
		} else {
			row(what, "Go", ms, "Pillow "+version+" (in-process)", pillow/pngMP, vips.result(vipsPNGDecode), pngMP)
		}
	}

	// Encoding, a variant-sized picture at equal settings.
	cwebp := median(*rounds, func() time.Duration { return cwebpTime(smallPNG, filepath.Join(dir, "out.webp")) }) / smallMP
	avifenc := median(*rounds, func() time.Duration {
		return timed(func() {
			must(run("avifenc", "--jobs", "1", "-y", "420", "-s", "9", "--min", "0", "--max", "63",
				"-a", "end-usage=q", "-a", "cq-level=23", "-a", "tune=ssim", smallY4M, filepath.Join(dir, "out.avif")))
		})
	}) / smallMP
	for _, engine := range []string{"wasm", "system"} {
		os.Setenv(engineEnv, engine)
		for _, c := range []struct {
			what, tool string
			f          codecs.Format
			o          codecs.EncodeOptions
			engine     func() string
			toolMS     float64
			vips       vipsResult
		}{
			{"encode 1 MP WebP q75 m4", "cwebp -q 75 -m 4", codecs.WebP, codecs.EncodeOptions{Quality: webpQ}, webpcodec.Engine, cwebp, vips.result(vipsWebPEncode)},
			{"encode 1 MP AVIF q63 speed 9", "avifenc -s 9 cq-level 23", codecs.AVIF, codecs.EncodeOptions{Quality: avifQ, Speed: avifSpeed}, avifcodec.Engine, avifenc, vips.result(vipsAVIFEncode)},
		} {
			used := engineLabel(engine, c.engine())
			var buf bytes.Buffer
			ms := median(*rounds, func() time.Duration {
				return timed(func() {
					buf.Reset()
					if err := codecs.Encode(&buf, small, c.f, c.o); err != nil {
						log.Fatal(err)
					}
				})
			}) / smallMP
			row(c.what, used, ms, c.tool, c.toolMS, c.vips, smallMP)
		}
	}
	os.Unsetenv(engineEnv)
	if vips.Skipped == "" {
		fmt.Printf("\n%s: in-process times of vips_formats.c (no process start-up), wall ms/MP with the CPU ms/MP of all its threads in brackets; HEIC/AVIF decoded by libheif to 8-bit RGB in memory; WebP Q%d effort %d; AVIF compression av1, encoder aom, Q%d, effort %d (speed %d), 8-bit 4:2:0.\n",
			vipsName, webpQ, webpMethod, avifQ, 9-avifSpeed, avifSpeed)
	}

	// Peak RSS of the CLI putting the 12 MP HEIC, per engine.
	bin := filepath.Join(dir, "blobimage")
	must(run("go", "build", "-o", bin, "./cmd/blobimage"))
	fmt.Println()
	for _, engine := range []string{"wasm", "system"} {
		bucket := filepath.Join(dir, "bucket-"+engine)
		must(os.Mkdir(bucket, 0o755))
		cmd := exec.Command(bin, "--bucket", "file://"+bucket, "put", heic)
		cmd.Env = append(os.Environ(), engineEnv+"="+engine)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			log.Fatalf("put: %v\n%s", err, out)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10
		fmt.Printf("blobimage put of the 12 MP HEIC, engine %s: peak RSS %d MiB, %v (default config: small 400, medium 1000)\n",
			engine, rss, time.Since(start).Round(time.Millisecond))
	}
}

// engineLabel names the engine a row ran on: the one asked for, or
// "asked → used" where the codec fell back (system to wasm where the
// system library does not serve the format).
func engineLabel(asked, used string) string {
	if used == asked {
		return used
	}
	return asked + " → " + used
}

// vipsCells are the libvips cells of a row: its wall ms/MP (CPU ms/MP)
// and ours over its wall, or why it is not available.
func vipsCells(ourMS float64, v vipsResult, mp float64) string {
	if v.Unavailable != "" || len(v.WallMS) == 0 {
		why := v.Unavailable
		if why == "" {
			why = "no timings"
		}
		return "not available: " + strings.ReplaceAll(why, "|", "/") + " | –"
	}
	wall, cpu := v.wall()/mp, v.cpu()/mp
	ratio := "–"
	if ourMS > 0 {
		ratio = fmt.Sprintf("%.2f×", ourMS/wall)
	}
	return fmt.Sprintf("%s (%s) | %s", msMP(wall), msMP(cpu), ratio)
}

// msMP formats ms per megapixel: whole numbers, with a decimal below 20
// (a PNG decodes in a few ms a megapixel).
func msMP(ms float64) string {
	if ms < 20 {
		return strconv.FormatFloat(ms, 'f', 1, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}

func fit(img image.Image, w, h int) image.Image {
	out, err := variants.Spec{Name: "f", Processors: []variants.Processor{variants.Fit{Width: w, Height: h}}}.Apply(img)
	if err != nil {
		log.Fatal(err)
	}
	return out
}

func mp(img image.Image) float64 {
	b := img.Bounds()
	return float64(b.Dx()*b.Dy()) / 1e6
}

// encodePNG writes img as an 8-bit RGB PNG (image/png writes a
// *image.YCbCr as 16-bit, which heif-enc would code as 10-bit).
func encodePNG(img image.Image) []byte {
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

func write(dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		log.Fatal(err)
	}
	return p
}

func readFile(p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// median runs f n times and returns the median duration in ms.
func median(n int, f func() time.Duration) float64 {
	ds := make([]float64, n)
	for i := range ds {
		ds[i] = float64(f()) / float64(time.Millisecond)
	}
	slices.Sort(ds)
	return ds[n/2]
}

// pillowScript times Pillow's full decode of the PNG argv[1] from memory:
// one untimed warm-up, then argv[2] rounds, each printed in ms; the first
// line is Pillow's version.
const pillowScript = `
import io, sys, time
import PIL
from PIL import Image
data = open(sys.argv[1], "rb").read()
print(PIL.__version__)
Image.open(io.BytesIO(data)).load()
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    Image.open(io.BytesIO(data)).load()
    print((time.perf_counter() - t) * 1000)
`

// pillowDecode returns the median of Pillow's full decodes of the PNG at
// path, in ms, and Pillow's version.
func pillowDecode(dir, python, path string, rounds int) (float64, string, error) {
	script := write(dir, "pillow_decode.py", []byte(pillowScript))
	out, err := exec.Command(python, script, path, strconv.Itoa(rounds)).CombinedOutput()
	if err != nil {
		return 0, "", fmt.Errorf("%s: %v: %s", python, err, bytes.TrimSpace(out))
	}
	lines := strings.Fields(string(out))
	if len(lines) != rounds+1 {
		return 0, "", fmt.Errorf("pillow_decode.py printed %q", out)
	}
	ms := make([]float64, rounds)
	for i, l := range lines[1:] {
		if ms[i], err = strconv.ParseFloat(l, 64); err != nil {
			return 0, "", fmt.Errorf("pillow_decode.py printed %q", out)
		}
	}
	return middle(ms), lines[0], nil
}

var cwebpTimeRE = regexp.MustCompile(`Time to encode picture: ([0-9.]+)s`)

// cwebpTime is cwebp's own measure of its encode (it must decode the PNG
// first, which ours does not).
func cwebpTime(in, out string) time.Duration {
	b, err := exec.Command("cwebp", "-v", "-q", "75", "-m", "4", in, "-o", out).CombinedOutput()
	if err != nil {
		log.Fatalf("cwebp: %v\n%s", err, b)
	}
	m := cwebpTimeRE.FindSubmatch(b)
	if m == nil {
		log.Fatalf("cwebp printed no encode time:\n%s", b)
	}
	s, _ := strconv.ParseFloat(string(m[1]), 64)
	return time.Duration(s * float64(time.Second))
}

// y4m is img as a one-frame 4:2:0 YUV4MPEG2 stream (full-range BT.601, as
// Go converts), which avifenc codes as it is.
func y4m(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			ycc.Y[y*ycc.YStride+x] = yy
			if x%2 == 0 && y%2 == 0 {
				ycc.Cb[(y/2)*ycc.CStride+x/2] = cb
				ycc.Cr[(y/2)*ycc.CStride+x/2] = cr
			}
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\nFRAME\n", w, h)
	buf.Write(ycc.Y)
	buf.Write(ycc.Cb)
	buf.Write(ycc.Cr)
	return buf.Bytes()
}
