package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"gocloud.dev/blob/fileblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// benchConfig is the blobimage config of the benchmark; %s is the
// original policy of the mode.
const benchConfig = `{"rules": [{
  "match": "**",
  "original": %s,
  "variants": [
    {"name": "medium", "op": "fit", "width": 1000, "height": 1000, "format": "jpeg", "quality": 85},
    {"name": "small",  "op": "fit", "width": 400,  "height": 400,  "format": "jpeg", "quality": 85}
  ]
}]}`

// originalPolicy is the original policy of each mode.
var originalPolicy = map[string]string{
	"keep":       `{"mode": "keep", "strip": "none"}`,
	"recompress": `{"mode": "recompress", "format": "jpeg", "quality": 85}`,
}

// variantNames are the variants, in the order the outputs are named.
var variantNames = []string{"medium", "small"}

// maybeChild runs the blobimage child when args (os.Args) start with the
// hidden childFlag, and reports its exit status.
func maybeChild(args []string) (int, bool) {
	if len(args) < 2 || args[1] != childFlag {
		return 0, false
	}
	if err := goChild(args[2:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1, true
	}
	return 0, true
}

// newBenchStore wraps a fileblob bucket in dir with the benchmark config
// of mode. Concurrency 1: a photo's variants are made one after another,
// and the workers provide the parallelism, photo by photo.
func newBenchStore(mode, dir string) (*blobimage.Store, error) {
	policy, ok := originalPolicy[mode]
	if !ok {
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	cfg, err := variants.ParseConfig(fmt.Appendf(nil, benchConfig, policy))
	if err != nil {
		return nil, err
	}
	inner, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		return nil, err
	}
	return blobimage.Wrap(inner, cfg, &blobimage.Options{Concurrency: 1})
}

// goChild is the blobimage side: args are MODE WORKERS ROUNDS WARMUP
// OUTDIR FILE..., as for the peers, and it prints the same report. ROUNDS
// may be "burst=N" (see childArgs.burst).
func goChild(args []string, stdout io.Writer) error {
	if len(args) < 5 {
		return fmt.Errorf("usage: %s MODE WORKERS ROUNDS WARMUP OUTDIR [FILE ...]", childFlag)
	}
	mode, outdir := args[0], args[4]
	workers, err := strconv.Atoi(args[1])
	if err != nil || workers < 1 {
		return fmt.Errorf("bad WORKERS in %q", args)
	}
	rounds, burst, err := parseRounds(args[2])
	if err != nil {
		return err
	}
	warmup := args[3] == "1"
	files := make([][]byte, len(args)-5)
	for i, path := range args[5:] {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[i] = b
	}
	dir, err := os.MkdirTemp("", "blobimage-bench-store")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := newBenchStore(mode, dir)
	if err != nil {
		return err
	}
	defer s.Bucket.Close()
	ctx := context.Background()

	if warmup {
		for idx, data := range files {
			key := fmt.Sprintf("warmup/%d", idx)
			if err := put(ctx, s, key, data); err != nil {
				return fmt.Errorf("%s: %w", args[5+idx], err)
			}
			if outdir != "-" {
				if err := saveOutputs(ctx, s, key, idx, outdir, mode == "recompress"); err != nil {
					return err
				}
			}
			if err := s.Bucket.Delete(ctx, key); err != nil {
				return err
			}
		}
	}

	n := len(files)
	njobs := n * rounds
	if burst > 0 {
		if n == 0 {
			return fmt.Errorf("a burst needs at least one file")
		}
		njobs = burst
	}
	times := make([]timing, njobs)
	errs := make([]error, njobs)
	// A burst queues every job at once: the channel holds them all
	// before the workers start.
	jobs := make(chan int, njobs)
	for j := range njobs {
		jobs <- j
	}
	close(jobs)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				idx := j % n
				key := fmt.Sprintf("run/%d", j)
				t0 := time.Now()
				if burst > 0 {
					t0 = start
				}
				err := put(ctx, s, key, files[idx])
				times[j] = timing{idx: idx, round: j / n, ns: int64(time.Since(t0))}
				if err == nil {
					err = s.Bucket.Delete(ctx, key) // after the clock: keeps memory flat
				}
				errs[j] = err
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	for j, err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", args[5+j%n], err)
		}
	}

	w := bufio.NewWriter(stdout)
	for _, t := range times {
		fmt.Fprintf(w, "t %d %d %d\n", t.idx, t.round, t.ns)
	}
	fmt.Fprintf(w, "wall %d\n", wall.Nanoseconds())
	return w.Flush()
}

// put stores one photo as blobimage put and imagehttp's Uploader do:
// Store.Put, which streams the bytes through the wrapped bucket's writer
// and returns the stored ImageFile. (Bucket.WriteAll would add two MD5
// passes over the photo, gocloud's own checksum of the call, which no
// peer and neither of those paths computes.)
func put(ctx context.Context, s *blobimage.Store, key string, data []byte) error {
	_, err := s.Put(ctx, key, bytes.NewReader(data), nil)
	return err
}

// saveOutputs writes the variants of key (and, when recompressing, the
// stored original) to outdir, read back through the Store's public API.
func saveOutputs(ctx context.Context, s *blobimage.Store, key string, idx int, outdir string, recompress bool) error {
	f, err := s.Image(ctx, key)
	if err != nil {
		return err
	}
	write := func(name string, readKey string) error {
		b, err := s.Bucket.ReadAll(ctx, readKey)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(outdir, fmt.Sprintf("%d-%s.jpg", idx, name)), b, 0o644)
	}
	for _, name := range variantNames {
		v, ok := f.Variants[name]
		if !ok || v.State != blobimage.Ready {
			return fmt.Errorf("%s: variant %s not ready", key, name)
		}
		if err := write(name, v.Key); err != nil {
			return err
		}
	}
	if recompress {
		return write("full", key)
	}
	return nil
}
