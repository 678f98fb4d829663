package blobimage_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// largeJPEG is the upload of BenchmarkPutLarge: the JPEG file named by
// $BLOBIMAGE_BENCH_JPEG, or else a 6000×4000 (24 MP) synthetic photo at
// quality 95 (4:2:0, about the size of a camera's file), made once.
var largeJPEG = sync.OnceValues(func() ([]byte, error) {
	if path := os.Getenv("BLOBIMAGE_BENCH_JPEG"); path != "" {
		return os.ReadFile(path)
	}
	return testimage.JPEG(testimage.Photo(6000, 4000), 95), nil
})

// onlyReader hides every method of its reader but Read, as a network
// body does: the upload's size is unknown and it arrives in pieces.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// BenchmarkPutLarge puts one large JPEG per iteration through the keep
// config of go run ./bench (the original kept, fit 1000 and fit 400 at q85,
// one variant after another) on memblob, deleting it after each put, so
// that -benchmem's B/op is what one put allocates:
//
//   - WriteAll: the whole upload in one Write (what the bench does);
//   - PutFile: Store.Put of an *os.File (what the CLI's put does);
//   - PutStream: Store.Put of a reader that gives no size (an HTTP body),
//     written in the portable writer's 1 MiB pieces.
//
// Set $BLOBIMAGE_BENCH_JPEG to put a file of your own.
func BenchmarkPutLarge(b *testing.B) {
	data, err := largeJPEG()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "large.jpg")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := variants.ParseConfig(fmt.Appendf(nil, modesBenchConfig, `{"mode": "keep", "strip": "none"}`))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		put  func(s *blobimage.Store, key string) error
	}{
		{"WriteAll", func(s *blobimage.Store, key string) error {
			return s.Bucket.WriteAll(ctx, key, data, nil)
		}},
		{"PutFile", func(s *blobimage.Store, key string) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = s.Put(ctx, key, f, nil)
			return err
		}},
		{"PutStream", func(s *blobimage.Store, key string) error {
			_, err := s.Put(ctx, key, onlyReader{bytes.NewReader(data)}, nil)
			return err
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := blobimage.Wrap(memblob.OpenBucket(nil), cfg, &blobimage.Options{Concurrency: 1})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.put(s, "photos/large.jpg"); err != nil {
					b.Fatal(err)
				}
				if err := s.Bucket.Delete(ctx, "photos/large.jpg"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
