// Package lifescan is the sally port's life detector: from the frames of
// a TI mmWave vital-signs radar scanning a stopped vehicle, it finds the
// living beings aboard and compares them with what the officer declared.
//
// A scan is one Detector: New(cfg) with the declaration, Add(at, frame)
// for every frame the radar sends, Result(at) whenever the officer's
// screen needs it. The detector is pure — no I/O, no goroutines, no clock
// of its own: time comes with the frames — so it is exact in tests and
// can be replayed from a recording.
//
// The verdict is Clear only when every living signature is explained by
// the declaration; HiddenOccupant when there are more; Inconclusive when
// the scan cannot tell (too short, the radar fell silent or lost frames,
// the engine is running). Only Clear releases the vehicle. DESIGN.md gives
// the rules, the reasons for the thresholds and the known blind spots.
package lifescan
