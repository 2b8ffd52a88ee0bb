// Package cvframe hands decoded camera frames to gocv (OpenCV 4.6): it
// copies an h264dec.Frame into a gocv.Mat of the matching type (CV_8UC1
// for gray, CV_8UC3 for BGR). It is kept apart from the decoder so that
// decoding and ingest build without OpenCV.
package cvframe
