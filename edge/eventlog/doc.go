// Package eventlog is the facility's journal of notable device events that
// are not alarms: a door opened and closed, a reader came online. Drivers'
// high-rate observations stay local; rules turn their transitions into
// "event.record" commands, which this package applies into a time-ordered
// bucket with a retention window, so every node holds the same journal.
package eventlog
