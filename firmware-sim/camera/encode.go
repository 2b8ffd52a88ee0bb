package camera

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ErrNoEncoder is returned when ffmpeg (with libx264) is not on PATH and a
// scene is not in the cache yet.
var ErrNoEncoder = errors.New("camera sim: ffmpeg not found on PATH; it encodes the scenes (Debian: apt-get install ffmpeg)")

// renderVersion changes whenever rendering changes, so cached encodings of
// older pictures are not reused.
const renderVersion = 1

// encoderArgs are the libx264 settings of every scene: no B-frames, an IDR
// every 15 frames with SPS and PPS before it (x264 repeats headers when the
// output has no global header), as IP cameras stream.
var encoderArgs = []string{"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "15", "-pix_fmt", "yuv420p"}

// ClipOptions chooses a scene's rendering.
type ClipOptions struct {
	Width, Height int    // default 640×360
	FPS           int    // default 15
	CacheDir      string // default DefaultCacheDir()
}

func (o *ClipOptions) defaults() error {
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 640, 360
	}
	if o.FPS == 0 {
		o.FPS = 15
	}
	if o.Width < 64 || o.Height < 64 || o.Width > 3840 || o.Height > 2160 || o.Width%2 != 0 || o.Height%2 != 0 {
		return fmt.Errorf("camera sim: size %dx%d: want even sizes from 64x64 to 3840x2160", o.Width, o.Height)
	}
	if o.FPS < 1 || o.FPS > 60 {
		return fmt.Errorf("camera sim: fps %d: want 1..60", o.FPS)
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	return nil
}

// DefaultCacheDir is where encoded scenes are kept between runs: the user's
// cache directory, or the temporary directory when there is none.
func DefaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "palisade", "camera-sim")
	}
	return filepath.Join(os.TempDir(), "palisade-camera-sim")
}

// Clip is a scene rendered and encoded: one H.264 access unit a frame, and
// the ground truth of every frame.
type Clip struct {
	Truth *Truth
	// AUs[i] is frame i as NAL units without start codes. Key frames carry
	// their SPS and PPS.
	AUs      [][][]byte
	SPS, PPS []byte
	// Bytes is the size of the encoded scene.
	Bytes int
}

// TruthOf returns a scene's ground truth without encoding it.
func TruthOf(scene string, o ClipOptions) (*Truth, error) {
	s, err := lookup(scene)
	if err != nil {
		return nil, err
	}
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return s.truth(o.Width, o.Height, o.FPS), nil
}

// encodeLocks keeps two goroutines from encoding the same clip at once.
var encodeLocks sync.Map // cache path → *sync.Mutex

// LoadClip returns a scene's clip, encoding it with ffmpeg/libx264 on first
// use and keeping the H.264 under the cache directory.
func LoadClip(ctx context.Context, scene string, o ClipOptions) (*Clip, error) {
	s, err := lookup(scene)
	if err != nil {
		return nil, err
	}
	if err := o.defaults(); err != nil {
		return nil, err
	}
	tr := s.truth(o.Width, o.Height, o.FPS)
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%dx%d|%d|%s", renderVersion, s.Name, o.Width, o.Height, o.FPS, strings.Join(encoderArgs, " "))))
	path := filepath.Join(o.CacheDir, fmt.Sprintf("%s-%dx%d-%d-%s.h264", s.Name, o.Width, o.Height, o.FPS, hex.EncodeToString(sum[:6])))
	mu, _ := encodeLocks.LoadOrStore(path, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = encode(ctx, s, o, path)
	}
	if err != nil {
		return nil, err
	}
	c := &Clip{Truth: tr, Bytes: len(data)}
	c.AUs, err = accessUnits(data)
	if err != nil {
		return nil, fmt.Errorf("camera sim: %s: %w", path, err)
	}
	if len(c.AUs) != len(tr.Frames) {
		return nil, fmt.Errorf("camera sim: %s: %d access units for %d frames", path, len(c.AUs), len(tr.Frames))
	}
	for _, n := range c.AUs[0] {
		switch n[0] & 0x1f {
		case 7:
			c.SPS = n
		case 8:
			c.PPS = n
		}
	}
	if c.SPS == nil || c.PPS == nil || !isKey(c.AUs[0]) {
		return nil, fmt.Errorf("camera sim: %s: first frame is not a key frame with SPS and PPS", path)
	}
	return c, nil
}

// encode renders every frame and pipes it into ffmpeg, writing the H.264
// to path atomically.
func encode(ctx context.Context, s *sceneSpec, o ClipOptions, path string) ([]byte, error) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, ErrNoEncoder
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("camera sim: cache: %w", err)
	}
	tmp, err := os.CreateTemp(o.CacheDir, ".encode-*.h264")
	if err != nil {
		return nil, fmt.Errorf("camera sim: cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())

	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "gray", "-s", fmt.Sprintf("%dx%d", o.Width, o.Height), "-r", strconv.Itoa(o.FPS), "-i", "pipe:0", "-an"}
	args = append(args, encoderArgs...)
	args = append(args, "-f", "h264", tmp.Name())
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("camera sim: ffmpeg: %w", err)
	}
	r := newRenderer(s, o.Width, o.Height, o.FPS)
	w := bufio.NewWriterSize(stdin, o.Width*o.Height)
	pic := make([]byte, o.Width*o.Height)
	var werr error
	for i := range int(s.Seconds * float64(o.FPS)) {
		r.frame(i, pic)
		if _, werr = w.Write(pic); werr != nil {
			break
		}
	}
	if werr == nil {
		werr = w.Flush()
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("camera sim: ffmpeg encoding %s: %w: %s", s.Name, err, strings.TrimSpace(stderr.String()))
	}
	if werr != nil {
		return nil, fmt.Errorf("camera sim: writing frames to ffmpeg: %w", werr)
	}
	data, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("camera sim: cache: %w", err)
	}
	return data, nil
}
