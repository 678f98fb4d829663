package imagehttp

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// Signed transforms: with ImageOptions.TransformKey set, a URL to the image
// handler may ask for any size within the limits, fitted or filled,
// beyond the widths a rule allows, when it carries the application's
// signature:
//
//	/img/photos/a.jpg?w=500&h=300&op=fill&anchor=smart&q=70&sig=…
//
// w, h, op (fit, the default, or fill), anchor (fill only) and q, in any
// order and each at most once; sig, last, is the unpadded base64url
// HMAC-SHA256 under the key of the escaped path and query exactly as sent
// up to "&sig=" (TransformURL makes them). A request asking for more than
// an allowed ?w= without a valid signature answers 403 (400 when no key is
// set) and makes nothing.

// transformParams are the query parameters of a transform.
var transformParams = []string{"w", "h", "op", "anchor", "q"}

// asksTransform reports whether q asks for a signed transform: any of h,
// op, anchor or q, or a w with a signature (a plain w is a rendition).
func asksTransform(q url.Values) bool {
	return q.Has("h") || q.Has("op") || q.Has("anchor") || q.Has("q") || (q.Has("w") && q.Has("sig"))
}

// parseTransform reads a transform's parameters.
func parseTransform(q url.Values) (blobimage.Transform, error) {
	var t blobimage.Transform
	for _, p := range transformParams {
		if len(q[p]) > 1 {
			return t, fmt.Errorf("%w: %s given twice", ErrBadRequest, p)
		}
	}
	num := func(name string) (int, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%w: %s=%q is not a whole number", ErrBadRequest, name, v)
		}
		return n, nil
	}
	var err error
	if t.Width, err = num("w"); err != nil {
		return t, err
	}
	if t.Height, err = num("h"); err != nil {
		return t, err
	}
	if t.Quality, err = num("q"); err != nil {
		return t, err
	}
	t.Op, t.Anchor = q.Get("op"), variants.Anchor(q.Get("anchor"))
	return t, nil
}

// TransformURL returns the signed URL of transform t of the image at key,
// for the image handler mounted at prefix (e.g. "/img/") checking
// signatures with signKey (ImageOptions.TransformKey).
func TransformURL(prefix string, signKey []byte, key string, t blobimage.Transform) string {
	path, query := KeyPath(key)
	q := []string{}
	if query != "" {
		q = append(q, query)
	}
	add := func(name, v string) { q = append(q, name+"="+url.QueryEscape(v)) }
	if t.Width > 0 {
		add("w", strconv.Itoa(t.Width))
	}
	if t.Height > 0 {
		add("h", strconv.Itoa(t.Height))
	}
	if t.Op != "" {
		add("op", t.Op)
	}
	if t.Anchor != "" {
		add("anchor", string(t.Anchor))
	}
	if t.Quality > 0 {
		add("q", strconv.Itoa(t.Quality))
	}
	u := prefix + path + "?"
	for i, p := range q {
		if i > 0 {
			u += "&"
		}
		u += p
	}
	return u + "&sig=" + macOf(signKey, u)
}

// serveTransform answers a transform request, with query q, for the
// original at key.
func (h *imageHandler) serveTransform(w http.ResponseWriter, r *http.Request, key string, q url.Values) {
	if len(h.o.TransformKey) == 0 {
		h.fail(w, r, fmt.Errorf("%w: transforms (h, op, anchor, q, or a width not allowed) need a signing key, and none is set", ErrBadRequest))
		return
	}
	if err := verifySig(r, h.o.TransformKey); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := parseTransform(q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.s.Transform(r.Context(), key, t, r.Header.Get("Accept"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept")
	h.serve(w, r, e.Key, e.ContentType)
}
