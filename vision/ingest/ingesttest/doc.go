// Package ingesttest holds test scaffolding for camera ingest: a fake
// Clock to drive stall and reconnect timing exactly, and a goroutine-leak
// check.
package ingesttest
