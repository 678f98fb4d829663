// Package drivertest holds blobimage's conformance tooling: a fault-injecting
// bucket for crash-consistency tests, and (with the backends issue) the
// harnesses that run gocloud's blob conformance suite and blobimage's own
// image suite over the wrapper on any backend.
package drivertest
