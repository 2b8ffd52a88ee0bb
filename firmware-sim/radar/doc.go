// Package radar simulates a TI mmWave radar (IWR6843 class, SDK 3.x
// demo firmware) from the device's side, on two pseudo-terminals: the CLI
// UART, which answers configuration commands with the echo, "Done" and the
// mmwDemo:/> prompt ("Error -1" for commands it does not know), and the
// data UART, which streams frames from a Source between sensorStart and
// sensorStop. The frames are encoded with the driver's own codec
// (sensors/radar), padded to 32 bytes as the SDK does.
//
// A test builds a Device with NewDevice, Starts it, hands CLIPath and
// DataPath to the driver as its serial ports, and injects faults: damaged
// frames (CorruptEvery), a radar that goes silent mid-scan with its ports
// open (StopAfter, Resume), a command the firmware never answers (Mute),
// and the USB cable pulled (Unplug) and plugged back (Replug). The device
// records what it was told and what it sent — the ground truth to compare
// with what the driver reported.
//
// Scenes (what the radar sees: a parked vehicle, a person hiding in it)
// are Sources; they live in firmware-sim/radar/scene. Slice is the trivial
// one.
package radar
