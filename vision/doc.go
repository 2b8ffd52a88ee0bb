// Package vision is the camera side of Palisade. Its sub-packages are:
//
//   - h264dec: H.264 decoding with libavcodec (cgo) and scaling to the
//     analysis size with libswscale;
//   - ingest: one RTSP client per camera (gortsplib), with status,
//     reconnection with backoff, and a latest-frame hand-off to analysis;
//   - cvframe: frames as gocv Mats for the OpenCV analytics;
//   - analytics: motion, zones, tripwires, people, loitering, crowds and
//     tamper on the frames;
//   - clips: the last seconds of H.264 and evidence clips cut from them;
//   - watch: one camera end to end — ingest, analysis at a few frames a
//     second, alarms with snapshots, clips.
//
// DESIGN.md in this folder says why the parts are built as they are;
// firmware-sim/camera is the simulated camera the tests run against.
package vision
