package blobimage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"

	"github.com/blobimage/blobimage/variants"
)

// SchemePrefix starts the scheme of every blobimage bucket URL: the rest of
// the scheme names the inner bucket's driver, and the rest of the URL is
// the inner bucket's, unchanged. For example
//
//	blobimage+s3://photos?region=eu-west-1   wraps s3://photos?region=eu-west-1
//	blobimage+file:///srv/media              wraps file:///srv/media
//	blobimage+mem://                         wraps mem://
const SchemePrefix = "blobimage+"

// DefaultSchemes are the inner schemes Register always registers under
// SchemePrefix: those of gocloud's own drivers. Any other scheme known to
// the inner mux at registration is registered too.
var DefaultSchemes = []string{"s3", "gs", "azblob", "file", "mem"}

// URLOpener opens blobimage bucket URLs (see SchemePrefix): it opens the
// inner bucket with the URL stripped of "blobimage+" and wraps it with
// Config. It is gocloud's URL opener pattern: the application chooses the
// configuration (and imports the cloud drivers it wants), then registers
// the opener with Register; blob.OpenBucket does the rest.
//
// The bucket an URLOpener returns owns its inner bucket: closing it closes
// the inner bucket. From finds the Store behind it.
type URLOpener struct {
	// Config and Options are what the opened Stores are wrapped with
	// (see Wrap; a nil Config is the default config).
	Config  *variants.Config
	Options Options
	// Mux opens the inner buckets; nil means blob.DefaultURLMux().
	Mux *blob.URLMux
}

var _ blob.BucketURLOpener = (*URLOpener)(nil)

// OpenBucketURL opens the inner bucket named by u without the scheme's
// "blobimage+" prefix and returns it wrapped.
func (o *URLOpener) OpenBucketURL(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	scheme, ok := strings.CutPrefix(u.Scheme, SchemePrefix)
	if !ok || scheme == "" {
		return nil, fmt.Errorf("blobimage: open %q: the scheme must be %s<scheme of the inner bucket>", u.Redacted(), SchemePrefix)
	}
	if strings.HasPrefix(scheme, SchemePrefix) {
		return nil, fmt.Errorf("blobimage: open %q: a blobimage bucket cannot wrap another", u.Redacted())
	}
	mux := o.Mux
	if mux == nil {
		mux = blob.DefaultURLMux()
	}
	inner := *u
	inner.Scheme = scheme
	b, err := mux.OpenBucketURL(ctx, &inner)
	if err != nil {
		return nil, fmt.Errorf("blobimage: open inner bucket: %w", err)
	}
	s, err := Wrap(b, o.Config, &o.Options)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	return blob.NewBucket(&owningDriver{Bucket: s.Driver(), inner: b}), nil
}

// owningDriver is a Store's driver that closes the inner bucket with
// itself, for buckets opened by URL, which nobody else holds.
type owningDriver struct {
	driver.Bucket
	inner *blob.Bucket
}

// Close closes the wrapper, then the inner bucket.
func (d *owningDriver) Close() error {
	return errors.Join(d.Bucket.Close(), d.inner.Close())
}

// Register registers opener on mux (blob.DefaultURLMux() when nil) for
// SchemePrefix followed by each of DefaultSchemes and of the schemes the
// inner mux knows at the time of the call. Call it once per mux, from main
// or an init function after the drivers' imports; like
// blob.URLMux.RegisterBucket, it panics if a scheme is already registered.
//
//	blobimage.Register(nil, &blobimage.URLOpener{Config: cfg}) // cfg from variants.LoadConfig
//	b, err := blob.OpenBucket(ctx, "blobimage+s3://photos?region=eu-west-1")
func Register(mux *blob.URLMux, opener *URLOpener) {
	if mux == nil {
		mux = blob.DefaultURLMux()
	}
	inner := opener.Mux
	if inner == nil {
		inner = blob.DefaultURLMux()
	}
	schemes := slices.Clone(DefaultSchemes)
	for _, s := range inner.BucketSchemes() {
		if !strings.HasPrefix(s, SchemePrefix) && !slices.Contains(schemes, s) {
			schemes = append(schemes, s)
		}
	}
	for _, s := range schemes {
		mux.RegisterBucket(SchemePrefix+s, opener)
	}
}
