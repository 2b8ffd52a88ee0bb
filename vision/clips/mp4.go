package clips

import (
	"fmt"
	"io"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"
)

// maxFragmentSamples bounds a fragment of a long GOP, so that a player can
// start showing the clip before it has read a whole 10 s GOP.
const maxFragmentSamples = 60

// defaultSampleTicks is the duration given to the only picture of a
// one-picture clip (1/15 s).
const defaultSampleTicks = timescale / 15

// timing is a clip's sample durations, derived from decode times.
type timing struct {
	durations    []uint32 // per sample, in ticks
	lastDuration int64    // of the last sample: that of the one before
	duration     int64    // of the whole clip
}

// layout derives the sample durations of entries: the difference of
// decode times, and for the last picture the duration of the one before.
// A gap in the stream (a reconnection) is kept as a picture shown longer,
// so the clip's timeline stays the camera's.
func layout(entries []entry) timing {
	t := timing{durations: make([]uint32, len(entries)), lastDuration: defaultSampleTicks}
	for i := range len(entries) - 1 {
		t.durations[i] = uint32(min(entries[i+1].dts-entries[i].dts, 1<<32-1))
		t.lastDuration = int64(t.durations[i])
	}
	t.durations[len(entries)-1] = uint32(t.lastDuration)
	t.duration = entries[len(entries)-1].dts - entries[0].dts + t.lastDuration
	return t
}

// writeMP4 writes entries, which begin with a key frame, as a fragmented
// MP4: an init segment with the first key frame's SPS and PPS, then one
// fragment per GOP (split after maxFragmentSamples). The samples are the
// access units as the camera sent them, parameter sets included.
func writeMP4(w io.Writer, entries []entry, t timing) error {
	p := entries[0].params
	init := fmp4.Init{Tracks: []*fmp4.InitTrack{{
		ID:        1,
		TimeScale: timescale,
		Codec:     &mp4.CodecH264{SPS: p.sps, PPS: p.pps},
	}}}
	var buf seekablebuffer.Buffer
	if err := init.Marshal(&buf); err != nil {
		return fmt.Errorf("mp4 init: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	base := entries[0].dts
	seq := uint32(1)
	for i := 0; i < len(entries); {
		n := 1
		for i+n < len(entries) && !entries[i+n].key && n < maxFragmentSamples {
			n++
		}
		track := &fmp4.PartTrack{ID: 1, BaseTime: uint64(entries[i].dts - base)}
		samples := make([]fmp4.Sample, n)
		for k := range n {
			e := entries[i+k]
			samples[k] = fmp4.Sample{
				Duration:        t.durations[i+k],
				PTSOffset:       int32(e.pts - e.dts),
				IsNonSyncSample: !e.key,
				Payload:         e.data,
			}
			track.Samples = append(track.Samples, &samples[k])
		}
		part := fmp4.Part{SequenceNumber: seq, Tracks: []*fmp4.PartTrack{track}}
		buf.Reset()
		if err := part.Marshal(&buf); err != nil {
			return fmt.Errorf("mp4 fragment %d: %w", seq, err)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		seq++
		i += n
	}
	return nil
}
