// Package ingest keeps one RTSP camera streaming into the analytics.
//
// A Camera (New, then Run) owns one gortsplib client at a time: DESCRIBE,
// SETUP of the H.264 track over TCP or UDP, PLAY; it depacketises RTP into
// access units and decodes every one of them with h264dec, because each
// P-frame needs the one before. Analysis takes the latest picture with Next
// at its own pace; pictures it did not take are dropped, never queued, and
// are converted to the analysis size only when taken. If the decoder falls
// behind, received access units are shed up to the next key frame rather
// than queued, so the analysis never lags real time.
//
// The Status says in an officer's words what is going on — connecting,
// streaming, decode errors, stalled, unreachable, unauthorized, unsupported
// codec, stopped — and when the next attempt is. A stream with no RTP
// packet for StallTimeout (1.5 s) is stalled; the first reconnection
// follows within FirstRetry (0.5 s), later ones back off to MaxRetry
// (30 s). Wrong credentials and unsupported codecs wait MaxRetry at once.
// Timing goes through an injectable Clock (ingesttest.Clock in tests).
//
// OnAccessUnit hands every access unit, from the first key frame of each
// session on and before the decoder's queue, to a consumer that keeps the
// stream itself (evidence clips), dated on the Clock at the stream's own
// frame spacing; FrameTime dates the frames Next returns on the same clock.
//
// Stats and Collector report received, decoded and delivered frame rates,
// dropped and shed frames, decode errors and bytes.
package ingest
