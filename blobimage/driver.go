package blobimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// wrapper is the driver.Bucket behind Store.Bucket. blob.Bucket keeps its
// driver unexported, so wrapper delegates to the inner bucket's public
// methods and adds the image behaviour: the write path for image keys,
// refusal of writes to the variant space, List without variants, cascading
// Delete and set-copying Copy.
type wrapper struct {
	s *Store
}

var _ driver.Bucket = (*wrapper)(nil)

// ErrorCode maps blobimage's errors to codes; errors from the inner bucket
// already carry theirs.
func (w *wrapper) ErrorCode(err error) gcerrors.ErrorCode { return ErrorCode(err) }

// As answers **Store (so From finds the Store again from a plain
// *blob.Bucket) and otherwise asks the inner bucket.
func (w *wrapper) As(i any) bool {
	if p, ok := i.(**Store); ok {
		*p = w.s
		return true
	}
	return w.s.inner.As(i)
}

func (w *wrapper) ErrorAs(err error, i any) bool { return w.s.inner.ErrorAs(err, i) }

// Attributes passes through, with the manifest hidden from Metadata.
func (w *wrapper) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	a, err := w.s.inner.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	md := a.Metadata
	if _, ok := md[manifestKey]; ok {
		md = make(map[string]string, len(a.Metadata))
		for k, v := range a.Metadata {
			if k != manifestKey {
				md[k] = v
			}
		}
	}
	return &driver.Attributes{
		CacheControl:       a.CacheControl,
		ContentDisposition: a.ContentDisposition,
		ContentEncoding:    a.ContentEncoding,
		ContentLanguage:    a.ContentLanguage,
		ContentType:        a.ContentType,
		Metadata:           md,
		CreateTime:         a.CreateTime,
		ModTime:            a.ModTime,
		Size:               a.Size,
		MD5:                a.MD5,
		ETag:               a.ETag,
		AsFunc:             a.As,
	}, nil
}

// defaultPageSize is asked of the inner bucket when the caller sets none.
const defaultPageSize = 1000

// ListPaged lists the inner bucket without the variant key space. A page
// whose objects were all variants is skipped rather than returned empty, so
// callers rarely see short pages; BeforeList is called once, on the first
// inner call.
func (w *wrapper) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	if strings.HasPrefix(opts.Prefix, w.s.prefix) {
		// Every key under this prefix is a variant: nothing to list. The
		// BeforeList contract still wants one call.
		if opts.BeforeList != nil {
			if err := opts.BeforeList(func(any) bool { return false }); err != nil {
				return nil, err
			}
		}
		return &driver.ListPage{}, nil
	}
	size := opts.PageSize
	if size <= 0 {
		size = defaultPageSize
	}
	token := opts.PageToken
	if len(token) == 0 {
		token = blob.FirstPageToken
	}
	lo := &blob.ListOptions{Prefix: opts.Prefix, Delimiter: opts.Delimiter, BeforeList: opts.BeforeList}
	for {
		objs, next, err := w.s.inner.ListPage(ctx, token, size, lo)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &driver.ListPage{}, nil
			}
			return nil, err
		}
		page := &driver.ListPage{NextPageToken: next}
		for _, o := range objs {
			if w.s.reserved(o.Key) {
				continue
			}
			page.Objects = append(page.Objects, &driver.ListObject{
				Key: o.Key, ModTime: o.ModTime, Size: o.Size, MD5: o.MD5, IsDir: o.IsDir, AsFunc: o.As,
			})
		}
		if len(page.Objects) > 0 || len(next) == 0 {
			return page, nil
		}
		token = next
		lo.BeforeList = nil
	}
}

// NewRangeReader passes through: originals and variants are read as
// stored. A variant key that is missing but that the original's manifest
// (or the config) says should exist is made on the spot and then read: the
// lazy half of fan-out (fanout.go).
func (w *wrapper) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	ro := &blob.ReaderOptions{BeforeRead: opts.BeforeRead}
	r, err := w.s.inner.NewRangeReader(ctx, key, offset, length, ro)
	if err != nil && w.s.reserved(key) && gcerrors.Code(err) == gcerrors.NotFound {
		made, merr := w.s.makeOnRead(ctx, key)
		if merr != nil {
			return nil, fmt.Errorf("blobimage: make %q on read: %w", key, merr)
		}
		if made {
			r, err = w.s.inner.NewRangeReader(ctx, key, offset, length, ro)
		}
	}
	if err != nil {
		return nil, err
	}
	return &reader{r: r}, nil
}

type reader struct{ r *blob.Reader }

func (r *reader) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r *reader) Close() error               { return r.r.Close() }
func (r *reader) As(i any) bool              { return r.r.As(i) }
func (r *reader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

// NewTypedWriter refuses the variant key space, sends image keys to the
// write path and passes every other key through.
func (w *wrapper) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	if w.s.reserved(key) {
		return nil, fmt.Errorf("blobimage: write %q: %w: keys under %q hold variants", key, ErrReservedKey, w.s.prefix)
	}
	if _, ok := opts.Metadata[manifestKey]; ok {
		return nil, fmt.Errorf("blobimage: write %q: %w: metadata key %q is blobimage's", key, ErrReservedKey, manifestKey)
	}
	bopts := blobWriterOptions(contentType, opts)
	if rule := w.s.match(key); rule != nil {
		if err := CheckKey(key); err != nil {
			return nil, err
		}
		return newImageWriter(ctx, w.s, key, rule, bopts), nil
	}
	return &passWriter{ctx: ctx, b: w.s.inner, key: key, opts: bopts}, nil
}

// blobWriterOptions turns the driver options the portable type gave us back
// into options for the inner bucket. The content type was already sniffed
// (or deliberately left empty) by the outer bucket, so the inner one must
// not sniff again.
func blobWriterOptions(contentType string, o *driver.WriterOptions) *blob.WriterOptions {
	return &blob.WriterOptions{
		BufferSize:                  o.BufferSize,
		MaxConcurrency:              o.MaxConcurrency,
		CacheControl:                o.CacheControl,
		ContentDisposition:          o.ContentDisposition,
		ContentEncoding:             o.ContentEncoding,
		ContentLanguage:             o.ContentLanguage,
		ContentType:                 contentType,
		DisableContentTypeDetection: true,
		ContentMD5:                  o.ContentMD5,
		Metadata:                    o.Metadata,
		BeforeWrite:                 o.BeforeWrite,
		IfNotExist:                  o.IfNotExist,
	}
}

// passWriter writes a non-image key straight to the inner bucket.
//
// Whenever it can, it writes through the inner bucket's Upload, fed by a
// pipe when the portable type calls Write: drivers keep their Upload fast
// path, and an inner writer whose Close panics when an upload fed by Write
// fails (gocloud.dev v0.47.0's azureblob did: a nil pipe reader; v0.49.0
// checks it) is never driven through Write. Upload needs a content type and no ContentMD5 check; otherwise
// the inner writer's Write path is used, and a panic of the inner Close is
// turned into an error.
type passWriter struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	opts *blob.WriterOptions
	w    *blob.Writer   // Write path
	pw   *io.PipeWriter // Upload path fed by Write
	errc chan error     // result of the piped Upload
	done bool           // Upload completed the write.
}

func (p *passWriter) canUpload() bool { return p.opts.ContentType != "" }

// uploadOpts are the options of the piped Upload: without ContentMD5,
// which would make the inner bucket write through Write again. The outer
// *blob.Writer checks the MD5 of what was written before it closes this
// writer, and on a mismatch cancels the context, which Close passes on to
// the pipe so the upload fails.
func (p *passWriter) uploadOpts() *blob.WriterOptions {
	o := *p.opts
	o.ContentMD5 = nil
	return &o
}

func (p *passWriter) open() error {
	if p.w != nil || p.pw != nil {
		return nil
	}
	if p.canUpload() {
		pr, pw := io.Pipe()
		p.pw, p.errc = pw, make(chan error, 1)
		go func() {
			err := p.b.Upload(p.ctx, p.key, pr, p.uploadOpts())
			// Unblock a Write waiting on a failed or finished upload.
			if err != nil {
				pr.CloseWithError(err)
			} else {
				pr.CloseWithError(io.ErrClosedPipe)
			}
			p.errc <- err
		}()
		return nil
	}
	w, err := p.b.NewWriter(p.ctx, p.key, p.opts)
	if err != nil {
		return err
	}
	p.w = w
	return nil
}

func (p *passWriter) Write(b []byte) (int, error) {
	if err := p.open(); err != nil {
		return 0, err
	}
	if p.pw != nil {
		return p.pw.Write(b)
	}
	return p.w.Write(b)
}

// Upload is the only non-Close call when the portable type uses it.
func (p *passWriter) Upload(r io.Reader) error {
	p.done = true
	if p.canUpload() {
		return p.b.Upload(p.ctx, p.key, r, p.uploadOpts())
	}
	if err := p.open(); err != nil {
		return err
	}
	if _, err := p.w.ReadFrom(r); err != nil {
		_ = p.closeInner()
		return err
	}
	return p.closeInner()
}

func (p *passWriter) Close() error {
	if p.done {
		return nil
	}
	if err := p.open(); err != nil {
		return err
	}
	if p.pw != nil {
		_ = p.pw.CloseWithError(p.ctx.Err()) // nil: a clean EOF
		return <-p.errc
	}
	return p.closeInner()
}

// closeInner closes the inner writer, turning a driver panic on a failed
// upload into an error.
func (p *passWriter) closeInner() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("blobimage: write %q: inner writer failed (and panicked: %v)", p.key, r)
			if cerr := p.ctx.Err(); cerr != nil {
				err = fmt.Errorf("%w: %w", err, cerr)
			}
		}
	}()
	return p.w.Close()
}

// Copy copies dst from src. Plain objects are copied by the inner bucket.
// An image original is copied with its set: see Store.copy.
func (w *wrapper) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	if w.s.reserved(dstKey) {
		return fmt.Errorf("blobimage: copy to %q: %w: keys under %q hold variants", dstKey, ErrReservedKey, w.s.prefix)
	}
	if w.s.match(dstKey) != nil {
		if err := CheckKey(dstKey); err != nil {
			return err
		}
	}
	return w.s.copy(ctx, dstKey, srcKey, &blob.CopyOptions{BeforeCopy: opts.BeforeCopy})
}

// Delete deletes key and, if it is an image original, its variants.
func (w *wrapper) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	if w.s.reserved(key) {
		return fmt.Errorf("blobimage: delete %q: %w: variants are deleted with their original", key, ErrReservedKey)
	}
	return w.s.delete(ctx, key, &blob.DeleteOptions{BeforeDelete: opts.BeforeDelete})
}

// SignedURL passes through, except that it will not sign a PUT to an image
// key or to the variant space, nor a DELETE in the variant space: those
// would bypass the write path. (For direct uploads from browsers, sign a
// PUT to a staging key and Copy it to the image key: the copy takes the
// write path.)
func (w *wrapper) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	switch {
	case opts.Method == http.MethodPut && (w.s.reserved(key) || w.s.match(key) != nil):
		return "", fmt.Errorf("blobimage: sign PUT %q: %w: uploads to image keys must go through the wrapper", key, ErrReservedKey)
	case opts.Method == http.MethodDelete && w.s.reserved(key):
		return "", fmt.Errorf("blobimage: sign DELETE %q: %w", key, ErrReservedKey)
	}
	return w.s.inner.SignedURL(ctx, key, &blob.SignedURLOptions{
		Expiry:                   opts.Expiry,
		Method:                   opts.Method,
		ContentType:              opts.ContentType,
		EnforceAbsentContentType: opts.EnforceAbsentContentType,
		BeforeSign:               opts.BeforeSign,
	})
}

// Close releases nothing of the inner bucket, which the Store does not own.
func (w *wrapper) Close() error { return nil }
