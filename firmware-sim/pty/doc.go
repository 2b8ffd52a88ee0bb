// Package pty opens pseudo-terminal pairs for device simulators: the
// simulator reads and writes the master side, the driver under test opens
// the slave's path as if it were a serial port. The pair is kept in raw
// mode (no echo, no line editing, 8-bit clean), and a stable symlink can
// point at the slave so a simulated device can be unplugged and plugged
// back in under the same name, as /dev/serial/by-id/… names behave.
package pty
