package facility

import "time"

// Headcount is the schedule of the formal counts and the zones counted.
// A count expects in each counted zone the residents whose home is in it
// (people[].home), so every resident's home should lie in a counted zone.
type Headcount struct {
	// Times are the daily counts, "HH:MM" on the facility's clocks. A
	// time that does not exist on a day (skipped by a daylight-saving
	// change) is counted when the clocks pass it; one that occurs twice is
	// counted once, the first time.
	Times []string `yaml:"times,omitempty"`
	// Zones are the counted zones (none inside another), each counted as
	// a whole: a house block, a unit, the health centre.
	Zones []string `yaml:"zones,omitempty"`
	// Late is how long a count may stay open before it is an alarm
	// (default 30m).
	Late Duration `yaml:"late,omitempty"`
}

// Rounds is the security rounds: every cell of each block checked at an
// interval, a shorter one for residents on watch.
type Rounds struct {
	// Interval is the longest time between two checks of a cell
	// (default 30m); WatchInterval the same for a cell whose resident is
	// on watch (default 15m).
	Interval      Duration `yaml:"interval,omitempty"`
	WatchInterval Duration `yaml:"watch_interval,omitempty"`
	// Watch names the residents on watch: by id, or by group. The console
	// puts residents on and off watch too; this is where it starts.
	Watch  WatchList    `yaml:"watch,omitempty"`
	Blocks []RoundBlock `yaml:"blocks,omitempty"`
}

// WatchList names residents by id or group.
type WatchList struct {
	People []string `yaml:"people,omitempty"`
	Groups []string `yaml:"groups,omitempty"`
}

// RoundBlock is one cell block's round: the block's zone and its
// checkpoints, which must cover every cell of the block.
type RoundBlock struct {
	Zone        string       `yaml:"zone"`
	Checkpoints []Checkpoint `yaml:"checkpoints"`
}

// Checkpoint is where a check is logged: a reader (an officer's tag read
// there checks the cells among the reader's zones — a doorway reader at a
// cell door checks that cell) or a cell (checked at the console).
type Checkpoint struct {
	Reader string `yaml:"reader,omitempty"`
	Cell   string `yaml:"cell,omitempty"`
}

// Defaults of the routine.
const (
	DefaultHeadcountLate = 30 * time.Minute
	DefaultRoundInterval = 30 * time.Minute
	DefaultWatchInterval = 15 * time.Minute
)
