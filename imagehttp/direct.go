package imagehttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// DirectOptions tune DirectUploads.
type DirectOptions struct {
	// Key is the key policy: it returns the final key for an upload from
	// the request and the key the client asked for ("" when it gave only
	// a filename) and the file's name, or an error (matching ErrBadRequest
	// for a 400). nil means DefaultKey's rules: the "key" field, else the
	// filename's base name in the folder that a key ending in "/" or the
	// "prefix" field names. Whatever it returns is checked like any upload key.
	Key func(r *http.Request, key, filename string) (string, error)
	// Overwrite reports whether a request may replace the image at an
	// existing key; nil, or false, makes the promotion refuse it (409)
	// and leave the image as it was, as UploadOptions.Overwrite does.
	Overwrite func(r *http.Request) bool
	// Expiry is how long a signed URL may be used; 0 means
	// blobimage.DefaultDirectUploadExpiry.
	Expiry time.Duration
	// Logger receives server errors (5xx); nil logs nothing.
	Logger *slog.Logger
}

// DirectUploads are the two endpoints of a direct upload, for an
// application to mount (next to its own authentication: both are writes):
//
//  1. Presign: the client says what it will upload; the answer is a
//     signed URL to PUT the bytes to, straight to the bucket, with the
//     headers to send, and a staging key.
//  2. The client PUTs the bytes (the bucket checks the signature).
//  3. Promote: the client hands the staging key back; the image is taken
//     through the write path to its final key and described.
//
// It is Active Storage's direct upload, with the bucket's own signed
// URLs: nothing but two small JSON requests reaches the application, and
// an image is stored only once it has been checked like any other upload.
// Buckets need a CORS rule for browsers (see the README).
type DirectUploads struct {
	s   *blobimage.Store
	o   DirectOptions
	log *slog.Logger
}

// NewDirectUploads returns the direct upload endpoints for s.
func NewDirectUploads(s *blobimage.Store, o DirectOptions) *DirectUploads {
	d := &DirectUploads{s: s, o: o, log: o.Logger}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	return d
}

// DirectRequest is what Presign reads: JSON (Content-Type
// application/json) or form fields of the same names.
type DirectRequest struct {
	// Key is the key asked for; Filename the file's name, for key
	// policies that make the key from it (DirectOptions.Key).
	Key      string `json:"key"`
	Filename string `json:"filename"`
	// Prefix is a folder for Filename when Key is empty.
	Prefix string `json:"prefix"`
	// ContentType is the type the client will PUT (File.type in a
	// browser): one the key's rule accepts.
	ContentType string `json:"content_type"`
	// ByteSize is the size of the file. More than the Store's max_bytes
	// is refused (413); the promotion refuses a larger upload. 0 means
	// unknown: up to max_bytes.
	ByteSize int64 `json:"byte_size"`
}

// maxDirectRequest bounds the body of a presign or promote request.
const maxDirectRequest = 64 << 10

// readDirect decodes a JSON body, or a form, into v (whose fields are
// named by their json tags for the form).
func readDirect(w http.ResponseWriter, r *http.Request, v any, fields map[string]*string) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxDirectRequest)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		if err := json.NewDecoder(r.Body).Decode(v); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return fmt.Errorf("%w: the body is not the JSON object expected: %v", ErrBadRequest, err)
		}
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: not a form or a JSON body: %v", ErrBadRequest, err)
	}
	for name, p := range fields {
		*p = strings.TrimSpace(r.PostForm.Get(name))
	}
	return nil
}

// Presign returns the handler of the first step: POST
// {"key": …, "content_type": …, "byte_size": …} answers 200 with the
// blobimage.DirectUpload as JSON
// ({"url", "method", "headers", "key", "staging_key", "expires", "max_bytes"}).
// A key no upload may write answers 400, a byte_size over the limit 413, a
// content type the rule does not accept 415, and a bucket that cannot sign
// URLs 501 (use the Uploader instead).
func (d *DirectUploads) Presign() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.post(w, r) {
			return
		}
		var req DirectRequest
		var size string
		if err := readDirect(w, r, &req, map[string]*string{"key": &req.Key, "filename": &req.Filename, "prefix": &req.Prefix,
			"content_type": &req.ContentType, "byte_size": &size}); err != nil {
			d.fail(w, r, err)
			return
		}
		if size != "" {
			n, err := strconv.ParseInt(size, 10, 64)
			if err != nil {
				d.fail(w, r, fmt.Errorf("%w: byte_size %q is not a number", ErrBadRequest, size))
				return
			}
			req.ByteSize = n
		}
		if req.ByteSize < 0 {
			d.fail(w, r, fmt.Errorf("%w: byte_size %d is negative", ErrBadRequest, req.ByteSize))
			return
		}
		key, err := d.key(r, req)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if err := checkUploadKey(d.s, key); err != nil {
			d.fail(w, r, err)
			return
		}
		du, err := d.s.DirectUpload(r.Context(), key, &blobimage.DirectUploadOptions{ContentType: req.ContentType,
			MaxBytes: req.ByteSize, Expiry: d.o.Expiry, IfNotExist: d.o.Overwrite == nil || !d.o.Overwrite(r)})
		if err != nil {
			d.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, du)
	})
}

// key applies the key policy.
func (d *DirectUploads) key(r *http.Request, req DirectRequest) (string, error) {
	if d.o.Key != nil {
		return d.o.Key(r, req.Key, req.Filename)
	}
	switch {
	case req.Key != "" && !strings.HasSuffix(req.Key, "/"):
		return req.Key, nil
	case req.Filename == "":
		return "", fmt.Errorf("%w: give a key, or a filename", ErrBadRequest)
	}
	name := req.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	folder := req.Key
	if folder == "" {
		folder = req.Prefix
		if folder != "" && !strings.HasSuffix(folder, "/") {
			folder += "/"
		}
	}
	return folder + name, nil
}

// PromoteRequest is what Promote reads: JSON or a form field.
type PromoteRequest struct {
	// StagingKey is DirectUpload.StagingKey.
	StagingKey string `json:"staging_key"`
}

// Promote returns the handler of the last step: POST
// {"staging_key": …} takes the staged upload through the write path
// (blobimage.Store.Promote) and answers 201 with the Result, as the
// Uploader describes one file ({"key", "image": ImageFile, "status"}).
// Refused content answers as an upload would (415 not an image, 413 too
// large, 409 an existing key that may not be replaced, 400 corrupt) and is
// removed; a staging key with nothing there (promoted already, or never
// uploaded) answers 404.
func (d *DirectUploads) Promote() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.post(w, r) {
			return
		}
		var req PromoteRequest
		if err := readDirect(w, r, &req, map[string]*string{"staging_key": &req.StagingKey}); err != nil {
			d.fail(w, r, err)
			return
		}
		if req.StagingKey == "" {
			d.fail(w, r, fmt.Errorf("%w: no staging_key given", ErrBadRequest))
			return
		}
		f, err := d.s.Promote(r.Context(), req.StagingKey)
		if err != nil {
			if blobimage.ErrorCode(err) == gcerrors.FailedPrecondition {
				err = fmt.Errorf("%w (the key exists; this upload does not replace images)", err)
			}
			d.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, Result{Key: f.Key, Image: f, Status: http.StatusCreated})
	})
}

// post answers requests other than POST with 405 and reports whether r is
// a POST.
func (d *DirectUploads) post(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", "POST")
	Error(w, r, fmt.Errorf("%w: %s", errMethod, r.Method))
	return false
}

// fail answers with err, logging server errors.
func (d *DirectUploads) fail(w http.ResponseWriter, r *http.Request, err error) {
	if Status(err) >= 500 {
		d.log.ErrorContext(r.Context(), "imagehttp: direct upload", "err", err)
	}
	Error(w, r, err)
}
