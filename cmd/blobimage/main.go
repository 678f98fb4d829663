// Command blobimage stores images in any gocloud.dev/blob bucket the way the
// blobimage library does (checked, auto-oriented, recompressed as
// configured, with variants) and reads them back.
//
// Usage:
//
//	blobimage [--bucket URL] [--config FILE] COMMAND [ARGS]
//
//	put [--key KEY] FILE...              store files; one ImageFile JSON per line
//	info KEY                             print the ImageFile JSON of KEY
//	get KEY [--variant NAME [--format F]] [-o FILE]
//	                                    write the original's or a variant's bytes
//	rm KEY...                            delete originals with their variants
//	regen [--prefix P] [--dry-run]       make missing/stale variants, adopt, drop orphans
//	      [--resume TOKEN] [--enqueue]
//	worker [--subscription URL]          make variants for background jobs
//	worker --notifications URL           adopt objects written past the wrapper, from bucket events
//	serve [--addr 127.0.0.1:8080] [--auth USER:PASSWORD] [--auth-all] [--host NAME]...
//	                                    upload page, gallery and image URLs
//
// --fanout (or BLOBIMAGE_FANOUT) is eager (variants made during put, the
// default), lazy (made on first read) or background (jobs sent to --queue,
// or BLOBIMAGE_QUEUE, a gocloud pubsub topic URL: mem:// (the default,
// drained by a worker inside the command), natsjs://SUBJECT for NATS
// JetStream, rabbit://NAME for RabbitMQ (a durable exchange and queue NAME
// are declared on first use), awssqs://, awssns://, gcppubsub:// or
// azuresb://).
//
// --bucket (or BLOBIMAGE_BUCKET) takes any gocloud URL: file:///dir, mem://,
// s3://bucket?region=..., gs://bucket, azblob://container, and the same
// prefixed with "blobimage+" (blobimage+s3://bucket, as the library's URL
// opener spells them; the config is applied either way). The default is
// the folder ./blobimage-data, created on first use. --config (or
// BLOBIMAGE_CONFIG) names a YAML or JSON config file; without one, every key
// is an image key, originals are kept with GPS stripped, and two variants
// are made: small (fit 400×400) and medium (fit 1000×1000).
//
// Global flags may come before or after the command. Exit status: 0 when
// everything succeeded, 1 when any file or key failed, 2 on usage errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `usage: blobimage [--bucket URL] [--config FILE] COMMAND [ARGS]

commands:
  put [--key KEY] FILE...              store files; prints one ImageFile JSON per line
  info KEY                             print the ImageFile JSON of KEY
  get KEY [--variant NAME] [-o FILE]   write the original's (or a variant's) bytes;
      [--format F]                     --format picks one of the variant's encodings
  rm KEY...                            delete originals with their variants
  regen [--prefix P] [--dry-run]       make missing/stale variants, adopt originals written
        [--resume TOKEN] [--enqueue]     past the wrapper, drop orphans; progress bar on a TTY,
                                       a JSON summary otherwise
  worker [--subscription URL]          make variants for background jobs until interrupted
  worker --notifications URL           adopt images written past the wrapper, from the bucket's
                                       event notifications (S3, GCS, Azure Event Grid)
  serve [--addr 127.0.0.1:8080]        upload page, gallery and image URLs; --auth USER:PASSWORD
        [--auth U:P] [--auth-all]        for uploads and deletes (read-only without it off
        [--host NAME]...                 loopback), --host names it answers to besides localhost

--bucket URL   any gocloud blob URL, or one prefixed blobimage+ (also BLOBIMAGE_BUCKET);
               default ./blobimage-data
--config FILE  YAML or JSON config (also BLOBIMAGE_CONFIG); default: small 400, medium 1000
--fanout MODE  eager (default), lazy or background (also BLOBIMAGE_FANOUT)
--queue URL    pubsub topic for background jobs (also BLOBIMAGE_QUEUE); default mem://,
               drained in-process; natsjs://SUBJECT ($NATS_SERVER_URL), rabbit://NAME
               ($RABBIT_SERVER_URL; exchange and queue NAME declared), awssqs://, awssns://,
               gcppubsub://, azuresb://
`

// run is the whole program, minus the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g, rest, err := parseGlobal(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "blobimage: %v\n\n%s", err, usage)
		return exitUsage
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		if rest[0] == "help" {
			if len(rest) > 1 && commandHelp[rest[1]] != "" {
				fmt.Fprint(stdout, strings.TrimLeft(commandHelp[rest[1]], "\n"))
				return exitOK
			}
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "blobimage: unknown command %q\n\n%s", rest[0], usage)
		return exitUsage
	}
	return cmd(ctx, &env{global: g, stdout: stdout, stderr: stderr, stderrTTY: isTerminal(stderr)}, rest[1:])
}
