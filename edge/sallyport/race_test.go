//go:build race

package sallyport

// raceDetector reports a build with -race: the exploration (pure, one
// goroutine) then runs in the separate plain step of scripts/test.sh, where
// it takes seconds instead of minutes.
const raceDetector = true
