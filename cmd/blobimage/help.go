package main

// commandHelp is each command's help, printed by `blobimage COMMAND
// --help` and `blobimage help COMMAND`, followed by its flags.
var commandHelp = map[string]string{
	"put": `
usage: blobimage put [--key KEY] FILE...

Stores each FILE in the bucket through the write path (checked, turned
upright, metadata stripped as the config says, variants made) and prints
one ImageFile JSON object per line. The key is the file's base name;
--key names the key of a single file, and a --key ending in "/" is a
prefix for each file's base name. A refused file is reported on stderr
and the others are still stored; the exit status is then 1. The output
line is the one place a GPS position the config strips is reported.
`,
	"info": `
usage: blobimage info KEY

Prints the ImageFile JSON of the original at KEY: format, displayed size,
metadata, and each variant with its state, encodings and URL.
`,
	"get": `
usage: blobimage get KEY [--variant NAME [--format F]] [-o FILE]

Writes the bytes of the original at KEY, or of its variant NAME, to FILE
(standard output by default). --format picks one of the variant's
encodings (its alternates or its fallback); without it the fallback,
which every client reads. A pending variant is made first.
`,
	"rm": `
usage: blobimage rm KEY...

Deletes each original with all of its variants.
`,
	"regen": `
usage: blobimage regen [--prefix P] [--dry-run] [--resume TOKEN] [--enqueue]
                       [--orphan-age D] [--staged-age D] [--concurrency N] [--json]

Brings the bucket up to date with the config: makes missing and pending
variants, remakes those whose spec changed, drops those the config no
longer lists, adopts originals written past the wrapper, removes GPS
positions from old manifests, deletes orphaned variant objects older
than --orphan-age and direct uploads staged but never promoted older than
--staged-age (default 24h). --dry-run prints the plan and changes nothing;
--enqueue sends a job per original to --queue instead of doing the work.
Interrupted, it prints a --resume token.
`,
	"worker": `
usage: blobimage worker [--subscription URL] [--concurrency N]
       blobimage worker --notifications URL [--concurrency N]

Makes the variants of background jobs (put --fanout background) received
from a gocloud pubsub subscription until interrupted; a job is
acknowledged only once its manifest is written. Subscriptions: natsjs://,
rabbit://NAME (the queue NAME, declared with its exchange if missing; at
most 4 jobs per --concurrency slot are prefetched unless the URL sets
prefetch_count), awssqs://, gcppubsub://. SIGINT hands the jobs under way
back to the queue, acknowledges those finished and exits with status 0.

With --notifications (or BLOBIMAGE_NOTIFICATIONS) it reads the bucket's
event notifications instead (S3 via SQS or SNS, Cloud Storage via Pub/Sub,
Azure Event Grid) and adopts each image written to the bucket past the
wrapper: checked, turned upright, variants made, manifest written; it
prints "adopted KEY". The wrapper's own writes, deletions and other
events are acknowledged and ignored; a refused object is reported and
left as it is. Ctrl-C stops it after acknowledging what it finished.
`,
	"serve": `
usage: blobimage serve [--addr HOST:PORT] [--auth USER:PASSWORD] [--auth-all] [--host NAME]... [--sign-key KEY]

Serves an upload page, a gallery and the images of the bucket over HTTP,
and prints the address it listens on (127.0.0.1:8080 by default).
With --auth (or BLOBIMAGE_AUTH) uploads and deletes need HTTP Basic
authentication, and with --auth-all every page does. Without credentials
on an address that is not loopback the server is read-only. Requests must
name the server by a loopback name, its listen address or a --host NAME.
/img/KEY?w=W serves the widths a rule's on_demand allows; with --sign-key
(or BLOBIMAGE_SIGN_KEY) URLs signed with that key may ask for any size.
Ctrl-C stops it gracefully.
`,
}
