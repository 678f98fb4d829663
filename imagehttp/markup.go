package imagehttp

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/thumbhash"
	"github.com/blobimage/blobimage/variants"
)

// Responsive markup: what a page needs to let the browser pick the right
// bytes for an image. An ImageFile's variants that show the whole picture
// (the original's aspect: fit and resize variants, not crops) form a
// srcset ladder with width descriptors; each alternate encoding (AVIF,
// WebP) becomes a <source type=…> of a <picture>, so a browser that reads
// it takes it and others fall back to the <img>. The width and height
// attributes are the displayed size, so the page reserves the right box
// before a byte arrives, and the placeholder (the ThumbHash rendered as a
// tiny PNG) or the average colour paints that box until the image covers
// it. None of it needs JavaScript.

// MarkupOptions tune Responsive.
type MarkupOptions struct {
	// Variants are the variants the srcset chooses among. nil means every
	// variant that shows the whole picture (the original's aspect within
	// rounding: fit and resize variants, not crops) and has a known
	// width. Named variants are taken as named, a ladder of crops
	// included: those of the widest one's aspect are kept (width
	// descriptors assume one picture at several sizes), and width and
	// height are then the widest one's.
	Variants []string
	// Widths, when set, makes the ladder of on-demand widths instead of
	// variants (the widths a rule's on_demand allows, e.g.
	// store.Rule(key).OnDemand.Widths): one candidate per width, those
	// wider than the picture given as its own width, each URL asking the
	// image handler for ?w=W, which picks the format by the Accept header
	// (so no <source> is needed). URL is not used for them; WidthURL is.
	Widths []int
	// WidthURL returns the URL of an on-demand width; nil means the image
	// handler's at ImagePrefix.
	WidthURL func(f *blobimage.ImageFile, w int) string
	// Original adds the original to the ladder, as its widest candidate,
	// when its format is one browsers read (JPEG, PNG, GIF, WebP, AVIF).
	// It is used anyway when no variant qualifies.
	Original bool
	// SrcWidth is the width the fallback src should have at least: the
	// narrowest candidate as wide is the src (the widest when none is).
	// 0 means 800.
	SrcWidth int
	// Sizes is the sizes attribute: how wide the image is shown, e.g.
	// "(max-width: 600px) 100vw, 600px". "" means "(max-width: Wpx)
	// 100vw, Wpx" for the widest candidate's W: at its natural size,
	// never wider than the viewport.
	Sizes string
	// Alt is the alternative text.
	Alt string
	// URL returns the URL of an encoding of a variant ("" for the
	// original; format "" for its fallback encoding). nil means this
	// package's image handler mounted at ImagePrefix, or, when set, the
	// Variant's and Encoding's own URL fields (public or signed URLs).
	URL func(f *blobimage.ImageFile, variant string, format codecs.Format) string
	// ImagePrefix is the route of NewImageHandler for the default URLs;
	// "" means "/img/".
	ImagePrefix string
	// Eager leaves out loading="lazy" (for an image above the fold).
	Eager bool
	// NoPlaceholder leaves out the painted placeholder; Color paints only
	// the average colour, not the ThumbHash image (a smaller page).
	NoPlaceholder, Color bool
	// Class is the class attribute of the <img>.
	Class string
}

// Markup is the attributes of an image's responsive markup, for a page's
// own template, or written whole by Img and Picture.
type Markup struct {
	// Src is the fallback URL, for browsers without srcset: the
	// narrowest candidate at least MarkupOptions.SrcWidth wide, else the
	// widest.
	Src string
	// Srcset lists the fallback encoding's candidates, "URL 400w, …".
	Srcset string
	// Sizes is the sizes attribute.
	Sizes string
	// Width and Height are the displayed size of the picture.
	Width, Height int
	// Alt is the alternative text.
	Alt string
	// Style paints the placeholder: background-color, and the ThumbHash
	// as a data: PNG sized to cover the box ("" with NoPlaceholder). It is
	// made of a checked colour and base64 only, so it is typed as safe CSS
	// for html/template.
	Style template.CSS
	// Lazy asks for loading="lazy" and decoding="async".
	Lazy bool
	// Class is the <img>'s class.
	Class string
	// Sources are the <picture>'s alternate encodings, most preferred
	// first.
	Sources []Source
}

// Source is one <source> of a <picture>: a media type and its candidates.
type Source struct {
	Type   string
	Srcset string
}

// candidate is one rung of the ladder.
type candidate struct {
	variant string // "" for the original
	width   int
	v       blobimage.Variant
	ask     int // the on-demand width to ask for (width is what comes)
}

// Responsive returns the markup of f's image as the options say.
func Responsive(f *blobimage.ImageFile, o MarkupOptions) Markup {
	m := Markup{Width: f.Width, Height: f.Height, Alt: o.Alt, Lazy: !o.Eager, Class: o.Class}
	url := o.URL
	if url == nil {
		url = defaultURL(o.ImagePrefix)
	}
	ladder := ladderOf(f, o)
	widthURL := func(w int) string {
		if o.WidthURL != nil {
			return o.WidthURL(f, w)
		}
		path, query := KeyPath(f.Key)
		if query != "" {
			query += "&"
		}
		return cmp.Or(o.ImagePrefix, "/img/") + path + "?" + query + "w=" + strconv.Itoa(w)
	}
	widest := ladder[len(ladder)-1]
	if widest.variant != "" && !variants.SameAspect(widest.v.Width, widest.v.Height, f.Width, f.Height) {
		m.Width, m.Height = widest.v.Width, widest.v.Height // a ladder of crops
	}
	m.Sizes = o.Sizes
	if m.Sizes == "" {
		m.Sizes = fmt.Sprintf("(max-width: %dpx) 100vw, %dpx", widest.width, widest.width)
	}
	srcWidth := o.SrcWidth
	if srcWidth <= 0 {
		srcWidth = 800
	}
	src := widest
	for _, c := range ladder {
		if c.width >= srcWidth {
			src = c
			break
		}
	}
	m.Src = url(f, src.variant, "")
	m.Srcset = srcset(ladder, func(c candidate) string { return url(f, c.variant, "") })
	if len(o.Widths) > 0 && src.variant == "" {
		// On-demand widths: the handler negotiates the format, so there
		// are no sources.
		m.Src, m.Srcset = widthURL(src.ask), srcset(ladder, func(c candidate) string { return widthURL(c.ask) })
	}
	// One <source> per alternate format, in the order of preference of
	// the first variant that has it; each lists the candidates encoded in
	// it (all of them, when the variants share their formats).
	var formats []codecs.Format
	for _, c := range ladder {
		for _, e := range c.v.Alternates {
			if !slices.Contains(formats, e.Format) {
				formats = append(formats, e.Format)
			}
		}
	}
	for _, fm := range formats {
		var rungs []candidate
		for _, c := range ladder {
			if _, ok := c.v.Encoding(fm); ok && c.variant != "" {
				rungs = append(rungs, c)
			}
		}
		m.Sources = append(m.Sources, Source{Type: fm.MediaType(),
			Srcset: srcset(rungs, func(c candidate) string { return url(f, c.variant, fm) })})
	}
	if !o.NoPlaceholder {
		m.Style = placeholderStyle(f, o.Color)
	}
	return m
}

// ladderOf picks the candidates, narrowest first; never empty (the
// original is the last resort).
func ladderOf(f *blobimage.ImageFile, o MarkupOptions) []candidate {
	var ladder []candidate
	if len(o.Widths) > 0 {
		for _, w := range o.Widths {
			if w > 0 {
				ladder = append(ladder, candidate{width: min(w, f.Width), ask: w})
			}
		}
		// Narrowest first; of the widths a picture narrower than them
		// gets whole, the first asked for.
		slices.SortStableFunc(ladder, func(a, b candidate) int { return cmp.Or(a.width-b.width, a.ask-b.ask) })
		if ladder = slices.CompactFunc(ladder, func(a, b candidate) bool { return a.width == b.width }); len(ladder) > 0 {
			return ladder
		}
	}
	names := o.Variants
	if names == nil {
		for name, v := range f.Variants {
			if variants.SameAspect(v.Width, v.Height, f.Width, f.Height) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
	}
	for _, name := range names {
		if v, ok := f.Variants[name]; ok && v.Width > 0 && v.Height > 0 {
			ladder = append(ladder, candidate{variant: name, width: v.Width, v: v})
		}
	}
	// Narrowest first; of two of the same width, the first named.
	slices.SortStableFunc(ladder, func(a, b candidate) int { return a.width - b.width })
	ladder = slices.CompactFunc(ladder, func(a, b candidate) bool { return a.width == b.width })
	if len(ladder) > 0 {
		w := ladder[len(ladder)-1].v
		ladder = slices.DeleteFunc(ladder, func(c candidate) bool { return !variants.SameAspect(c.v.Width, c.v.Height, w.Width, w.Height) })
	}
	whole := len(ladder) == 0 || variants.SameAspect(ladder[0].v.Width, ladder[0].v.Height, f.Width, f.Height)
	if len(ladder) == 0 || (o.Original && whole && browserFormat(f.Format) && f.Width > ladder[len(ladder)-1].width) {
		ladder = append(ladder, candidate{width: f.Width})
	}
	return ladder
}

// browserFormat reports whether browsers show format f in an <img>.
func browserFormat(f codecs.Format) bool {
	switch f {
	case codecs.JPEG, codecs.PNG, codecs.GIF, codecs.WebP, codecs.AVIF:
		return true
	}
	return false
}

// srcset writes candidates as "URL Ww, …". URLs are percent-encoded by
// the URL function; a comma or space in one would split it, so they are
// escaped here as well.
func srcset(ladder []candidate, url func(candidate) string) string {
	parts := make([]string, 0, len(ladder))
	for _, c := range ladder {
		u := strings.NewReplacer(",", "%2C", " ", "%20").Replace(url(c))
		parts = append(parts, u+" "+strconv.Itoa(c.width)+"w")
	}
	return strings.Join(parts, ", ")
}

// defaultURL is the image handler's URL form under prefix, or the
// Variant's own URL where the Store made one.
func defaultURL(prefix string) func(f *blobimage.ImageFile, variant string, format codecs.Format) string {
	if prefix == "" {
		prefix = "/img/"
	}
	return func(f *blobimage.ImageFile, variant string, format codecs.Format) string {
		if v, ok := f.Variants[variant]; ok {
			if e, ok := v.Encoding(format); format != "" && ok && e.URL != "" {
				return e.URL
			}
			if format == "" && v.URL != "" {
				return v.URL
			}
		}
		path, query := KeyPath(f.Key)
		q := url.Values{}
		if query != "" {
			q.Set("key", f.Key)
		}
		if variant != "" {
			q.Set("variant", variant)
		}
		if format != "" {
			q.Set("format", string(format))
		}
		u := prefix + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return u
	}
}

// placeholderStyle paints f's average colour and, unless colorOnly, its
// ThumbHash as a data: PNG covering the box. A Content-Security-Policy
// must allow data: images (img-src data:) for the latter.
//
// A picture with transparent pixels gets none: the placeholder would
// show through them once the image has loaded.
func placeholderStyle(f *blobimage.ImageFile, colorOnly bool) template.CSS {
	if hash, err := base64.StdEncoding.DecodeString(f.Placeholder); err == nil && len(hash) > 0 {
		if avg, err := thumbhash.AverageColor(hash); err != nil || avg.A < 255 {
			return ""
		}
	}
	var style []string
	if validColor(f.Color) {
		style = append(style, "background-color:"+f.Color)
	}
	if !colorOnly && f.Placeholder != "" {
		if uri, err := PlaceholderDataURL(f.Placeholder); err == nil {
			style = append(style, "background-image:url("+uri+")", "background-size:cover", "background-repeat:no-repeat")
		}
	}
	return template.CSS(strings.Join(style, ";"))
}

// validColor reports "#rrggbb" in lower-case hex.
func validColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// PlaceholderDataURL renders a placeholder (ImageFile.Placeholder: a
// ThumbHash in standard base64) as a data: URL of a PNG of at most 32×32
// pixels, a few hundred bytes, for a CSS background or an <img> src.
func PlaceholderDataURL(placeholder string) (string, error) {
	hash, err := base64.StdEncoding.DecodeString(placeholder)
	if err != nil {
		return "", fmt.Errorf("imagehttp: placeholder: %w", err)
	}
	img, err := thumbhash.Decode(hash)
	if err != nil {
		return "", fmt.Errorf("imagehttp: placeholder: %w", err)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("imagehttp: placeholder: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// markupTemplates write Img and Picture; html/template escapes every
// attribute (URLs included: the srcset is a list of URLs, which the
// template treats as text after the URL function has made them).
var markupTemplates = template.Must(template.New("img").Parse(
	`<img src="{{.Src}}"{{if .Srcset}} srcset="{{.Srcset}}" sizes="{{.Sizes}}"{{end}} width="{{.Width}}" height="{{.Height}}" alt="{{.Alt}}"` +
		`{{if .Lazy}} loading="lazy" decoding="async"{{end}}{{if .Class}} class="{{.Class}}"{{end}}{{if .Style}} style="{{.Style}}"{{end}}>`))

func init() {
	template.Must(markupTemplates.New("picture").Parse(
		`<picture>{{range .Sources}}<source type="{{.Type}}" srcset="{{.Srcset}}" sizes="{{$.Sizes}}">{{end}}{{template "img" .}}</picture>`))
}

// Img writes the markup as an <img> with srcset, sizes, width, height and
// the placeholder: the fallback encoding only.
func (m Markup) Img() template.HTML { return m.execute("img") }

// Picture writes the markup as a <picture>: a <source type=…> per
// alternate encoding, then the <img>.
func (m Markup) Picture() template.HTML { return m.execute("picture") }

func (m Markup) execute(name string) template.HTML {
	var buf bytes.Buffer
	if err := markupTemplates.ExecuteTemplate(&buf, name, m); err != nil {
		// The templates are fixed and every value is a string or int:
		// only a broken build fails here.
		panic(fmt.Sprintf("imagehttp: markup: %v", err))
	}
	return template.HTML(buf.String())
}
