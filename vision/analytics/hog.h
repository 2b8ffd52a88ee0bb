// The OpenCV calls Palisade makes itself. gocv v0.31.0's
// HOGDefaultPeopleDetector wraps the std::vector returned by
// cv::HOGDescriptor::getDefaultPeopleDetector in a cv::Mat without
// copying it, so the Mat points at freed memory (see hog.go); and gocv has
// no binding for cv::setNumThreads.
#ifdef __cplusplus
extern "C" {
#endif

// pal_people_detector copies the default people detector's coefficients
// into dst (room for n floats) and returns how many there are.
int pal_people_detector(float *dst, int n);

// pal_set_threads is cv::setNumThreads (gocv v0.31.0 has no binding).
void pal_set_threads(int n);

// pal_get_threads is cv::getNumThreads.
int pal_get_threads(void);

#ifdef __cplusplus
}
#endif
