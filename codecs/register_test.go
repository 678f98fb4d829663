package codecs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"slices"
	"testing"

	"github.com/blobimage/blobimage/codecs"
)

// fakeEncoder registers an encoder under RegisterEncoder for the test.
func fakeEncoder(t *testing.T, e codecs.Encoder) {
	t.Helper()
	codecs.RegisterEncoder(e)
	t.Cleanup(func() { codecs.UnregisterForTest(e.Format) })
}

// writes returns an encode function that writes s.
func writes(s string) func(io.Writer, image.Image, codecs.EncodeOptions) error {
	return func(w io.Writer, _ image.Image, _ codecs.EncodeOptions) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// TestRegisterEncoderAlone: a format with an encoder and no decoder can be
// written and named, and is never sniffed or decoded.
func TestRegisterEncoderAlone(t *testing.T) {
	const f codecs.Format = "fakeenc"
	fakeEncoder(t, codecs.Encoder{Format: f, MediaType: "image/x-fake", Ext: ".fake", Encode: writes("FAKE")})
	c, ok := codecs.Lookup(f)
	if !ok || c.Format != f || c.Match != nil || c.Decode != nil || c.DecodeConfig != nil {
		t.Fatalf("Lookup = %+v, %v", c, ok)
	}
	if !codecs.CanEncode(f) || f.MediaType() != "image/x-fake" || f.Ext() != ".fake" {
		t.Errorf("CanEncode %v, MediaType %q, Ext %q", codecs.CanEncode(f), f.MediaType(), f.Ext())
	}
	if !slices.Contains(codecs.Formats(), f) {
		t.Errorf("Formats() = %v, missing %s", codecs.Formats(), f)
	}
	var buf bytes.Buffer
	if err := codecs.Encode(&buf, quads(4, 4), f, codecs.EncodeOptions{}); err != nil || buf.String() != "FAKE" {
		t.Errorf("Encode: %q, %v", buf.String(), err)
	}
	if _, err := codecs.Sniff([]byte("FAKE")); !errors.Is(err, codecs.ErrNotImage) {
		t.Errorf("Sniff of the encoder's output: %v, want ErrNotImage", err)
	}
}

// TestRegisterEncoderBesideDecoder: an encoder registered apart is merged
// with the format's decoder, takes the place of the codec's own encoder,
// and survives the decoder being registered again, in either order.
func TestRegisterEncoderBesideDecoder(t *testing.T) {
	const f codecs.Format = "fakeboth"
	dec := codecs.Codec{
		Format:       f,
		MediaType:    "image/x-both",
		Ext:          ".both",
		Match:        fakeMatch("BOTH"),
		DecodeConfig: fixedConfig(3, 2),
		Decode:       func(io.Reader) (image.Image, error) { return image.NewGray(image.Rect(0, 0, 3, 2)), nil },
		Encode:       writes("codec's own"),
	}
	enc := codecs.Encoder{Format: f, MediaType: "image/x-other", Ext: ".other",
		EncodeContext: func(ctx context.Context, w io.Writer, img image.Image, o codecs.EncodeOptions) error {
			return writes("separate")(w, img, o)
		}}
	for _, order := range []string{"decoder first", "encoder first"} {
		t.Run(order, func(t *testing.T) {
			if order == "decoder first" {
				fakeCodec(t, dec)
				fakeEncoder(t, enc)
			} else {
				fakeEncoder(t, enc)
				codecs.Register(dec)
			}
			if f.MediaType() != "image/x-both" || f.Ext() != ".both" {
				t.Errorf("MediaType %q, Ext %q: the decoder's should win", f.MediaType(), f.Ext())
			}
			var buf bytes.Buffer
			if err := codecs.Encode(&buf, quads(4, 4), f, codecs.EncodeOptions{}); err != nil || buf.String() != "separate" {
				t.Errorf("Encode: %q, %v; want the separate encoder", buf.String(), err)
			}
			img, info, err := codecs.Decode(context.Background(), []byte("BOTH"), codecs.Limits{})
			if err != nil || info.Format != f || img.Bounds().Dx() != 3 {
				t.Errorf("Decode: %v, %+v, %v", img, info, err)
			}
			if n := countOf(codecs.Formats(), f); n != 1 {
				t.Errorf("Formats() lists %s %d times", f, n)
			}
		})
	}
}

func TestRegisterEncoderPanics(t *testing.T) {
	for _, e := range []codecs.Encoder{
		{MediaType: "image/x", Ext: ".x", Encode: writes("")},
		{Format: "x", Ext: ".x", Encode: writes("")},
		{Format: "x", MediaType: "image/x", Encode: writes("")},
		{Format: "x", MediaType: "image/x", Ext: ".x"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterEncoder(%+v) did not panic", e)
				}
			}()
			codecs.RegisterEncoder(e)
		}()
	}
	if _, ok := codecs.Lookup("x"); ok {
		t.Error("a refused encoder was registered")
	}
}

func countOf(fs []codecs.Format, f codecs.Format) int {
	n := 0
	for _, g := range fs {
		if g == f {
			n++
		}
	}
	return n
}
