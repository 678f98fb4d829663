package natsjs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

// emptyKey is how an empty metadata key is written as a header name (NATS
// drops headers with empty names). A lone '%' is never produced otherwise,
// because '%' itself is always escaped.
const emptyKey = "%"

// encodeHeaders converts pubsub metadata into NATS headers.
func encodeHeaders(md map[string]string) (nats.Header, error) {
	if len(md) == 0 {
		return nil, nil
	}
	h := make(nats.Header, len(md))
	for k, v := range md {
		if !utf8.ValidString(k) {
			return nil, &invalidMetadataError{fmt.Sprintf("metadata key %q is not valid UTF-8", k)}
		}
		if !utf8.ValidString(v) {
			return nil, &invalidMetadataError{fmt.Sprintf("metadata value %q for key %q is not valid UTF-8", v, k)}
		}
		h[encodeKey(k)] = []string{escape(v, false)}
	}
	return h, nil
}

// decodeHeaders converts NATS headers back into pubsub metadata. Headers
// that are reserved by NATS (set by the server or client library, never by
// encodeHeaders) are dropped. Headers that were not written by this package
// and do not decode are passed through unchanged.
func decodeHeaders(h nats.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	md := make(map[string]string, len(h))
	for k, vs := range h {
		if reservedKey(k) || len(vs) == 0 {
			continue
		}
		key := k
		if k == emptyKey {
			key = ""
		} else if d, ok := unescape(k); ok {
			key = d
		}
		val := vs[0]
		if d, ok := unescape(val); ok {
			val = d
		}
		md[key] = val
	}
	if len(md) == 0 {
		return nil
	}
	return md
}

// reservedKey reports whether a header name belongs to NATS: "Nats-*"
// headers drive JetStream behaviour (deduplication, expected sequence, ...)
// and "Status"/"Description" are how the client library reports status
// messages.
func reservedKey(k string) bool {
	return len(k) >= 5 && strings.EqualFold(k[:5], "nats-") ||
		strings.EqualFold(k, "status") || strings.EqualFold(k, "description")
}

// encodeKey escapes a metadata key for use as a header name.
func encodeKey(k string) string {
	if k == "" {
		return emptyKey
	}
	e := escape(k, true)
	if reservedKey(e) {
		// Escape the first byte so that the name no longer looks reserved.
		// All reserved names start with an ASCII letter, which escape left
		// unchanged.
		e = fmt.Sprintf("%%%02X", e[0]) + e[1:]
	}
	return e
}

// needsEscape reports whether byte b must be percent-encoded. Header values
// lose leading and trailing white space and cannot contain CR or LF;
// non-ASCII bytes are escaped so that the wire format is plain ASCII. Header
// names must be HTTP tokens (RFC 9110 "tchar"), which nats.go enforces.
func needsEscape(b byte, key bool) bool {
	if b == '%' || b <= ' ' || b >= 0x7f {
		return true
	}
	return key && !isTokenChar(b)
}

// isTokenChar reports whether the printable ASCII byte b may appear in an
// HTTP token.
func isTokenChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

const hexDigits = "0123456789ABCDEF"

func escape(s string, key bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i], key) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c, key) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescape reverses escape. It reports false if s is not a valid escaped
// string (a '%' not followed by two hex digits), or if the result is not
// valid UTF-8.
func unescape(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return "", false
	}
	return out, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
