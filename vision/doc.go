// Package vision will hold camera analytics: RTSP ingest (gortsplib),
// H.264 decoding, gocv analytics (motion, zones, tripwires, people, tamper)
// and evidence clips. It is empty until the camera issue lands; the folder
// exists because the product's top level is fixed.
package vision
