package metadata

import (
	"context"
	"fmt"
	"log/slog"
)

// maxWarnings bounds the warnings kept for one file: a crafted file can be
// damaged between every two segments, and the caller logs what it gets.
const maxWarnings = 16

// warnings collects what a parse tolerated, at most maxWarnings of them,
// counting the rest.
type warnings struct {
	list []string
	more int
}

// addf records one warning.
func (w *warnings) addf(format string, args ...any) {
	if len(w.list) >= maxWarnings {
		w.more++
		return
	}
	w.list = append(w.list, fmt.Sprintf(format, args...))
}

// joinWarnings returns the warnings of each collector in order, at most
// maxWarnings of them, the last saying how many more there were; nil when
// there are none.
func joinWarnings(ws ...*warnings) []string {
	var out []string
	more := 0
	for _, w := range ws {
		for _, s := range w.list {
			if len(out) < maxWarnings {
				out = append(out, s)
			} else {
				more++
			}
		}
		more += w.more
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("metadata: and %d more warnings", more))
	}
	return out
}

// The rewrites, as named in the log.
const (
	opTrim     = "Trim"
	opStripGPS = "StripGPS"
	opStripAll = "StripAll"
)

// warner is a container that tolerates damage decoders tolerate.
type warner interface {
	// warnings returns, one sentence each, the damage tolerated by the
	// walk and what the rewrite op does about it (at most maxWarnings and
	// a count of the rest; nil for an intact file).
	warnings(op string) []string
}

// WithLogger returns a File sharing f's parse whose rewrites (Trim,
// StripGPS, StripAll) log, at level Warn on l, the damage they tolerate as
// a decoder does and what they drop because of it: bytes between JPEG
// segments that decoders skip, a segment whose length disagrees with the
// file, metadata that cannot be parsed (an EXIF structure that cannot be
// walked, an XMP packet that is not XML, a damaged Photoshop resource
// block), which StripGPS drops rather than keep what it cannot check. A
// file whose damage is fatal is not logged: the rewrite returns that
// error. A File from Parse, and one given a nil l, logs nothing.
func (f *File) WithLogger(l *slog.Logger) *File {
	g := *f
	g.log = l
	return &g
}

// logWarnings logs what the rewrite op tolerates, when f has a logger
// that logs warnings.
func (f *File) logWarnings(op string) {
	ctx := context.Background()
	if f.log == nil || !f.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	w, ok := f.c.(warner)
	if !ok {
		return
	}
	for _, s := range w.warnings(op) {
		f.log.LogAttrs(ctx, slog.LevelWarn, "metadata: damaged file tolerated",
			slog.String("format", string(f.format)), slog.String("op", op), slog.String("damage", s))
	}
}
