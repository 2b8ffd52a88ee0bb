// Package camera simulates IP cameras: an RTSP server (gortsplib) on
// loopback whose paths stream synthetic H.264 scenes with exact ground
// truth, looping at their frame rate like a live camera.
//
// Scenes are rendered in Go — a grey prison yard with a perimeter fence,
// an inner fence and the sterile zone between, and dark person-like
// figures walking along scripted paths — and encoded once with Debian's
// ffmpeg/libx264 (zerolatency, an IDR with SPS/PPS every 15 frames), then
// cached under DefaultCacheDir. The catalogue (Scenes): quiet-yard,
// quiet-dawn, perimeter, tripwire, loiter, crowd, lens-covered,
// stream-cut, breach, defocus, turned-away.
//
// Ground truth (Truth) is data: each frame's figure boxes — exactly the
// pixels drawn, clipped to the picture — and events at the first frame
// they are true: line crossings with direction, zone entries and exits,
// loitering, a crowd forming, the lens covered and uncovered, the picture
// defocused and sharp again, the camera turned away and back, the stream
// cut and resumed. Camera.FrameAt maps a receive time to the scene frame.
//
// Knobs: credentials (wrong ones get 401), the codec announced (H.264, or
// H.265 / MJPEG to see a client refuse them), corrupt slices every n-th
// frame, Stall to silence a camera without closing its connections, and a
// Publish mode that relays streams pushed by an independent publisher such
// as ffmpeg.
package camera
