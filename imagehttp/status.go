package imagehttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// Errors of the package's own making, for Status.
var (
	// ErrBadRequest: the request is malformed (not a form, no file, a key
	// the key policy refuses).
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden: the request lacks a valid signature where one is
	// needed (ImageOptions.RequireSignature), or its signature is bad or
	// expired.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: nothing is served at that path.
	ErrNotFound = errors.New("not found")
	// errMethod: a handler does not answer the request's method (405).
	errMethod = errors.New("method not allowed")
)

// retryAfter is the Retry-After sent with 503: a busy memory budget frees
// up as soon as the uploads in progress finish.
const retryAfter = 5

// Status returns the HTTP status for an error of blobimage, of the bucket
// it wraps, or of this package:
//
//	400 bad request: ErrNotImage is 415, but ErrCorrupt, ErrInvalidKey,
//	    ErrReservedKey, ErrBadRequest and gocloud's InvalidArgument are 400
//	403 ErrForbidden
//	405 a method the handler does not answer
//	404 a missing key or variant, an object that is not a blobimage original
//	409 an existing key where overwriting is not allowed, a key colliding
//	    with a folder of the same name
//	413 ErrTooLarge (bytes, pixels, side) and http.MaxBytesError
//	415 ErrNotImage, ErrUnsupportedFormat
//	501 blobimage.ErrCannotSign (a direct upload to a bucket that cannot
//	    sign URLs)
//	503 ErrBusy (the memory budget is spent: try again), a cancelled request
//	504 a deadline exceeded
//	500 anything else
func Status(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, blobimage.ErrBusy):
		return http.StatusServiceUnavailable
	case errors.Is(err, blobimage.ErrCannotSign):
		return http.StatusNotImplemented
	case errors.As(err, &mbe), errors.Is(err, blobimage.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, blobimage.ErrNotImage), errors.Is(err, blobimage.ErrUnsupportedFormat):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound), errors.Is(err, blobimage.ErrNoVariant), errors.Is(err, blobimage.ErrUnmanaged):
		return http.StatusNotFound
	}
	switch blobimage.ErrorCode(err) {
	case gcerrors.NotFound:
		return http.StatusNotFound
	case gcerrors.InvalidArgument:
		return http.StatusBadRequest
	case gcerrors.ResourceExhausted:
		return http.StatusRequestEntityTooLarge
	case gcerrors.FailedPrecondition, gcerrors.AlreadyExists:
		return http.StatusConflict
	case gcerrors.PermissionDenied:
		return http.StatusForbidden
	case gcerrors.Canceled:
		return http.StatusServiceUnavailable
	case gcerrors.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// Message returns what a client may be told about err: for a 4xx, the
// kind of refusal and blobimage's own words, which name the key and the
// limit (gocloud's "blob (key …) (code=…)" framing and a backend's file
// paths are left out); for a 5xx, only the status, since the cause is the
// server's business (log it).
func Message(err error) string {
	status := Status(err)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, blobimage.ErrCannotSign):
		return "not implemented: the bucket cannot sign upload URLs; upload through the server instead"
	case status >= 500 && status != http.StatusServiceUnavailable:
		return strings.ToLower(http.StatusText(status))
	case errors.Is(err, blobimage.ErrBusy):
		return "busy: the server's memory budget for images is spent; try again shortly"
	case errors.As(err, &mbe):
		return fmt.Sprintf("too large: the request is over %d bytes", mbe.Limit)
	case errors.Is(err, blobimage.ErrTooLarge):
		return "too large: " + ownWords(err)
	case errors.Is(err, blobimage.ErrNotImage):
		return "not an image: " + ownWords(err)
	case errors.Is(err, blobimage.ErrUnsupportedFormat):
		return "unsupported image format: " + ownWords(err)
	case errors.Is(err, blobimage.ErrCorrupt):
		return "corrupt image: " + ownWords(err)
	case errors.Is(err, blobimage.ErrUnmanaged):
		return "not found: not a blobimage original"
	case errors.Is(err, blobimage.ErrNoVariant), errors.Is(err, ErrNotFound), errors.Is(err, ErrBadRequest), errors.Is(err, errMethod),
		errors.Is(err, ErrForbidden), errors.Is(err, blobimage.ErrInvalidKey), errors.Is(err, blobimage.ErrReservedKey):
		return ownWords(err)
	case status == http.StatusNotFound:
		return "not found"
	case status == http.StatusConflict:
		return "conflict: the key exists, or collides with a folder of the same name"
	}
	return strings.ToLower(http.StatusText(status))
}

// ownWords is err's message without the "blobimage: " prefix and without
// gocloud's framing of a driver error ("blob (key …) (code=…): ").
func ownWords(err error) string {
	msg := err.Error()
	for {
		i := strings.Index(msg, "): ")
		if !strings.HasPrefix(msg, "blob (") || i < 0 {
			break
		}
		msg = msg[i+3:]
	}
	return strings.TrimPrefix(msg, "blobimage: ")
}

// Error answers r with err: its Status, and Message as JSON
// ({"error": …, "status": …}) when the client asks for JSON or does not
// ask for HTML, else as a small HTML page. A 503 carries Retry-After.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := Status(err), Message(err)
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		hd.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if wantsHTML(r) {
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Security-Policy", "default-src 'none'")
		w.WriteHeader(status)
		_ = errorPage.Execute(w, struct {
			Status  int
			Title   string
			Message string
		}{status, http.StatusText(status), msg})
		return
	}
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<meta charset="utf-8"><title>{{.Status}} {{.Title}}</title>
<h1>{{.Status}} {{.Title}}</h1>
<p>{{.Message}}</p>
`))

// wantsHTML reports whether the request's Accept header names text/html
// before (or without) application/json: what a browser sends for a page
// or a form.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	html, jsn := strings.Index(accept, "text/html"), strings.Index(accept, "application/json")
	return html >= 0 && (jsn < 0 || html < jsn)
}

// writeJSON sends v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
