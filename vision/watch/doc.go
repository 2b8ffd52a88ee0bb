// Package watch runs one camera end to end: vision/ingest keeps its RTSP
// stream, vision/analytics looks at its latest picture a few times a
// second, and vision/clips keeps the last seconds of its H.264 for
// evidence.
//
// A Watcher (New, then Run) owns every goroutine of its camera: the
// ingest, the analysis loop, the status watcher, the alarm queue and one
// goroutine per clip being recorded; Run returns once all have stopped.
//
// What it sees leaves through a Sink. An alarm-worthy event (intrusion,
// tripwire, loiter, crowd, tamper — and signal lost, from ingest's status)
// has its snapshot saved under SnapshotDir and goes to Sink.Raise; once
// raised, the clip of the alarm (10 s before the event to 10 s after, the
// camera's own H.264) is recorded in its own goroutine and handed to
// Sink.Clip with its SHA-256. People counted per zone go to Sink.Counts.
// Status and Snapshot tell a console how the camera is and what it shows.
//
// See DESIGN.md in vision/ for why the pieces are split as they are.
package watch
