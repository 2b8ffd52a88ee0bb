//go:build race

package ingest_test

const raceNote = "RACE DETECTOR ON: figures are not representative"
