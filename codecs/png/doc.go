// Package png decodes PNG images (W3C PNG, third edition; RFC 2083), at
// full size like image/png or, for variants, at 1/2, 1/4 or 1/8 of the size
// with the reduction streamed with the row filter.
package png
