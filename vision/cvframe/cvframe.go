package cvframe

import (
	"fmt"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/vision/h264dec"
)

// matType is the OpenCV type of a pixel format: CV_8UC1 for Gray, CV_8UC3
// for BGR (OpenCV's own channel order).
func matType(f h264dec.PixelFormat) (gocv.MatType, error) {
	switch f {
	case h264dec.Gray:
		return gocv.MatTypeCV8UC1, nil
	case h264dec.BGR:
		return gocv.MatTypeCV8UC3, nil
	}
	return 0, fmt.Errorf("cvframe: pixel format %v has no Mat type", f)
}

// ToMat returns a new Mat holding a copy of the frame's pixels. The caller
// closes it.
func ToMat(f *h264dec.Frame) (gocv.Mat, error) {
	m := gocv.NewMat()
	if err := Into(&m, f); err != nil {
		m.Close()
		return gocv.Mat{}, err
	}
	return m, nil
}

// Into copies the frame's pixels into dst, reallocating dst only when its
// size or type differs — so an analysis loop converts every frame into the
// same Mat without allocating. The Mat owns its copy: the frame's buffer
// may be reused by the next conversion at once.
func Into(dst *gocv.Mat, f *h264dec.Frame) error {
	mt, err := matType(f.Format)
	if err != nil {
		return err
	}
	if f.Width <= 0 || f.Height <= 0 || f.Stride != f.Width*f.Format.BytesPerPixel() || len(f.Pix) < f.Stride*f.Height {
		return fmt.Errorf("cvframe: frame %dx%d stride %d with %d bytes is not a packed %v picture", f.Width, f.Height, f.Stride, len(f.Pix), f.Format)
	}
	if dst.Empty() || dst.Rows() != f.Height || dst.Cols() != f.Width || dst.Type() != mt {
		dst.Close()
		*dst = gocv.NewMatWithSize(f.Height, f.Width, mt)
	}
	data, err := dst.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("cvframe: %w", err)
	}
	copy(data, f.Pix[:f.Stride*f.Height])
	return nil
}
