#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>
#include "hog.h"

int pal_people_detector(float *dst, int n) {
	const std::vector<float> d = cv::HOGDescriptor::getDefaultPeopleDetector();
	const int m = (int)d.size();
	for (int i = 0; i < m && i < n; i++) {
		dst[i] = d[i];
	}
	return m;
}

void pal_set_threads(int n) {
	cv::setNumThreads(n);
}

int pal_get_threads(void) {
	return cv::getNumThreads();
}
