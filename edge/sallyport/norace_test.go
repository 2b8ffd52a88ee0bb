//go:build !race

package sallyport

const raceDetector = false
