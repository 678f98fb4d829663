package avif

// WaitSystemIdle waits for the system encodes an earlier test gave up on.
var WaitSystemIdle = waitSystemIdle
