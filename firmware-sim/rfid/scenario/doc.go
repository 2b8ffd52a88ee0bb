// Package scenario is the world a simulated RFID doorway reader looks at:
// people wearing tags, zones joined by doorways, and who walks through
// which doorway when. It answers the simulator's question "which tags
// does this antenna see now, and how strongly" (InView), and it keeps the
// ground truth a presence engine is scored against: every Crossing that
// happened.
//
// Each doorway has one reader with two antennas, antenna 0 facing zone A
// and antenna 1 facing zone B. A person crossing from A to B is in view
// of antenna 0 first, then of both around the threshold, then of antenna
// 1, the signal rising towards the threshold (see Approach, Overlap,
// NearDBm, FarDBm). Someone may also walk up to a doorway and turn back:
// seen on one side only, and no crossing.
//
// Time is whatever clock the caller passes: a Clock set by hand in tests,
// Scaled for demos. Random generates a plausible day (outings to the
// yard, staff patrols, false starts); Residents, Officers and Strangers
// make populations, Strangers being tags the facility never registered.
//
// Layering: this package knows no wire protocol; firmware-sim/rfid turns
// its sightings into R2000 frames on a pseudo-terminal. It borrows only
// the EPC type from sensors/rfid, so Crossing.EPC compares directly with
// rfid.Read.EPC and Crossing.Doorway with rfid.Read.Reader.
package scenario
