package drivertest_test

import (
	"context"
	"testing"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/variants"
)

// conformanceConfig has a rule gocloud's suite never writes under, so
// every key it uses takes the pass-through path.
func conformanceConfig() *variants.Config {
	return &variants.Config{Rules: []variants.Rule{{
		Match:    "photos/**",
		Original: variants.Original{Mode: variants.Keep, Strip: variants.StripGPS},
		Variants: []variants.Spec{{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 400, Height: 400}}}},
	}}}
}

func TestGocloudConformanceMem(t *testing.T) {
	drivertest.RunGocloudConformance(t, func(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
		b := memblob.OpenBucket(nil)
		return &drivertest.Backend{Bucket: b, SupportsCopy: true, SupportsNonSlashDelimiters: true, Close: func() { _ = b.Close() }}, nil
	}, conformanceConfig())
}

func TestGocloudConformanceFile(t *testing.T) {
	drivertest.RunGocloudConformance(t, func(ctx context.Context, t *testing.T) (*drivertest.Backend, error) {
		b, err := fileblob.OpenBucket(t.TempDir(), nil)
		if err != nil {
			return nil, err
		}
		return &drivertest.Backend{Bucket: b, SupportsCopy: true, SupportsNonSlashDelimiters: true, Close: func() { _ = b.Close() }}, nil
	}, conformanceConfig())
}
