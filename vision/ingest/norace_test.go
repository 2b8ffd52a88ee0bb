//go:build !race

package ingest_test

const raceNote = "race detector off"
