// Package scene generates the radar frames a TI mmWave vital-signs radar
// (IWR6843 class) would send while it scans a vehicle stopped in the sally
// port, each scene with its exact ground truth.
//
// A scene is deterministic: the same name, seed and Config give the same
// frames, bit for bit. The seed draws the occupants' physiology (breathing
// and heart rates, chest displacement, seat position) within physiological
// ranges, and the radar's imperfections (measurement noise, dropouts, lost
// tracks, re-numbered tracks, multipath and clutter ghosts, lost frames), so
// a detector evaluated over many seeds is not evaluated against one
// convenient set of numbers.
//
// The model, per frame of Config.Period:
//
//   - Each living occupant is a chest at a range (seat position 1.2–4.8 m,
//     bins of Config.RangeResolution) that moves with breathing (shaped
//     inhale/exhale, breath-to-breath amplitude variation) and heartbeat,
//     sampled 15 times per frame. Those samples, band-limited and noisy,
//     are the report's BreathWaveform and HeartWaveform.
//   - BreathDeviation is the RMS displacement in millimetres of the
//     breathing band over the last few seconds (motion included), as the
//     firmware uses it to tell breathing from an empty seat.
//   - BreathRate and HeartRate are what a windowed estimator reports: they
//     follow the true rates while the signal stands above the noise, and
//     wander when it does not (breath held, heart too weak, body moving).
//     Some reports are garbled outright.
//   - A running engine vibrates the whole body of the vehicle: many points
//     with small doppler over most range bins, and short-lived spurious
//     vital-sign tracks whose rates jump from frame to frame.
//   - Points and tracks follow the occupants; Presence is 1 when the frame
//     carries a track.
//
// Scene implements the Source the radar device simulator plays from:
// Next returns frames until the scan ends (or the radar "stops"), then
// (Frame{}, false). Elapsed gives the time offset of the last frame returned,
// for callers that need a clock.
package scene
