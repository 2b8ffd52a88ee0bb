// Package clips keeps the last seconds of each camera's H.264 in memory and
// writes evidence clips from it: on an alarm, the access units from a key
// frame at or before the pre-event time to the end of the post-event window
// become one fragmented MP4 file — the camera's own bytes, not re-encoded —
// with its SHA-256, ready to be recorded in the alarm.
//
// A Recorder is one camera's buffer. The ingest feeds it with Push, in
// decode order, on its own goroutine; Push copies what it keeps and never
// touches the disk. Record asks for a clip and blocks until the access
// units' own timestamps pass the end of the post-event window (or the
// stream has been silent past a grace period, when it writes what there is
// and says so), then writes the file into a Store.
//
// A Store is a directory of clips with a retention policy: a disk quota and
// a maximum age, oldest first, never deleting a clip that is pinned (for
// example by an open alarm).
//
// See DESIGN.md beside this file for why it is built this way.
package clips
