// Package vision is the camera side of Palisade. Its sub-packages are:
//
//   - h264dec: H.264 decoding with libavcodec (cgo) and scaling to the
//     analysis size with libswscale;
//   - ingest: one RTSP client per camera (gortsplib), with status,
//     reconnection with backoff, and a latest-frame hand-off to analysis;
//   - cvframe: frames as gocv Mats for the OpenCV analytics.
//
// Analytics (motion, zones, tripwires, people, tamper) and evidence clips
// come later. DESIGN.md in this folder says why the parts are built as they
// are; firmware-sim/camera is the simulated camera the tests run against.
package vision
