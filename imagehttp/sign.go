package imagehttp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signer makes and checks expiring URLs to an image handler, for buckets
// that cannot sign their own (file://, mem://) or for applications that
// want every image URL to go through their own server. Set it as
// blobimage.Options.URLSigner, so ImageFile URLs are made by it, and as
// ImageOptions.Signer, so the image handler checks them.
//
// A signed URL is the base URL, the object's key (each path segment
// escaped; a key that a router would clean, with an empty, "." or ".."
// segment, goes in ?key= instead), an expiry and a signature, last:
//
//	/img/photos/cat.jpg?exp=1767225600&sig=Xw2…
//
// sig is the unpadded base64url HMAC-SHA256, under the signing key, of the
// escaped path and query exactly as sent up to "&sig=". The signature
// covers the path, not the host, so the same URL works behind any proxy
// that passes the path through unchanged.
type Signer struct {
	base   string // the base URL, ending in "/"
	prefix string // its path, as the handler receives it
	key    []byte
	now    func() time.Time
}

// MinSigningKey is the shortest signing key NewSigner accepts, in bytes.
const MinSigningKey = 16

// NewSigner returns a Signer for URLs under baseURL (absolute,
// "https://example.com/img/", or a path, "/img/": where the image handler
// is mounted) signed with key, which must be at least MinSigningKey bytes
// of secret.
func NewSigner(baseURL string, key []byte) (*Signer, error) {
	if len(key) < MinSigningKey {
		return nil, fmt.Errorf("imagehttp: signing key of %d bytes; at least %d are needed", len(key), MinSigningKey)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("imagehttp: base URL %q: %w", baseURL, err)
	}
	if u.RawQuery != "" || u.Fragment != "" || !strings.HasPrefix(u.EscapedPath(), "/") {
		return nil, fmt.Errorf("imagehttp: base URL %q: want a path ending in /, with no query", baseURL)
	}
	base := strings.TrimSuffix(baseURL, "/") + "/"
	return &Signer{base: base, prefix: strings.TrimSuffix(u.EscapedPath(), "/") + "/",
		key: append([]byte(nil), key...), now: time.Now}, nil
}

// SignedURL returns a URL of the object at key valid for expiry (at least
// a second). It implements blobimage.URLSigner.
func (s *Signer) SignedURL(_ context.Context, key string, expiry time.Duration) (string, error) {
	exp := s.now().Add(max(expiry, time.Second)).Unix()
	path, query := KeyPath(key)
	if query != "" {
		query += "&"
	}
	query += "exp=" + strconv.FormatInt(exp, 10)
	signed := s.prefix + path + "?" + query
	return s.base + path + "?" + query + "&sig=" + s.mac(signed), nil
}

// mac is the signature of msg.
func (s *Signer) mac(msg string) string { return macOf(s.key, msg) }

// macOf is the unpadded base64url HMAC-SHA256 of msg under key: the sig of
// signed URLs and of signed transforms.
func macOf(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verifySig checks that r's URL ends in a sig parameter that signs, under
// key, the URL's escaped path and query exactly as sent up to "&sig=".
func verifySig(r *http.Request, key []byte) error {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	i := strings.LastIndex(uri, "&sig=")
	if i < 0 {
		return errNoSignature
	}
	msg, sig := uri[:i], uri[i+len("&sig="):]
	if strings.ContainsAny(sig, "&#") {
		return fmt.Errorf("%w: sig must be the last parameter", errBadSig)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mustDecode(macOf(key, msg))) {
		return errBadSig
	}
	return nil
}

// Errors of Verify, all matching ErrForbidden.
var (
	errNoSignature = fmt.Errorf("%w: the URL is not signed", ErrForbidden)
	errBadSig      = fmt.Errorf("%w: bad signature", ErrForbidden)
	errExpired     = fmt.Errorf("%w: the URL has expired", ErrForbidden)
)

// Signed reports whether r's URL carries a signature (valid or not).
func Signed(r *http.Request) bool { return r.URL.Query().Has("sig") }

// Verify checks the signature and expiry of r's URL: nil, or an error
// matching ErrForbidden that says what is wrong.
func (s *Signer) Verify(r *http.Request) error {
	if err := verifySig(r, s.key); err != nil {
		return err
	}
	exp, err := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no expiry", errBadSig)
	}
	if s.now().Unix() > exp {
		return errExpired
	}
	return nil
}

func mustDecode(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err) // s came from mac
	}
	return b
}

// KeyPath returns how a key is written after a handler's route: its path
// segments escaped (path), or, for a key a router would clean (an empty
// segment but the last, ".", ".."; or an empty key), "" and key=… in the
// query.
func KeyPath(key string) (path, query string) {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i < len(segs)-1) || key == "" {
			return "", "key=" + url.QueryEscape(key)
		}
		segs[i] = url.PathEscape(seg)
	}
	return strings.Join(segs, "/"), ""
}
