package drivertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// Op is a kind of bucket operation a Faults can fail.
type Op string

// The operations Faults counts and can fail.
const (
	OpWrite  Op = "write"  // a completed write (counted at Close)
	OpCopy   Op = "copy"   // Copy
	OpDelete Op = "delete" // Delete
	OpAttrs  Op = "attrs"  // Attributes
)

// ErrInjected is the error a Faults returns for an operation it fails.
var ErrInjected = errors.New("drivertest: injected fault")

// Fault says which operation to fail and how.
type Fault struct {
	Op Op
	// N is the 1-based count of the operation (among those whose key
	// Match accepts) that fails.
	N int
	// Match, when set, restricts counting to keys it accepts.
	Match func(key string) bool
	// Landed makes a failing write or copy take effect before the error is
	// returned: the ambiguous failure of a request that reached the server
	// but whose answer was lost.
	Landed bool
	// Cancel, when set, is called instead of failing the operation: the
	// operation then proceeds with its caller's (now cancelled) context.
	Cancel context.CancelFunc
}

// Faults injects failures into a bucket made by NewFaultBucket and counts
// its operations.
type Faults struct {
	mu     sync.Mutex
	counts map[Op]int
	faults []Fault
	seen   []int // per fault: matching operations so far
	fired  []bool
}

// NewFaultBucket returns a bucket delegating to inner, whose operations
// fail as the returned Faults is told. Closing it does not close inner.
func NewFaultBucket(inner *blob.Bucket) (*blob.Bucket, *Faults) {
	f := &Faults{counts: map[Op]int{}}
	return blob.NewBucket(&faultBucket{b: inner, f: f}), f
}

// Add arms a fault. Each fault fires once.
func (f *Faults) Add(ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
	f.seen = append(f.seen, 0)
	f.fired = append(f.fired, false)
}

// Reset disarms every fault and zeroes the counts.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults, f.seen, f.fired, f.counts = nil, nil, nil, map[Op]int{}
}

// Count returns how many operations of kind op have run (failed or not).
func (f *Faults) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// Fired reports whether every armed fault has fired.
func (f *Faults) Fired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.fired {
		if !x {
			return false
		}
	}
	return true
}

// check counts one operation and returns the fault to apply, if any.
func (f *Faults) check(op Op, key string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[op]++
	var hit *Fault
	for i := range f.faults {
		ft := &f.faults[i]
		if ft.Op != op || f.fired[i] || (ft.Match != nil && !ft.Match(key)) {
			continue
		}
		f.seen[i]++
		if f.seen[i] == ft.N && hit == nil {
			f.fired[i] = true
			hit = ft
		}
	}
	return hit
}

func injected(op Op, key string) error {
	return fmt.Errorf("%w: %s %q", ErrInjected, op, key)
}

type faultBucket struct {
	b *blob.Bucket
	f *Faults
}

func (fb *faultBucket) ErrorCode(err error) gcerrors.ErrorCode {
	if errors.Is(err, ErrInjected) {
		return gcerrors.Internal
	}
	return gcerrors.Code(err)
}
func (fb *faultBucket) As(i any) bool                 { return fb.b.As(i) }
func (fb *faultBucket) ErrorAs(err error, i any) bool { return fb.b.ErrorAs(err, i) }

func (fb *faultBucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	if ft := fb.f.check(OpAttrs, key); ft != nil {
		if ft.Cancel == nil {
			return nil, injected(OpAttrs, key)
		}
		ft.Cancel()
	}
	a, err := fb.b.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	return &driver.Attributes{
		CacheControl: a.CacheControl, ContentDisposition: a.ContentDisposition,
		ContentEncoding: a.ContentEncoding, ContentLanguage: a.ContentLanguage,
		ContentType: a.ContentType, Metadata: a.Metadata, CreateTime: a.CreateTime,
		ModTime: a.ModTime, Size: a.Size, MD5: a.MD5, ETag: a.ETag, AsFunc: a.As,
	}, nil
}

func (fb *faultBucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	token := opts.PageToken
	if len(token) == 0 {
		token = blob.FirstPageToken
	}
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	objs, next, err := fb.b.ListPage(ctx, token, size, &blob.ListOptions{Prefix: opts.Prefix, Delimiter: opts.Delimiter, BeforeList: opts.BeforeList})
	if errors.Is(err, io.EOF) {
		return &driver.ListPage{}, nil
	}
	if err != nil {
		return nil, err
	}
	page := &driver.ListPage{NextPageToken: next}
	for _, o := range objs {
		page.Objects = append(page.Objects, &driver.ListObject{Key: o.Key, ModTime: o.ModTime, Size: o.Size, MD5: o.MD5, IsDir: o.IsDir, AsFunc: o.As})
	}
	return page, nil
}

func (fb *faultBucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	r, err := fb.b.NewRangeReader(ctx, key, offset, length, &blob.ReaderOptions{BeforeRead: opts.BeforeRead})
	if err != nil {
		return nil, err
	}
	return &faultReader{r}, nil
}

type faultReader struct{ r *blob.Reader }

func (r *faultReader) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r *faultReader) Close() error               { return r.r.Close() }
func (r *faultReader) As(i any) bool              { return r.r.As(i) }
func (r *faultReader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

func (fb *faultBucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	return &faultWriter{fb: fb, ctx: ctx, key: key, opts: &blob.WriterOptions{
		BufferSize: opts.BufferSize, MaxConcurrency: opts.MaxConcurrency,
		CacheControl: opts.CacheControl, ContentDisposition: opts.ContentDisposition,
		ContentEncoding: opts.ContentEncoding, ContentLanguage: opts.ContentLanguage,
		ContentType: contentType, DisableContentTypeDetection: true, ContentMD5: opts.ContentMD5,
		Metadata: opts.Metadata, BeforeWrite: opts.BeforeWrite, IfNotExist: opts.IfNotExist,
	}}, nil
}

// faultWriter buffers the object and decides at Close whether the write
// fails, lands, or both.
type faultWriter struct {
	fb   *faultBucket
	ctx  context.Context
	key  string
	opts *blob.WriterOptions
	buf  bytes.Buffer
}

func (w *faultWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (w *faultWriter) Close() error {
	ft := w.fb.f.check(OpWrite, w.key)
	if ft != nil && ft.Cancel == nil && !ft.Landed {
		return injected(OpWrite, w.key)
	}
	if ft != nil && ft.Cancel != nil {
		ft.Cancel()
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if err := w.fb.b.WriteAll(w.ctx, w.key, w.buf.Bytes(), w.opts); err != nil {
		return err
	}
	if ft != nil && ft.Landed {
		return injected(OpWrite, w.key)
	}
	return nil
}

func (fb *faultBucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	ft := fb.f.check(OpCopy, dstKey)
	if ft != nil && ft.Cancel == nil && !ft.Landed {
		return injected(OpCopy, dstKey)
	}
	if ft != nil && ft.Cancel != nil {
		ft.Cancel()
	}
	if err := fb.b.Copy(ctx, dstKey, srcKey, &blob.CopyOptions{BeforeCopy: opts.BeforeCopy}); err != nil {
		return err
	}
	if ft != nil && ft.Landed {
		return injected(OpCopy, dstKey)
	}
	return nil
}

func (fb *faultBucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	if ft := fb.f.check(OpDelete, key); ft != nil {
		if ft.Cancel == nil {
			return injected(OpDelete, key)
		}
		ft.Cancel()
	}
	return fb.b.DeleteWithOptions(ctx, key, &blob.DeleteOptions{BeforeDelete: opts.BeforeDelete})
}

func (fb *faultBucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	return fb.b.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: opts.Expiry, Method: opts.Method,
		ContentType: opts.ContentType, EnforceAbsentContentType: opts.EnforceAbsentContentType, BeforeSign: opts.BeforeSign})
}

func (fb *faultBucket) Close() error { return nil }
