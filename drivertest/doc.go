// Package drivertest holds blobimage's conformance tooling, for any
// gocloud.dev/blob backend:
//
//   - RunGocloudConformance runs gocloud's own blob conformance suite
//     (gocloud.dev/blob/drivertest) over the wrapper, proving it a drop-in
//     bucket for keys that are not images;
//   - RunImageConformance runs blobimage's image suite through the public
//     API: variants and their decoded sizes, the manifest round trip (non-ASCII
//     EXIF text included) within S3's and Azure's metadata rules, overwrite,
//     cascading delete, set copy, List without variants, refusals that store
//     nothing, and signed variant URLs fetched over HTTP;
//   - NewFaultBucket injects failures for crash-consistency tests.
//
// The package's own tests run both suites over memblob, fileblob, S3
// (gofakes3 in-process), GCS (fake-gcs-server in-process) and Azure
// (Azurite, started by the test; skipped with an install hint when
// azurite-blob is absent). Emulator gaps are skipped by exact test name,
// each with its upstream cause, in gaps_test.go.
package drivertest
