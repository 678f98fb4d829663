// Package examples holds runnable programs, one per real use of blobimage,
// each also an Example test whose output is checked:
//
//   - compress: every upload recompressed to JPEG at a quality and bounded
//     in size, as a Django CompressedImageField would.
//   - thumbnails: the original kept (GPS removed), small and medium
//     variants made, and the EXIF read back, as a DRF upload view would.
//   - processors: a custom processor chain ending in a watermark.
//
// Run one with, for example:
//
//	go run ./examples/thumbnails photo.jpg
package examples
