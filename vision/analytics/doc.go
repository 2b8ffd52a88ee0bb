// Package analytics watches one camera's pictures for what officers must
// know: intrusions into sterile zones, tripwires crossed (and which way),
// people loitering, crowds forming, and a camera covered, defocused,
// turned away or cut off. It counts the people in each zone.
//
// An Analyzer (New, with a validated Config) takes frames in — a gocv Mat
// (8-bit gray or BGR) with Process, or a decoded h264dec.Frame as
// vision/ingest hands it out with ProcessFrame — each with the time it was
// taken, which drives every timer (no wall clock: replays and tests are
// exact). Five frames a second is enough. Each call returns a Result: the
// events raised, the people counted per zone, the tracked people and the
// moving regions. Counts returns the latest counts from any goroutine.
// SignalLost and SignalRestored take ingest's word that pictures stopped.
//
// Per frame: motion on a downscaled copy against a running-average
// background (compensated for global brightness, frozen under tracked
// people); OpenCV's HOG people detector on the moving regions and around
// tracked people; a tracker that follows people through the moving
// regions, also when they stand still or merge into a group; rules on
// their feet — zone polygons in image coordinates tied to facility zone
// ids, tripwires with named sides; and tamper checks against a learned
// view (contrast, sharpness, a cell-by-cell comparison with a reference
// picture). Every event carries its zone or line, time, boxes and a JPEG
// snapshot with the boxes drawn.
//
// People are detected with HOG only; there is no DNN detector yet. DESIGN.md
// says why the package is built this way and what was rejected.
package analytics
