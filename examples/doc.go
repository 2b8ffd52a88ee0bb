// Package examples holds example configuration files, embedded so that the
// demo binary carries them: [Facility] is a small but complete prison with
// three nodes, every kind of zone and device, and demo console users.
package examples
