package analytics

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include "hog.h"
import "C"

import (
	"fmt"
	"image"
	"math"
	"unsafe"

	"gocv.io/x/gocv"
)

// hogWindow is the default people detector's window: it was trained on
// people about 96 pixels tall standing in a 64×128 window.
var hogWindow = image.Pt(64, 128)

// hogGroup: a detection needs more than this many overlapping windows
// (OpenCV's groupThreshold). With the pyramid's coarser step (Scale 1.1)
// fewer windows overlap on one person than at OpenCV's 1.05, so 1 rather
// than OpenCV's 2: measured on the simulator's figures, 1.1 with 1 finds
// as many as 1.05 with 2 at half the cost, and nobody in the empty yard.
const hogGroup = 1

// Where the body sits in a detection window, as fractions of the window,
// measured on the simulator's figures (TestHOGBodyInWindow).
const (
	bodyInsetX      = 0.25
	bodyInsetTop    = 0.12
	bodyInsetBottom = 0.15
)

// SetOpenCVThreads sets how many threads OpenCV may use for one call
// (cv::setNumThreads) for the whole process, and returns the previous
// number; 0 runs every call on the caller's thread. OpenCV's default is
// one per core, and its pool's workers spin while they wait: an
// appliance analysing many cameras is parallel across cameras already
// and spends less CPU with 0 (BenchmarkAnalysis720p measures both).
// Call it once, from main, before analysis starts.
func SetOpenCVThreads(n int) int {
	prev := int(C.pal_get_threads())
	C.pal_set_threads(C.int(n))
	return prev
}

// peopleDetector runs OpenCV's HOG people detector on regions of a frame.
//
// gocv's own gocv.HOGDefaultPeopleDetector cannot be used: in v0.31.0 it
// returns a Mat over a std::vector that has already been destroyed. The
// detector it yields is whatever that freed memory holds by the time
// SetSVMDetector copies it — on our machines, a detector that fires on
// every window, even on a uniform grey picture. So the coefficients are
// copied here by a ten-line C++ function (hog.cpp) into a Mat we own.
type peopleDetector struct {
	cfg    PeopleConfig
	hog    gocv.HOGDescriptor
	svm    gocv.Mat
	scaled gocv.Mat
}

func newPeopleDetector(cfg PeopleConfig) (*peopleDetector, error) {
	coef := make([]float32, 4096)
	n := int(C.pal_people_detector((*C.float)(unsafe.Pointer(&coef[0])), C.int(len(coef))))
	// 3780 weights (the descriptor of a 64×128 window) and the bias.
	if n != 3781 {
		return nil, fmt.Errorf("analytics: OpenCV's default people detector has %d coefficients, want 3781", n)
	}
	d := &peopleDetector{cfg: cfg, hog: gocv.NewHOGDescriptor(), svm: gocv.NewMatWithSize(n, 1, gocv.MatTypeCV32F), scaled: gocv.NewMat()}
	data, err := d.svm.DataPtrFloat32()
	if err != nil {
		d.close()
		return nil, fmt.Errorf("analytics: people detector: %w", err)
	}
	copy(data, coef[:n])
	if err := d.hog.SetSVMDetector(d.svm); err != nil {
		d.close()
		return nil, fmt.Errorf("analytics: people detector: %w", err)
	}
	return d, nil
}

func (d *peopleDetector) close() {
	d.hog.Close()
	d.svm.Close()
	d.scaled.Close()
}

// detect looks for people in region of gray (a CV_8UC1 frame), scaling
// the region so that a person personH pixels tall fills the detector's
// window. It returns the people's bodies in gray's pixels.
func (d *peopleDetector) detect(gray gocv.Mat, region image.Rectangle, personH int) []image.Rectangle {
	frame := image.Rect(0, 0, gray.Cols(), gray.Rows())
	k := math.Max(0.4, math.Min(4, float64(d.cfg.Height)/float64(max(personH, 1))))
	// The region must hold a whole window, with a margin, at this scale.
	need := image.Pt(int(math.Ceil(float64(hogWindow.X+16)/k)), int(math.Ceil(float64(hogWindow.Y+16)/k)))
	c := region.Min.Add(region.Max).Div(2)
	if region.Dx() < need.X {
		region.Min.X, region.Max.X = c.X-need.X/2, c.X+need.X-need.X/2
	}
	if region.Dy() < need.Y {
		region.Min.Y, region.Max.Y = c.Y-need.Y/2, c.Y+need.Y-need.Y/2
	}
	region = region.Intersect(frame)
	if float64(region.Dx())*k < float64(hogWindow.X) || float64(region.Dy())*k < float64(hogWindow.Y) {
		return nil // a person cut off by the picture's edge
	}
	roi := gray.Region(region)
	gocv.Resize(roi, &d.scaled, image.Point{}, k, k, gocv.InterpolationLinear)
	roi.Close()
	found := d.hog.DetectMultiScaleWithParams(d.scaled, d.cfg.HitThreshold, image.Pt(8, 8), image.Pt(8, 8), d.cfg.Scale, hogGroup, false)
	out := make([]image.Rectangle, 0, len(found))
	for _, f := range found {
		w, h := float64(f.Dx()), float64(f.Dy())
		body := image.Rect(
			int(math.Round((float64(f.Min.X)+bodyInsetX*w)/k)), int(math.Round((float64(f.Min.Y)+bodyInsetTop*h)/k)),
			int(math.Round((float64(f.Max.X)-bodyInsetX*w)/k)), int(math.Round((float64(f.Max.Y)-bodyInsetBottom*h)/k)))
		body = body.Add(region.Min).Intersect(frame)
		if !body.Empty() {
			out = append(out, body)
		}
	}
	return out
}
