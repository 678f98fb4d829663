// Package heif reads HEIF files (ISO/IEC 23008-12): HEIC, whose primary
// image is coded with HEVC, as phones write it; AVIF, coded with AV1; and
// other HEIF codings, which it recognises and refuses.
//
// Parse reads the ISO base media file format container (the ftyp and meta
// boxes: items, their locations, references and properties) with every
// offset checked and every count bounded. The File it returns answers
// what the metadata layer needs (Exif, XMP, ICC, NCLX, MetadataItems) and
// rewrites itself losslessly without chosen metadata items (Rewrite).
// EmbedICC gives an encoder's output the colour profile of its source.
// Image checks and describes the primary image: its coding, grid, declared
// size and displayed size after its transforms (irot, imir, clap).
package heif
