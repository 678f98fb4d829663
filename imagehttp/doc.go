// Package imagehttp is blobimage over HTTP, for any Go program to mount:
// an image handler that serves originals and variants with the headers
// images need, an uploader that takes multipart forms and raw bodies
// through the write path, one function mapping any blobimage error to its
// HTTP status, and HMAC-signed expiring URLs for buckets that cannot sign
// their own (file://, mem://).
//
//	store, _ := blobimage.Wrap(bucket, blobimage.Config{Config: *cfg, URLSigner: signer})
//	mux := http.NewServeMux()
//	mux.Handle("GET /img/{key...}", imagehttp.NewImageHandler(store, imagehttp.ImageOptions{Signer: signer}))
//	mux.Handle("POST /upload", imagehttp.NewUploader(store, imagehttp.UploadOptions{}))
//
// The handlers name keys by the {key...} wildcard of their route (or
// ?key= when the path has none), answer errors as JSON or a small HTML
// page by the request's Accept header, and never echo a backend's own
// messages (which may name server paths) in a 5xx.
//
// What the image handler sends, and why:
//
//   - the first of a variant's formats the Accept header names explicitly
//     (blobimage.Variant.Negotiate), with Vary: Accept;
//   - ETag and Last-Modified, answering If-None-Match, If-Modified-Since
//     and If-Range; Range requests with at most MaxRanges ranges after
//     overlapping and adjacent ones are merged (more are answered with the
//     whole object: thousands of tiny ranges would cost the server far
//     more than the client);
//   - Cache-Control from the Store's config (cache_control; no-cache by
//     default: a key can be overwritten, so caches revalidate, cheaply,
//     with the ETag);
//   - X-Content-Type-Options: nosniff and Content-Security-Policy:
//     default-src 'none'; sandbox, so an image opened on its own can never
//     run as a page.
//
// Only blobimage originals (objects with a manifest) and their variants
// are served: an object written past the wrapper might be HTML.
//
// For pages, Responsive gives an image's markup: an <img> with a srcset
// over its variants, sizes, its displayed width and height, lazy loading
// and its placeholder painted as the box's background; or a <picture>
// with a <source type=…> per alternate encoding (AVIF, WebP).
package imagehttp
