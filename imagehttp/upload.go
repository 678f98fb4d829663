package imagehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// UploadOptions tune an Uploader.
type UploadOptions struct {
	// Key is the key policy: it returns the key to store an uploaded
	// file at, from the request and the file's name as the client gave it
	// ("" for a raw body), or an error (matching ErrBadRequest for a 400).
	// nil means DefaultKey. Whatever it returns is then checked like any
	// upload key (see Uploader.Receive).
	Key func(r *http.Request, filename string) (string, error)
	// Overwrite reports whether a request may replace the image at an
	// existing key (an app may allow it to some users, or when a form
	// field says so: FormValue). nil, or false, refuses such an upload
	// with 409 Conflict and leaves the image as it was: a form must not
	// silently replace someone else's picture.
	Overwrite func(r *http.Request) bool
	// MaxFiles bounds the files of one multipart request; 0 means
	// DefaultMaxFiles.
	MaxFiles int
	// Logger receives server errors (5xx); nil logs nothing.
	Logger *slog.Logger
}

// DefaultMaxFiles is UploadOptions.MaxFiles's default.
const DefaultMaxFiles = 20

// formSlack is allowed per file on top of max_bytes for the multipart
// framing and form fields.
const formSlack = 64 << 10

// reserveChunk is how much of the memory budget a body takes at a time as
// it is read.
const reserveChunk = 256 << 10

// Uploader stores uploads through the write path: multipart/form-data
// (each file part, with the form's "key" and "prefix" fields, in any
// order) or a raw request body (any other content type; the key from the
// route).
// ServeHTTP answers with the results; Receive is the same work for a
// handler that answers in its own way.
type Uploader struct {
	s   *blobimage.Store
	o   UploadOptions
	log *slog.Logger
}

// NewUploader returns an Uploader storing into s.
func NewUploader(s *blobimage.Store, o UploadOptions) *Uploader {
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.Key == nil {
		o.Key = DefaultKey
	}
	u := &Uploader{s: s, o: o, log: o.Logger}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	return u
}

// Result is what became of one uploaded file.
type Result struct {
	// Filename is the name the client gave the file ("" for a raw body).
	Filename string `json:"filename,omitempty"`
	// Key is where it was (or would have been) stored.
	Key string `json:"key,omitempty"`
	// Image describes what was stored: what Store.Put returned, so it
	// reports the upload's GPS position even where the rule keeps it out
	// of storage (the writer's to keep or not).
	Image *blobimage.ImageFile `json:"image,omitempty"`
	// Status is the HTTP status of this file: 201, or the status of Err.
	Status int `json:"status"`
	// Message is Err as the client may read it (see Message).
	Message string `json:"error,omitempty"`
	// Err is why the file was refused.
	Err error `json:"-"`
}

// DefaultKey is the default key policy. For a raw body, the key is the
// request's own (RequestKey). For a file of a form: the form field (or
// query parameter) "key" names the key of a single file, and a key ending
// in "/" is a folder for the file's base name; "prefix" is a folder for
// every file; otherwise the key is the file's base name.
func DefaultKey(r *http.Request, filename string) (string, error) {
	if filename == "" {
		return RequestKey(r), nil
	}
	name := path.Base(strings.ReplaceAll(filename, `\`, "/"))
	if name == "/" || name == "." || name == ".." {
		name = ""
	}
	key := FormValue(r, "key")
	switch {
	case key == "":
		key = name
	case strings.HasSuffix(key, "/"):
		key += name
	}
	if prefix := strings.Trim(FormValue(r, "prefix"), "/"); prefix != "" {
		key = prefix + "/" + key
	}
	return key, nil
}

// FormValue returns a field of the upload form being received, else the
// query parameter of that name, trimmed of spaces. Key policies and
// Overwrite use it.
func FormValue(r *http.Request, name string) string {
	if r.MultipartForm != nil {
		if vs := r.MultipartForm.Value[name]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return strings.TrimSpace(r.URL.Query().Get(name))
}

// Receive stores the files of r and returns what became of each. The
// error is for the request as a whole (not a form, no file, more than
// MaxFiles files, a body over the limits); a refused file is a Result with
// an Err, and the others are still stored.
//
// Every key is checked before anything is read into memory: not empty,
// blobimage.CheckKey (no format or control characters, bounded length),
// no empty, "." or ".." segment, not in the variant key space, and under
// an image rule of the config. The memory a body holds while it is read
// is charged to the Store's memory budget (Store.Reserve), so a burst of
// uploads waits, or is refused with 503, rather than exhausting memory.
func (u *Uploader) Receive(r *http.Request) ([]Result, error) {
	maxBytes := u.s.Config().Limits.WithDefaults().MaxBytes
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		res := Result{}
		if r.ContentLength > maxBytes && maxBytes > 0 {
			return nil, &http.MaxBytesError{Limit: maxBytes}
		}
		u.store(r, &res, "", r.Body)
		return []Result{res}, nil
	}
	if maxBytes > 0 {
		r.Body = http.MaxBytesReader(nil, r.Body, int64(u.o.MaxFiles)*(maxBytes+formSlack))
	}
	// The whole form is read first, so that its fields are known whatever
	// their order (browsers send them in document order): files beyond a
	// small amount of memory are spooled to temporary files, removed
	// before Receive returns.
	if err := r.ParseMultipartForm(formMemory); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: not a multipart/form-data upload: %v", ErrBadRequest, err)
	}
	defer r.MultipartForm.RemoveAll()
	// Each file field's files in the order sent; the fields by name.
	var files []*multipart.FileHeader
	for _, name := range slices.Sorted(maps.Keys(r.MultipartForm.File)) {
		files = append(files, r.MultipartForm.File[name]...)
	}
	switch {
	case len(files) == 0:
		return nil, fmt.Errorf("%w: no file in the form (a part with a filename)", ErrBadRequest)
	case len(files) > u.o.MaxFiles:
		return nil, fmt.Errorf("%w: %d files in one request, more than %d", ErrBadRequest, len(files), u.o.MaxFiles)
	}
	if key := FormValue(r, "key"); key != "" && !strings.HasSuffix(key, "/") && len(files) > 1 {
		return nil, fmt.Errorf("%w: key %q names one object; with %d files give a folder (prefix, or a key ending in /)", ErrBadRequest, key, len(files))
	}
	results := make([]Result, len(files))
	for i, fh := range files {
		results[i] = Result{Filename: fh.Filename}
		f, err := fh.Open()
		if err != nil {
			results[i].Err, results[i].Status, results[i].Message = err, Status(err), Message(err)
			continue
		}
		u.store(r, &results[i], fh.Filename, f)
		f.Close()
	}
	return results, nil
}

// formMemory is how much of a form is kept in memory; the rest of its
// files is spooled to temporary files.
const formMemory = 1 << 20

// store stores one file read from body into res.
func (u *Uploader) store(r *http.Request, res *Result, filename string, body io.Reader) {
	fail := func(err error) {
		res.Err, res.Status, res.Message = err, Status(err), Message(err)
		if res.Status >= 500 {
			u.log.ErrorContext(r.Context(), "imagehttp: upload", "key", res.Key, "err", err)
		}
	}
	key, err := u.o.Key(r, filename)
	if err != nil {
		fail(err)
		return
	}
	res.Key = key
	if err := u.checkKey(key); err != nil {
		fail(err)
		return
	}
	overwrite := u.o.Overwrite != nil && u.o.Overwrite(r)
	br := &budgetReader{r: body, ctx: r.Context(), s: u.s}
	defer br.release()
	f, err := u.s.Put(r.Context(), key, br, &blob.WriterOptions{IfNotExist: !overwrite})
	if err != nil {
		if blobimage.ErrorCode(err) == gcerrors.FailedPrecondition && !overwrite {
			err = fmt.Errorf("%w (the key exists; this upload does not replace images)", err)
		}
		fail(err)
		return
	}
	res.Image, res.Status = f, http.StatusCreated
}

// checkKey refuses keys no upload may write.
func (u *Uploader) checkKey(key string) error { return checkUploadKey(u.s, key) }

// checkUploadKey refuses keys no upload to s may write, by the Uploader or
// by a direct upload.
func checkUploadKey(s *blobimage.Store, key string) error {
	prefix := s.Options().VariantPrefix
	if prefix == "" {
		prefix = blobimage.DefaultVariantPrefix
	}
	switch {
	case key == "" || strings.HasSuffix(key, "/"):
		return fmt.Errorf("%w: no key: the file has no name; give a key", ErrBadRequest)
	case strings.HasPrefix(key, prefix):
		return fmt.Errorf("%w: %q: keys under %q hold variants", blobimage.ErrReservedKey, key, prefix)
	}
	if err := blobimage.CheckKey(key); err != nil {
		return err
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: key %q has an empty, \".\" or \"..\" segment", ErrBadRequest, key)
		}
	}
	if s.Rule(key) == nil {
		return fmt.Errorf("%w: key %q matches no image rule of the config", ErrBadRequest, key)
	}
	return nil
}

// budgetReader charges what is read through it to the Store's memory
// budget, a chunk at a time, until release.
type budgetReader struct {
	r        io.Reader
	ctx      context.Context
	s        *blobimage.Store
	held     int64
	read     int64
	releases []func()
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.read+int64(len(p)) > b.held {
		rel, err := b.s.Reserve(b.ctx, reserveChunk)
		if err != nil {
			return 0, err
		}
		b.releases = append(b.releases, rel)
		b.held += reserveChunk
		if over := b.read + int64(len(p)) - b.held; over > 0 {
			p = p[:len(p)-int(over)]
		}
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

func (b *budgetReader) release() {
	for _, rel := range b.releases {
		rel()
	}
	b.releases = nil
}

// ServeHTTP receives the upload and answers: 201 Created when every file
// was stored, else the status of the first refusal (or of the request's
// error), with the results as JSON ({"files": [Result…]}), or as a small
// HTML page when the client asks for HTML.
func (u *Uploader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		Error(w, r, fmt.Errorf("%w: %s", errMethod, r.Method))
		return
	}
	results, err := u.Receive(r)
	if err != nil && len(results) == 0 {
		if Status(err) >= 500 {
			u.log.ErrorContext(r.Context(), "imagehttp: upload", "err", err)
		}
		Error(w, r, err)
		return
	}
	status := http.StatusCreated
	for _, res := range results {
		if res.Err != nil {
			status = res.Status
			break
		}
	}
	if err != nil {
		status = Status(err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
	}
	if wantsHTML(r) {
		writeResultsPage(w, status, results)
		return
	}
	writeJSON(w, status, map[string]any{"files": results})
}
