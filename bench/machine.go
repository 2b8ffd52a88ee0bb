package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// machine describes where the figures were measured.
type machine struct {
	Date       time.Time
	CPU        string
	NumCPU     int
	GOMAXPROCS int
	GOOS       string
	GOARCH     string
	GoVersion  string
}

func describeMachine(now time.Time) machine {
	return machine{
		Date: now.UTC(), CPU: cpuModel(), NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version(),
	}
}

// cpuModel reads the first "model name" of /proc/cpuinfo; elsewhere it
// answers "unknown CPU".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
