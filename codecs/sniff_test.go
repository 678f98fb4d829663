package codecs_test

import (
	"errors"
	"image"
	"image/color"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

func TestRegistry(t *testing.T) {
	if got, want := codecs.Formats(), []codecs.Format{codecs.GIF, codecs.JPEG, codecs.PNG, codecs.WebP}; !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		f         codecs.Format
		mediaType string
		ext       string
		canEncode bool
	}{
		{codecs.JPEG, "image/jpeg", ".jpg", true},
		{codecs.PNG, "image/png", ".png", true},
		{codecs.GIF, "image/gif", ".gif", true},
		{codecs.WebP, "image/webp", ".webp", true},
		{"tiff", "", "", false},
	} {
		if got := tc.f.MediaType(); got != tc.mediaType {
			t.Errorf("%s.MediaType() = %q, want %q", tc.f, got, tc.mediaType)
		}
		if got := tc.f.Ext(); got != tc.ext {
			t.Errorf("%s.Ext() = %q, want %q", tc.f, got, tc.ext)
		}
		if got := codecs.CanEncode(tc.f); got != tc.canEncode {
			t.Errorf("CanEncode(%s) = %v, want %v", tc.f, got, tc.canEncode)
		}
	}
}

func TestSniffRegistered(t *testing.T) {
	img := quads(32, 24)
	gif87 := encGIF(t, img)
	copy(gif87, "GIF87a")
	cases := []struct {
		name string
		data []byte
		want codecs.Format
	}{
		{"jpeg", encJPEG(t, img, 90), codecs.JPEG},
		{"png", encPNG(t, img), codecs.PNG},
		{"gif89a", encGIF(t, img), codecs.GIF},
		{"gif87a", gif87, codecs.GIF},
		{"webp vp8l", webpSolid(4, 4, color.NRGBA{1, 2, 3, 255}), codecs.WebP},
		{"webp vp8x", riffWebP("VP8X", vp8xChunk(0, 4, 4)), codecs.WebP},
		{"webp vp8", riffWebP("VP8 ", make([]byte, 10)), codecs.WebP},
		{"jpeg header only", jpegHeader(10, 10), codecs.JPEG},
		{"png header only", pngHeader(10, 10), codecs.PNG},
		{"gif header only", gifHeader(10, 10), codecs.GIF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{codecs.SniffLen, len(tc.data)} {
				head := tc.data[:min(n, len(tc.data))]
				got, err := codecs.Sniff(head)
				if err != nil || got != tc.want {
					t.Errorf("Sniff(%d bytes) = %q, %v; want %q", len(head), got, err, tc.want)
				}
			}
		})
	}
}

func TestSniffUnsupported(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := []byte{0, 0, 0, byte(16 + 4*len(compat))}
		b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, "\x00\x00\x00\x08free"...)
	}
	bmpHeader := append([]byte("BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"), make([]byte, 36)...)
	ico := []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 22, 0, 0, 0}
	cur := slices.Clone(ico)
	cur[2] = 2
	inkscape := `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->

<svg
   width="210mm"
   height="297mm">`
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"tiff little endian", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), "tiff"},
		{"tiff big endian", []byte("MM\x00*\x00\x00\x00\x08\x00\x00"), "tiff"},
		{"bigtiff", []byte("II+\x00\x08\x00\x00\x00"), "tiff"},
		{"bmp", bmpHeader, "bmp"},
		{"heic", ftyp("heic", "mif1", "heic"), "heic"},
		{"heif mif1 with heic brand", ftyp("mif1", "mif1", "heic"), "heic"},
		{"heif mif1 only", ftyp("mif1", "mif1"), "heif"},
		{"avif", ftyp("avif", "avif", "mif1", "miaf"), "avif"},
		{"avif compatible brand", ftyp("mif1", "mif1", "avif", "miaf"), "avif"},
		{"avif sequence", ftyp("avis", "avis", "msf1"), "avif"},
		{"jxl codestream", []byte{0xFF, 0x0A, 0xFA, 0x7F}, "jxl"},
		{"jxl container", []byte("\x00\x00\x00\x0CJXL \r\n\x87\n\x00\x00\x00\x14ftypjxl "), "jxl"},
		{"jpeg2000", []byte("\x00\x00\x00\x0CjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 "), "jpeg2000"},
		{"ico", ico, "ico"},
		{"cur", cur, "cur"},
		{"psd", []byte("8BPS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03"), "psd"},
		{"qoi", []byte("qoif\x00\x00\x00\x10\x00\x00\x00\x10\x04\x00"), "qoi"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), "svg"},
		{"svg after bom and space", []byte("\xEF\xBB\xBF \r\n\t<SVG viewBox='0 0 1 1'>"), "svg"},
		{"svg with namespace prefix", []byte(`<svg:svg xmlns:svg="http://www.w3.org/2000/svg">`), "svg"},
		{"svg with xml declaration", []byte(`<?xml version="1.0"?><svg>`), "svg"},
		{"svg doctype", []byte(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"`), "svg"},
		{"svg inkscape prolog", []byte(inkscape), "svg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := codecs.Sniff(tc.data)
			if f != "" {
				t.Errorf("Sniff returned format %q with error %v", f, err)
			}
			wantErr(t, err, codecs.ErrUnsupportedFormat, "")
			if !strings.HasSuffix(err.Error(), ": "+tc.want) {
				t.Errorf("err = %q, want it to name %q", err, tc.want)
			}
		})
	}
}

func TestSniffNotImage(t *testing.T) {
	inkscape := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg>`)
	mp4 := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42")
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte ff", []byte{0xFF}},
		{"one byte B", []byte("B")},
		{"one byte zero", []byte{0}},
		{"jpeg soi only", []byte{0xFF, 0xD8}},
		{"png signature cut", []byte("\x89PNG\r\n")},
		{"html", []byte("<!DOCTYPE html><html><body><img src=x></body></html>")},
		{"html lower doctype after space", []byte("\n\n  <!doctype HTML>\n<title>x</title>")},
		{"html bare", []byte("<html lang=en>")},
		{"html fragment", []byte("<script>alert(1)</script>")},
		{"xml", []byte(`<?xml version="1.0"?><rss version="2.0">`)},
		{"xml svg out of sight", inkscape[:codecs.SniffLen]},
		{"pdf", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")},
		{"gzip", []byte("\x1F\x8B\x08\x00\x00\x00\x00\x00")},
		{"mp4", mp4},
		{"text starting BM", []byte("BMW is a car maker, not a bitmap header at all.")},
		{"riff wave", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00")},
		{"riff webp without image chunk", []byte("RIFF\x24\x00\x00\x00WEBPJUNK\x04\x00\x00\x00abcd")},
		{"plain text", []byte("hello, world")},
		{"json", []byte(`{"image": "not really"}`)},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 8 {
		b := make([]byte, 16+rng.IntN(200))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		cases = append(cases, struct {
			name string
			data []byte
		}{"random " + string(rune('a'+i)), b})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := codecs.Sniff(tc.data)
			if f != "" {
				t.Errorf("Sniff returned format %q", f)
			}
			wantErr(t, err, codecs.ErrNotImage, "")
		})
	}
}

// TestSniffRegisteredTakesPrecedence checks that a codec registered for a
// format Sniff otherwise refuses takes precedence: registration, not the
// built-in list, decides what is supported.
// TestSniffWebPUnregistered: without codecs/webp, WebP is an image format
// that is not supported, not something that is no image.
func TestSniffWebPUnregistered(t *testing.T) {
	c, ok := codecs.Lookup(codecs.WebP)
	if !ok {
		t.Fatal("codecs/webp is not registered")
	}
	codecs.UnregisterForTest(codecs.WebP)
	defer codecs.Register(c)
	for _, head := range [][]byte{
		webpSolid(4, 4, color.NRGBA{1, 2, 3, 255}),
		riffWebP("VP8X", vp8xChunk(0, 4, 4)),
		riffWebP("VP8 ", make([]byte, 10)),
	} {
		f, err := codecs.Sniff(head)
		wantErr(t, err, codecs.ErrUnsupportedFormat, "")
		if f != "" || !strings.HasSuffix(err.Error(), ": webp") {
			t.Errorf("Sniff = %q, %v; want unsupported webp", f, err)
		}
	}
	if _, err := codecs.Sniff([]byte("RIFF\x24\x00\x00\x00WEBPJUNK\x04\x00\x00\x00abcd")); !errors.Is(err, codecs.ErrNotImage) {
		t.Errorf("RIFF WEBP without an image chunk: %v, want ErrNotImage", err)
	}
}

func TestSniffRegisteredTakesPrecedence(t *testing.T) {
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	fakeCodec(t, codecs.Codec{
		Format:       "tiff",
		Match:        fakeMatch("II*\x00"),
		DecodeConfig: fixedConfig(1, 1),
		Decode:       func(io.Reader) (image.Image, error) { return nil, errors.New("unused") },
	})
	if f, err := codecs.Sniff(tiff); err != nil || f != "tiff" {
		t.Fatalf("Sniff = %q, %v; want tiff", f, err)
	}
	codecs.UnregisterForTest("tiff")
	if _, err := codecs.Sniff(tiff); !errors.Is(err, codecs.ErrUnsupportedFormat) {
		t.Fatalf("after unregistering: err = %v, want ErrUnsupportedFormat", err)
	}
}
