package heif_test

// Tests of EmbedICC on files made at test time by avifenc, heif-enc and
// the AVIF encoder blobimage uses (gen2brain/avif's WebAssembly libavif),
// checked by re-parsing, by the reference decoders (avifdec, heif-convert,
// which write the profile they find into their PNG output), and by
// comparison with what avifenc --icc writes.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gen2brain/avif"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

var (
	p3ICC    = testimage.ICC("Display P3")
	adobeICC = testimage.ICC("Adobe RGB (1998) compatible, a longer description")
)

// iccProfiles returns the profiles to embed: testimage's Display P3 and,
// when BLOBIMAGE_CORPUS is set, the Display P3 profile of the corpus's
// iPhone photo.
func iccProfiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{"testimage": p3ICC}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		out["iphone"] = mustParse(tb, corpusHEIC(tb)).ICC()
		if len(out["iphone"]) == 0 {
			tb.Fatal("the iPhone photo has no ICC profile")
		}
	}
	return out
}

// embedCase is a file to embed a profile into.
type embedCase struct {
	name string
	data func(testing.TB) []byte
	avif bool
}

func embedCases() []embedCase {
	return []embedCase{
		{"avifenc_420_alpha", func(tb testing.TB) []byte { return avifEnc(tb, photo(96, 64, true), "-y", "420") }, true},
		{"avifenc_10bit_444", func(tb testing.TB) []byte { return avifEnc(tb, photo(80, 60, false), "-d", "10", "-y", "444") }, true},
		{"avifenc_irot_imir", func(tb testing.TB) []byte {
			return avifEnc(tb, photo(80, 60, false), "-y", "420", "--irot", "1", "--imir", "0")
		}, true},
		{"avifenc_exif_xmp", func(tb testing.TB) []byte { d, _ := avifWithMetadata(tb); return d }, true},
		{"gen2brain_alpha", gen2brainAVIF, true},
		{"heifenc", func(tb testing.TB) []byte { return heifEnc(tb, photo(96, 64, false), "-q", "60") }, false},
		{"heifenc_alpha", func(tb testing.TB) []byte { return heifEnc(tb, photo(96, 64, true), "-q", "60") }, false},
		{"heifenc_exif", heicWithExif, false},
	}
}

// gen2brainAVIF encodes a picture with alpha with the AVIF encoder
// blobimage's codecs/avif uses: libavif built to WebAssembly, as
// github.com/gen2brain/avif embeds it.
func gen2brainAVIF(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := avif.Encode(&b, photo(96, 64, true), avif.Options{Quality: 70, Speed: 10, ChromaSubsampling: image.YCbCrSubsampleRatio420}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// pngICC returns the profile of a PNG's iCCP chunk, or nil.
func pngICC(tb testing.TB, b []byte) []byte {
	tb.Helper()
	for at := 8; at+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[at:]))
		if at+12+n > len(b) {
			tb.Fatal("truncated PNG chunk")
		}
		typ, body := string(b[at+4:at+8]), b[at+8:at+8+n]
		if typ == "iCCP" {
			nul := bytes.IndexByte(body, 0)
			if nul < 0 || nul+2 > len(body) {
				tb.Fatal("malformed iCCP")
			}
			zr, err := zlib.NewReader(bytes.NewReader(body[nul+2:]))
			if err != nil {
				tb.Fatal(err)
			}
			p, err := io.ReadAll(zr)
			if err != nil {
				tb.Fatal(err)
			}
			return p
		}
		at += 12 + n
	}
	return nil
}

// refDecode decodes data with the reference decoder of its format
// (avifdec, heif-convert) and returns the pixels and the ICC profile the
// decoder found (which it writes into the PNG).
func refDecode(tb testing.TB, data []byte, isAVIF bool) (image.Image, []byte) {
	tb.Helper()
	var b []byte
	if isAVIF {
		b = testimage.Convert(tb, "avifdec", data, ".bin", ".png", "-d", "8")
	} else {
		b = testimage.Convert(tb, "heif-convert", data, ".bin", ".png", "--quiet")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return img, pngICC(tb, b)
}

// toolOutput runs a tool and returns its standard output.
func toolOutput(tb testing.TB, name string, data []byte, args ...string) string {
	tb.Helper()
	p := testimage.WriteFile(tb, tb.TempDir(), "in.bin", data)
	out, err := exec.Command(testimage.Tool(tb, name), append(args, p)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// iccColrs returns the ICC colr properties of item id.
func iccColrs(f *heif.File, id uint32) []heif.Colour {
	var out []heif.Colour
	for _, p := range f.Properties(id) {
		if c, ok := p.(heif.Colour); ok && (c.Type == "prof" || c.Type == "rICC") {
			out = append(out, c)
		}
	}
	return out
}

// describe summarises colr properties for a message.
func describe(cs []heif.Colour) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s (%d bytes)", c.Type, len(c.ICC)))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// withoutICC returns props without the ICC colr ones, and the index of
// the first of those (-1 if none).
func withoutICC(props []any) ([]any, int) {
	var out []any
	at := -1
	for i, p := range props {
		if c, ok := p.(heif.Colour); ok && (c.Type == "prof" || c.Type == "rICC") {
			if at < 0 {
				at = i
			}
			continue
		}
		out = append(out, p)
	}
	return out, at
}

// firstTransform returns the index of the first irot, imir or clap
// property in props, or len(props).
func firstTransform(props []any) int {
	for i, p := range props {
		switch p.(type) {
		case heif.IROT, heif.IMIR, heif.CLAP:
			return i
		}
	}
	return len(props)
}

// sameItems fails unless a and b have the same items, references, item
// data and, for every item but those in skip, the same properties.
func sameItems(tb testing.TB, a, b *heif.File, skip ...uint32) {
	tb.Helper()
	if !reflect.DeepEqual(a.Items(), b.Items()) {
		tb.Fatalf("items differ:\n%+v\n%+v", a.Items(), b.Items())
	}
	ra, rb := a.References(), b.References()
	if len(ra) != len(rb) {
		tb.Fatalf("%d references, want %d", len(rb), len(ra))
	}
	for i := range ra {
		if ra[i].Type != rb[i].Type || ra[i].From != rb[i].From || !reflect.DeepEqual(ra[i].To, rb[i].To) {
			tb.Errorf("reference %d: %+v, want %+v", i, rb[i], ra[i])
		}
	}
	if a.Primary() != b.Primary() {
		tb.Errorf("primary %+v, want %+v", b.Primary(), a.Primary())
	}
	for _, it := range a.Items() {
		da, errA := a.ItemData(it.ID)
		db, errB := b.ItemData(it.ID)
		if errA != nil || errB != nil || !bytes.Equal(da, db) {
			tb.Errorf("item %d (%s): data differs (%d and %d bytes; %v, %v)", it.ID, it.Type, len(da), len(db), errA, errB)
		}
		if !slices.Contains(skip, it.ID) && !reflect.DeepEqual(a.Properties(it.ID), b.Properties(it.ID)) {
			tb.Errorf("item %d (%s): properties differ", it.ID, it.Type)
		}
	}
}

// metaSize returns the size of the top-level meta box (after ftyp).
func metaSize(tb testing.TB, data []byte) int {
	tb.Helper()
	ftyp := int(binary.BigEndian.Uint32(data))
	if string(data[ftyp+4:ftyp+8]) != "meta" {
		tb.Fatal("no meta box after ftyp")
	}
	return int(binary.BigEndian.Uint32(data[ftyp:]))
}

func TestEmbedICC(t *testing.T) {
	for name, icc := range iccProfiles(t) {
		for _, c := range embedCases() {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				data := c.data(t)
				before := mustParse(t, data)
				if before.ICC() != nil {
					t.Fatal("the fixture already has a profile")
				}
				out, err := heif.EmbedICC(data, icc)
				if err != nil {
					t.Fatal(err)
				}
				after := mustParse(t, out)
				primary := after.Primary().ID

				// (1) The profile is the primary image's, once; the alpha
				// plane has none; nclx is kept.
				if !bytes.Equal(after.ICC(), icc) {
					t.Errorf("ICC() = %d bytes, want the %d embedded", len(after.ICC()), len(icc))
				}
				if cs := iccColrs(after, primary); len(cs) != 1 || cs[0].Type != "prof" {
					t.Errorf("primary ICC colr properties: %d, want one prof", len(cs))
				}
				if id, ok := after.Alpha(); ok {
					if cs := iccColrs(after, id); len(cs) != 0 {
						t.Errorf("alpha item %d has %d ICC colr properties", id, len(cs))
					}
				} else if _, had := before.Alpha(); had {
					t.Error("alpha plane lost")
				}
				n1, ok1 := before.NCLX()
				n2, ok2 := after.NCLX()
				if n1 != n2 || ok1 != ok2 {
					t.Errorf("nclx %+v %v, want %+v %v", n2, ok2, n1, ok1)
				}

				// (3) Same items, references, coded data, other items'
				// properties; the primary's gains the colr before its
				// transforms.
				sameItems(t, before, after, primary)
				pb, pa := before.Properties(primary), after.Properties(primary)
				rest, at := withoutICC(pa)
				if !reflect.DeepEqual(rest, pb) {
					t.Errorf("primary properties %v, want %v plus the colr", rest, pb)
				}
				if want := firstTransform(pb); at != want {
					t.Errorf("colr at %d among the primary's properties, want %d (before the transforms)", at, want)
				}

				// No padding: the rebuilt input plus the colr box and one
				// association byte.
				re, err := before.Rewrite(nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := len(re) + 12 + len(icc) + 1; len(out) != want {
					t.Errorf("%d bytes, want %d (%d rebuilt + colr + association)", len(out), want, len(re))
				}
				if c.avif && !bytes.Equal(re, data) {
					t.Error("rebuilding an AVIF without changes changed it")
				}

				// (2) The reference decoder finds the profile and decodes
				// the same pixels; so does this package.
				refBefore, iccBefore := refDecode(t, data, c.avif)
				refAfter, iccAfter := refDecode(t, out, c.avif)
				if iccBefore != nil {
					t.Errorf("the reference decoder found a %d-byte profile before embedding", len(iccBefore))
				}
				if !bytes.Equal(iccAfter, icc) {
					t.Errorf("the reference decoder found a %d-byte profile, want the %d embedded", len(iccAfter), len(icc))
				}
				samePixels(t, "reference decoder", refBefore, refAfter)
				ownBefore, _ := decode(t, data)
				ownAfter, _ := decode(t, out)
				samePixels(t, "codecs.Decode", ownBefore, ownAfter)

				info := toolOutput(t, "heif-info", out)
				if !strings.Contains(info, "color profile: prof") {
					t.Errorf("heif-info does not report the profile:\n%s", info)
				}
				if c.avif {
					info := toolOutput(t, "avifdec", out, "--info")
					if want := fmt.Sprintf("ICC Profile    : Present (%d bytes)", len(icc)); !strings.Contains(info, want) {
						t.Errorf("avifdec --info does not say %q:\n%s", want, info)
					}
				}
			})
		}
	}
}

// TestEmbedICCLikeAvifenc compares EmbedICC's output with what avifenc
// --icc writes from the same picture: the same items with the same kinds
// of properties (an nclx and a prof colr on the primary, none on the
// alpha plane), the same profile, and a meta box grown by the same bytes.
// avifenc also sets the nclx colour primaries and transfer to unspecified
// (2) when given a profile; EmbedICC leaves the nclx as the encoder wrote
// it (readers take the primaries and transfer from the ICC profile when
// there is one: libavif's users, Chrome, libheif).
func TestEmbedICCLikeAvifenc(t *testing.T) {
	dir := t.TempDir()
	in := testimage.WriteFile(t, dir, "in.png", testimage.PNG(photo(96, 64, true)))
	prof := testimage.WriteFile(t, dir, "p3.icc", p3ICC)
	plainPath, iccPath := filepath.Join(dir, "plain.avif"), filepath.Join(dir, "icc.avif")
	testimage.Run(t, "avifenc", "-s", "9", "-y", "420", in, plainPath)
	testimage.Run(t, "avifenc", "-s", "9", "-y", "420", "--icc", prof, in, iccPath)
	plain, err := os.ReadFile(plainPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(iccPath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := heif.EmbedICC(plain, p3ICC)
	if err != nil {
		t.Fatal(err)
	}
	g, w := mustParse(t, got), mustParse(t, want)
	if !reflect.DeepEqual(g.Items(), w.Items()) || g.Primary() != w.Primary() {
		t.Fatalf("items %+v, avifenc --icc %+v", g.Items(), w.Items())
	}
	kinds := func(f *heif.File, id uint32) map[string]int {
		m := map[string]int{}
		for _, p := range f.Properties(id) {
			k := fmt.Sprintf("%T", p)
			if c, ok := p.(heif.Colour); ok {
				k += "/" + c.Type
			}
			m[k]++
		}
		return m
	}
	for _, it := range w.Items() {
		if gk, wk := kinds(g, it.ID), kinds(w, it.ID); !reflect.DeepEqual(gk, wk) {
			t.Errorf("item %d properties %v, avifenc --icc %v", it.ID, gk, wk)
		}
	}
	if !bytes.Equal(g.ICC(), w.ICC()) {
		t.Error("profiles differ")
	}
	if dg, dw := metaSize(t, got)-metaSize(t, plain), metaSize(t, want)-metaSize(t, plain); dg != dw {
		t.Errorf("meta grew by %d bytes, avifenc --icc's by %d", dg, dw)
	}
	gn, _ := g.NCLX()
	wn, _ := w.NCLX()
	t.Logf("nclx: ours %+v, avifenc --icc %+v", gn, wn)
	for _, d := range [][]byte{got, want} {
		if _, p := refDecode(t, d, true); !bytes.Equal(p, p3ICC) {
			t.Errorf("avifdec found a %d-byte profile", len(p))
		}
	}
}

func TestEmbedICCReplaces(t *testing.T) {
	for _, c := range []embedCase{embedCases()[0], embedCases()[6]} {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			once, err := heif.EmbedICC(data, p3ICC)
			if err != nil {
				t.Fatal(err)
			}
			twice, err := heif.EmbedICC(once, p3ICC)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(once, twice) {
				t.Error("embedding the same profile twice changed the file")
			}
			other, err := heif.EmbedICC(once, adobeICC)
			if err != nil {
				t.Fatal(err)
			}
			f := mustParse(t, other)
			if !bytes.Equal(f.ICC(), adobeICC) {
				t.Error("the second profile did not replace the first")
			}
			if cs := iccColrs(f, f.Primary().ID); len(cs) != 1 {
				t.Errorf("%d ICC colr properties on the primary", len(cs))
			}
			if want := len(once) - len(p3ICC) + len(adobeICC); len(other) != want {
				t.Errorf("%d bytes, want %d (the profile swapped in place)", len(other), want)
			}
			sameItems(t, mustParse(t, data), f, f.Primary().ID)
			_, p := refDecode(t, other, c.avif)
			if !bytes.Equal(p, adobeICC) {
				t.Errorf("the reference decoder found a %d-byte profile", len(p))
			}
		})
	}
}

// TestEmbedICCBrokenColr gives the primary a restricted (rICC) and an
// unrestricted profile at once, which HEIF forbids: both go, for one prof.
func TestEmbedICCBrokenColr(t *testing.T) {
	f := mustParse(t, heifEnc(t, photo(96, 64, false), "-q", "60"))
	data, err := heif.WithProperties(f, f.Primary().ID, colrBox("rICC", p3ICC), colrBox("prof", p3ICC))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(iccColrs(mustParse(t, data), f.Primary().ID)); n != 2 {
		t.Fatalf("the fixture has %d ICC colr properties", n)
	}
	out, err := heif.EmbedICC(data, adobeICC)
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, out)
	if cs := iccColrs(g, g.Primary().ID); len(cs) != 1 || cs[0].Type != "prof" || !bytes.Equal(cs[0].ICC, adobeICC) {
		t.Errorf("ICC colr properties after embedding: %s", describe(cs))
	}
	if _, p := refDecode(t, out, false); !bytes.Equal(p, adobeICC) {
		t.Errorf("heif-convert found a %d-byte profile", len(p))
	}
}

// TestEmbedICCSharedColr embeds into a file whose alpha plane shares the
// primary's ICC colr property: the alpha plane keeps the old profile.
func TestEmbedICCSharedColr(t *testing.T) {
	data, err := heif.EmbedICC(avifEnc(t, photo(96, 64, true), "-y", "420"), p3ICC)
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, data)
	alpha, ok := f.Alpha()
	if !ok {
		t.Fatal("no alpha plane")
	}
	// Point the alpha plane's pixi association (the property after its
	// ispe) at the primary's colr: in ipma, the entries are item ID (16
	// bits), count, then one byte per association.
	ipma := bytes.Index(data, []byte("ipma"))
	entry := append(binary.BigEndian.AppendUint16(nil, uint16(alpha)), 4)
	k := bytes.Index(data[ipma:], entry)
	if k < 0 {
		t.Fatal("alpha's ipma entry not found")
	}
	// EmbedICC appended the colr: it is the last property of ipco.
	colr := ipcoCount(t, data)
	shared := bytes.Clone(data)
	npixi := 0
	for i, p := range f.Properties(alpha) {
		if _, isPixi := p.(heif.PIXI); isPixi {
			shared[ipma+k+len(entry)+i] = byte(colr)
			npixi++
		}
	}
	if npixi != 1 {
		t.Fatalf("alpha has %d pixi properties", npixi)
	}
	s := mustParse(t, shared)
	if cs := iccColrs(s, alpha); len(cs) != 1 || !bytes.Equal(cs[0].ICC, p3ICC) {
		t.Fatalf("the crafted alpha plane has ICC colrs %s", describe(cs))
	}
	out, err := heif.EmbedICC(shared, adobeICC)
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, out)
	if !bytes.Equal(g.ICC(), adobeICC) {
		t.Error("primary profile not replaced")
	}
	if cs := iccColrs(g, alpha); len(cs) != 1 || !bytes.Equal(cs[0].ICC, p3ICC) {
		t.Errorf("the alpha plane's profile changed: %s", describe(cs))
	}
	sameItems(t, s, g, g.Primary().ID)
}

// ipcoCount returns the number of property boxes in ipco.
func ipcoCount(tb testing.TB, data []byte) int {
	tb.Helper()
	at := bytes.Index(data, []byte("ipco")) - 4
	if at < 0 {
		tb.Fatal("no ipco")
	}
	end := at + int(binary.BigEndian.Uint32(data[at:]))
	n := 0
	for p := at + 8; p < end; p += int(binary.BigEndian.Uint32(data[p:])) {
		n++
	}
	return n
}

// TestHostileEmbedICC feeds EmbedICC damaged and foreign files: each is
// refused with codecs.ErrCorrupt, never a panic.
func TestHostileEmbedICC(t *testing.T) {
	files := map[string][]byte{
		"avif": avifEnc(t, photo(96, 64, true), "-y", "420"),
		"heic": heifEnc(t, photo(96, 64, true), "-q", "50"),
	}
	cases := map[string][]byte{
		"empty":     nil,
		"png":       testimage.PNG(photo(8, 8, false)),
		"jpeg":      testimage.JPEG(photo(8, 8, false), 80),
		"text":      []byte("not an image at all, just some words"),
		"only ftyp": []byte("\x00\x00\x00\x10ftypavif\x00\x00\x00\x00"),
	}
	for kind, data := range files {
		// Cut short at about a hundred places, across every box and
		// through mdat: every cut loses some item data.
		for n := 0; n < len(data); n += max(1, len(data)/97) {
			cases[fmt.Sprintf("%s cut at %d of %d", kind, n, len(data))] = data[:n]
		}
		// pitm names an item that does not exist.
		at := bytes.Index(data, []byte("pitm"))
		b := bytes.Clone(data)
		binary.BigEndian.PutUint16(b[at+8:], 999)
		cases[kind+" primary missing"] = b
		// No pitm box at all.
		b = bytes.Clone(data)
		copy(b[at:], "pitX")
		cases[kind+" no pitm"] = b
		cases[kind+" data past EOF"] = extentPastEOF(t, data)
	}
	for name, data := range cases {
		out, err := heif.EmbedICC(data, p3ICC)
		if !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%s: %d bytes, err = %v, want ErrCorrupt", name, len(out), err)
		}
	}

	// A profile too large for the boxes it would go into.
	if _, err := heif.EmbedICC(files["avif"], make([]byte, heif.MaxICC+1)); !errors.Is(err, codecs.ErrTooLarge) {
		t.Errorf("a %d-byte profile: err = %v, want ErrTooLarge", heif.MaxICC+1, err)
	}
	// No profile: the input comes back as it is, checked or not.
	for _, icc := range [][]byte{nil, {}} {
		for name, data := range map[string][]byte{"avif": files["avif"], "text": cases["text"]} {
			out, err := heif.EmbedICC(data, icc)
			if err != nil || &out[0] != &data[0] || len(out) != len(data) {
				t.Errorf("%s with no profile: %d bytes, %v; want the input", name, len(out), err)
			}
		}
	}
}

// TestEmbedICCCorpusHEIC replaces the Display P3 profile of the corpus's
// iPhone photo, a grid whose 42 tiles share the grid's colr property.
func TestEmbedICCCorpusHEIC(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes a 8.5 MP photo twice with heif-convert")
	}
	data := corpusHEIC(t)
	f := mustParse(t, data)
	old := f.ICC()
	out, err := heif.EmbedICC(data, adobeICC)
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, out)
	if !bytes.Equal(g.ICC(), adobeICC) {
		t.Fatal("profile not replaced")
	}
	if cs := iccColrs(g, g.Primary().ID); len(cs) != 1 {
		t.Errorf("primary ICC colrs %s", describe(cs))
	}
	// The tiles share the grid's colr property, which is replaced in
	// place: they carry the new profile too, and nothing else changes.
	m, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, f, g, append([]uint32{g.Primary().ID}, m.Tiles...)...)
	for _, id := range append([]uint32{g.Primary().ID}, m.Tiles...) {
		was, _ := withoutICC(f.Properties(id))
		now, _ := withoutICC(g.Properties(id))
		if cs := iccColrs(g, id); len(cs) != 1 || !bytes.Equal(cs[0].ICC, adobeICC) || !reflect.DeepEqual(was, now) {
			t.Errorf("item %d: ICC colrs %s; other properties kept: %v", id, describe(cs), reflect.DeepEqual(was, now))
		}
	}
	re, err := f.Rewrite(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(re) - len(old) + len(adobeICC); len(out) != want {
		t.Errorf("%d bytes, want %d (the profile swapped in place)", len(out), want)
	}
	refBefore, _ := refDecode(t, data, false)
	refAfter, p := refDecode(t, out, false)
	if !bytes.Equal(p, adobeICC) {
		t.Errorf("heif-convert found a %d-byte profile", len(p))
	}
	samePixels(t, "heif-convert", refBefore, refAfter)
}
