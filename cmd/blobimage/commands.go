package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob"   // mem://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// defaultDir is the bucket folder used when no bucket is given.
const defaultDir = "blobimage-data"

// global holds the flags every command accepts.
type global struct {
	bucket string
	config string
	fanout string
	queue  string
}

func (g *global) register(fs *flag.FlagSet) {
	fs.StringVar(&g.bucket, "bucket", g.bucket, "bucket URL (default $BLOBIMAGE_BUCKET or ./"+defaultDir+")")
	fs.StringVar(&g.config, "config", g.config, "config file (default $BLOBIMAGE_CONFIG or the built-in config)")
	fs.StringVar(&g.fanout, "fanout", g.fanout, "when variants are made: eager, lazy or background (default $BLOBIMAGE_FANOUT or eager)")
	fs.StringVar(&g.queue, "queue", g.queue, "pubsub topic `URL` for background jobs (default $BLOBIMAGE_QUEUE or "+defaultQueue+")")
}

// parseGlobal reads the global flags in front of the command.
func parseGlobal(args []string) (global, []string, error) {
	g := global{bucket: os.Getenv("BLOBIMAGE_BUCKET"), config: os.Getenv("BLOBIMAGE_CONFIG"),
		fanout: os.Getenv("BLOBIMAGE_FANOUT"), queue: os.Getenv("BLOBIMAGE_QUEUE")}
	fs := flag.NewFlagSet("blobimage", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return g, nil, err
	}
	return g, fs.Args(), nil
}

// parseInterspersed parses fs's flags wherever they appear among args and
// returns the positional arguments in order. A "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// env is what a command runs with.
type env struct {
	global
	stdout, stderr io.Writer
	stderrTTY      bool  // progress goes to stderr when it is a terminal
	jobs           *jobs // the job queue, when open opened one
	memoryBudget   int64 // the Store's memory budget; 0 is the library's default
	// fileSigner, when set, is given to a file:// bucket that has no
	// signer of its own, so that it can sign direct uploads (serve).
	fileSigner *putSigner
}

type command func(ctx context.Context, e *env, args []string) int

var commands = map[string]command{
	"put":    cmdPut,
	"info":   cmdInfo,
	"get":    cmdGet,
	"rm":     cmdRm,
	"regen":  cmdRegen,
	"worker": cmdWorker,
	"serve":  cmdServe,
}

// newFlags returns a flag set for cmd that also accepts the global flags;
// its usage is the command's help (commandHelp) and its flags.
func (e *env) newFlags(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("blobimage "+cmd, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	e.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nflags:\n", strings.TrimLeft(commandHelp[cmd], "\n"))
		fs.PrintDefaults()
	}
	return fs
}

// parse is parseInterspersed, with -h, -help and --help (before any "--")
// printing the command's help to standard output: flag.ErrHelp, which
// usageStatus turns into a success.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	return parseInterspersed(fs, args)
}

// usageStatus is the exit status for an error from parse: 0 when help was
// asked for, else a usage error.
func usageStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// open opens the bucket and config and wraps them, with the job queue
// when fan-out is background or --queue is given.
func (e *env) open(ctx context.Context) (*blobimage.Store, func(), error) {
	s, closeStore, err := e.openStore(ctx)
	if err != nil {
		if e.jobs != nil {
			e.jobs.close()
		}
		return nil, nil, err
	}
	if e.jobs == nil {
		return s, closeStore, nil
	}
	e.jobs.start(ctx, s)
	return s, func() { e.jobs.close(); closeStore() }, nil
}

func (e *env) openStore(ctx context.Context) (*blobimage.Store, func(), error) {
	opts := blobimage.Options{MemoryBudget: e.memoryBudget}
	if e.fanout != "" {
		fo, err := blobimage.ParseFanOut(e.fanout)
		if err != nil {
			return nil, nil, err
		}
		opts.FanOut = fo
	}
	if opts.FanOut == blobimage.Background || e.queue != "" {
		u := e.queue
		if u == "" {
			u = defaultQueue
		}
		j, err := openJobs(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		e.jobs, opts.Jobs = j, j
	}
	cfg := variants.DefaultConfig()
	if e.config != "" {
		c, err := variants.LoadConfig(e.config)
		if err != nil {
			return nil, nil, err
		}
		cfg = c
	}
	u := e.bucket
	if u == "" {
		dir, err := filepath.Abs(defaultDir)
		if err != nil {
			return nil, nil, err
		}
		u = fileURL(dir) + "?create_dir=true"
	}
	var files *blob.URLMux // opens file:// buckets with fileSigner
	if e.fileSigner != nil && useFileSigner(u) {
		files = fileMux(e.fileSigner)
	}
	if strings.HasPrefix(u, blobimage.SchemePrefix) {
		// blobimage+s3://…, blobimage+file://…: the URL opener wraps the
		// inner bucket with the config, and closing closes both.
		mux := new(blob.URLMux)
		blobimage.Register(mux, &blobimage.URLOpener{Config: cfg, Options: opts, Mux: files})
		b, err := mux.OpenBucket(ctx, u)
		if err != nil {
			return nil, nil, fmt.Errorf("open bucket %s: %w", u, err)
		}
		s, _ := blobimage.From(b)
		return s, func() { _ = b.Close() }, nil
	}
	open := blob.OpenBucket
	if files != nil {
		open = files.OpenBucket
	}
	b, err := open(ctx, u)
	if err != nil {
		return nil, nil, fmt.Errorf("open bucket %s: %w", u, err)
	}
	s, err := blobimage.Wrap(b, cfg, &opts)
	if err != nil {
		_ = b.Close()
		return nil, nil, err
	}
	return s, func() { _ = b.Close() }, nil
}

// fileURL is the file:// URL of an absolute directory.
func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

func (e *env) fail(format string, args ...any) {
	fmt.Fprintf(e.stderr, "blobimage: "+format+"\n", args...)
}

// cmdPut stores each file and prints its ImageFile as one JSON line.
func cmdPut(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("put")
	key := fs.String("key", "", "key to store the file under (default: the file's base name); with several files, a prefix ending in /")
	files, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(files) == 0 {
		e.fail("put: no file given")
		return exitUsage
	}
	if *key != "" && len(files) > 1 && !strings.HasSuffix(*key, "/") {
		e.fail("put: --key names one object; with %d files give a prefix ending in /", len(files))
		return exitUsage
	}
	s, closeBucket, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeBucket()
	status := exitOK
	enc := json.NewEncoder(e.stdout)
	for _, path := range files {
		k := filepath.Base(path)
		switch {
		case strings.HasSuffix(*key, "/"):
			k = *key + k
		case *key != "":
			k = *key
		}
		f, err := putFile(ctx, s, k, path)
		if err != nil {
			e.fail("put %s: %v", path, err)
			status = exitFail
			continue
		}
		if err := enc.Encode(f); err != nil {
			e.fail("put %s: %v", path, err)
			return exitFail
		}
	}
	return status
}

func putFile(ctx context.Context, s *blobimage.Store, key, path string) (*blobimage.ImageFile, error) {
	if s.Rule(key) == nil {
		return nil, fmt.Errorf("key %q matches no rule of the config: not an image key, not stored", key)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return s.Put(ctx, key, f, nil)
}

// cmdInfo prints the ImageFile JSON of one key.
func cmdInfo(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("info")
	keys, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(keys) != 1 {
		e.fail("info: give exactly one KEY")
		return exitUsage
	}
	s, closeBucket, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeBucket()
	f, err := s.Image(ctx, keys[0])
	if err != nil {
		e.fail("info: %v", describe(keys[0], err))
		return exitFail
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		e.fail("info: %v", err)
		return exitFail
	}
	return exitOK
}

// cmdGet writes the bytes of an original or of one of its variants.
func cmdGet(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("get")
	variant := fs.String("variant", "", "variant name (default: the original)")
	format := fs.String("format", "", "the variant's encoding in this format (default: its fallback)")
	out := fs.String("o", "", "output file (default: standard output)")
	keys, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(keys) != 1 {
		e.fail("get: give exactly one KEY")
		return exitUsage
	}
	if *format != "" && (*variant == "" || *variant == "original") {
		e.fail("get: --format needs --variant")
		return exitUsage
	}
	s, closeBucket, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeBucket()
	key := keys[0]
	if *variant != "" && *variant != "original" {
		f, err := s.Image(ctx, key)
		if err != nil {
			e.fail("get: %v", describe(key, err))
			return exitFail
		}
		v, ok := f.Variants[*variant]
		if !ok {
			e.fail("get: %s has no variant %q (it has: %s)", key, *variant, variantNames(f))
			return exitFail
		}
		key = v.Key
		if *format != "" {
			enc, ok := v.Encoding(codecs.Format(*format))
			if !ok {
				e.fail("get: variant %q of %s is not encoded in %q (it is in: %s)", *variant, keys[0], *format, encodingNames(v))
				return exitFail
			}
			key = enc.Key
		}
	}
	var buf bytes.Buffer
	if err := s.Bucket.Download(ctx, key, &buf, nil); err != nil {
		e.fail("get: %v", describe(keys[0], err))
		return exitFail
	}
	if *out == "" {
		if _, err := e.stdout.Write(buf.Bytes()); err != nil {
			e.fail("get: %v", err)
			return exitFail
		}
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		e.fail("get: %v", err)
		return exitFail
	}
	return exitOK
}

// cmdRm deletes originals with their variants.
func cmdRm(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("rm")
	keys, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(keys) == 0 {
		e.fail("rm: no KEY given")
		return exitUsage
	}
	s, closeBucket, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeBucket()
	status := exitOK
	for _, k := range keys {
		if err := s.Bucket.Delete(ctx, k); err != nil {
			e.fail("rm: %v", describe(k, err))
			status = exitFail
		}
	}
	return status
}

// describe is err as a user should read it: blobimage's own messages
// name the key already; a bucket's missing key is `"KEY": not found`
// rather than the backend's words (which may name server paths).
func describe(key string, err error) error {
	if msg, ok := strings.CutPrefix(err.Error(), "blobimage: "); ok {
		return errors.New(msg)
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%q: not found", key)
	}
	return err
}

func variantNames(f *blobimage.ImageFile) string {
	var names []string
	for n := range f.Variants {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// encodingNames lists a variant's formats, most preferred first.
func encodingNames(v blobimage.Variant) string {
	var names []string
	for _, e := range v.Alternates {
		names = append(names, string(e.Format))
	}
	return strings.Join(append(names, string(v.Format)), ", ")
}
