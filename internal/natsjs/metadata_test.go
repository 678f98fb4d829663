package natsjs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/gcerrors"
)

func TestHeaderEncodingRoundTrip(t *testing.T) {
	md := map[string]string{
		"":                     "empty key",
		"content-type":         "image/jpeg",
		"Nats-Msg-Id":          "must not reach JetStream deduplication",
		"nats-expected-stream": "x",
		"Status":               "404",
		"description":          "not a status message",
		"a:b (c) [d]":          " leading and trailing spaces ",
		"50%":                  "100%",
		"%41":                  "%zz",
		"unicode ☺":            "☺☺☺",
		"crlf\r\nkey":          "crlf\r\nvalue",
		"tab\tkey":             "tab\tvalue",
		"empty value":          "",
	}
	for i := range 128 {
		s := string(rune(i))
		md["k"+s] = "v" + s
	}
	h, err := encodeHeaders(md)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		if reservedKey(k) {
			t.Errorf("encoded key %q is reserved", k)
		}
		for i := 0; i < len(k); i++ {
			if k[i] <= ' ' || k[i] >= 0x7f || !isTokenChar(k[i]) {
				t.Errorf("encoded key %q contains %q", k, k[i])
			}
		}
		for i := 0; i < len(vs[0]); i++ {
			if c := vs[0][i]; c <= ' ' || c >= 0x7f {
				t.Errorf("encoded value %q contains %q", vs[0], c)
			}
		}
	}
	if diff := cmp.Diff(md, decodeHeaders(h)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestHeaderDecodingForeign(t *testing.T) {
	// Headers from other NATS publishers: reserved ones are dropped, and
	// values that are not valid escapes pass through.
	h := map[string][]string{
		"Nats-Msg-Id": {"abc"},
		"X-Rate":      {"50%"},
		"X-Plain":     {"hello"},
	}
	want := map[string]string{"X-Rate": "50%", "X-Plain": "hello"}
	if diff := cmp.Diff(want, decodeHeaders(h)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHeaderEncodingRejectsNonUTF8(t *testing.T) {
	for _, md := range []map[string]string{{"\xff": "v"}, {"k": "\xff"}} {
		if _, err := encodeHeaders(md); err == nil {
			t.Errorf("encodeHeaders(%q) succeeded, want error", md)
		} else if errorCode(err) != gcerrors.InvalidArgument {
			t.Errorf("encodeHeaders(%q) error code %v, want InvalidArgument", md, errorCode(err))
		}
	}
}
