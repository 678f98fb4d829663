package blobimage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/blobimage/blobimage/codecs"
)

// DefaultVariantPrefix is the key space variants are stored under unless
// Options.VariantPrefix says otherwise.
const DefaultVariantPrefix = "_variants/"

// Variant keys have the form
//
//	<prefix><original key>/<version>/<name>-<fingerprint><ext>
//	_variants/photos/cat.jpg/3f9a2c1be0d4a1b2-5e0c19a2/small-7c1e20aa.jpg
//
// where version is the first 16 hex digits of the SHA-256 of the uploaded
// bytes, a dash, and a random 8-hex-digit token drawn for each write, and
// fingerprint is the first 8 hex digits of the spec's fingerprint.
//
// The token makes the variant sets of any two writes disjoint, even of the
// same bytes. That is what makes the commit order safe: a writer only ever
// deletes the set of the version it replaced, and no later write can
// re-create (and so resurrect into a committed manifest) keys that another
// writer's clean-up is about to delete.
const (
	hashLen  = 16
	tokenLen = 8
	fpLen    = 8
)

// contentHash returns the version hash of data.
func contentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:hashLen]
}

// newToken returns a random per-write token.
func newToken() string {
	var b [tokenLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return hex.EncodeToString(b[:])
}

// variantKey derives the key of one variant of the original at key.
func variantKey(prefix, key, hash, token, name, fp string, f codecs.Format) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(key) + hashLen + tokenLen + len(name) + fpLen + 8)
	b.WriteString(prefix)
	b.WriteString(key)
	b.WriteByte('/')
	b.WriteString(hash)
	b.WriteByte('-')
	b.WriteString(token)
	b.WriteByte('/')
	b.WriteString(name)
	b.WriteByte('-')
	b.WriteString(fp)
	b.WriteString(f.Ext())
	return b.String()
}

// originalOf returns the original key a variant key belongs to, parsing
// from the right (original keys may themselves contain slashes), and
// whether key has the shape of a variant key. No original key begins with
// the prefix (those keys are reserved), so nothing under <prefix><prefix>
// (the staging folder of direct uploads: staging.go) is a variant key.
func originalOf(prefix, key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || strings.HasPrefix(rest, prefix) {
		return "", false
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", false
	}
	j := strings.LastIndexByte(rest[:i], '/')
	if j <= 0 || i-j-1 != hashLen+1+tokenLen {
		return "", false
	}
	return rest[:j], true
}
