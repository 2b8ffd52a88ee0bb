package clips

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// encodedAU is an access unit of an encoded test stream with its times in
// 90 kHz ticks.
type encodedAU struct {
	nalus    [][]byte
	pts, dts int64
}

// ffmpegStream encodes seconds of lavfi's testsrc2 with libx264 and the
// extra encoder arguments into a fragmented MP4, and reads it back with
// mediacommon into access units (SPS and PPS put before each key frame, as
// the ingest does) with their presentation and decode times.
func ffmpegStream(t *testing.T, seconds int, args ...string) []encodedAU {
	t.Helper()
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25", "-t", strconv.Itoa(seconds),
		"-c:v", "libx264", "-preset", "ultrafast"}, args...)
	cmd = append(cmd, "-video_track_timescale", "90000", "-movflags", "frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets", "-f", "mp4", "-")
	out, err := exec.Command(bin, cmd...).Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(out)); err != nil {
		t.Fatal(err)
	}
	codec := init.Tracks[0].Codec.(*mp4.CodecH264)
	var parts fmp4.Parts
	if err := parts.Unmarshal(out); err != nil {
		t.Fatal(err)
	}
	var aus []encodedAU
	for _, p := range parts {
		dts := int64(p.Tracks[0].BaseTime)
		for _, s := range p.Tracks[0].Samples {
			nalus, err := s.GetH264()
			if err != nil {
				t.Fatal(err)
			}
			// By the NAL units: mediacommon does not read trun's
			// first_sample_flags, which ffmpeg marks key frames with.
			if isIDR(nalus) {
				nalus = append([][]byte{codec.SPS, codec.PPS}, nalus...)
			}
			aus = append(aus, encodedAU{nalus: nalus, dts: dts, pts: dts + int64(s.PTSOffset)})
			dts += int64(s.Duration)
		}
	}
	return aus
}

// TestBFrames: a camera encoding with B-frames sends pictures out of
// presentation order; the clip keeps the order and the composition
// offsets, and ffmpeg decodes every picture of it.
func TestBFrames(t *testing.T) {
	aus := ffmpegStream(t, 12, "-bf", "2", "-g", "25", "-sc_threshold", "0")
	reordered := 0
	for i := 1; i < len(aus); i++ {
		if aus[i].pts < aus[i-1].pts {
			reordered++
		}
	}
	if reordered == 0 {
		t.Fatal("the encoded stream has no B-frames")
	}
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{Camera: "gate"}, clk)
	for i, au := range aus {
		if err := r.Push(AccessUnit{NALUs: au.nalus, Time: t0.Add(fromTicks(au.pts))}); err != nil {
			t.Fatalf("access unit %d (pts %d, dts %d): %v", i, au.pts, au.dts, err)
		}
	}
	// Window 3 s … 9 s: GOPs of 1 s start at key frames at 3 s.
	c, err := r.Record(context.Background(), Request{AlarmID: "b", Event: t0.Add(6 * time.Second), Pre: 3 * time.Second, Post: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := checkClip(t, c)
	// 6 s at 25 fps, plus the pictures decoded before the window's end
	// but shown after it (the reorder delay, 2 with -bf 2).
	if c.Frames < 150 || c.Frames > 152 || p.Frames != c.Frames {
		t.Errorf("%d frames in the clip, ffprobe decoded %d; want 150..152", c.Frames, p.Frames)
	}
	if msg := decodeErrors(t, c.Path); msg != "" {
		t.Errorf("ffmpeg could not decode the clip cleanly:\n%s", msg)
	}
}

func isIDR(nalus [][]byte) bool {
	for _, n := range nalus {
		if n[0]&0x1f == naluIDR {
			return true
		}
	}
	return false
}
