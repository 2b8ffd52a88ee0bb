package h264dec

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// heaps returns the bytes in use on the C heap (mallinfo2) and the Go heap
// (runtime/metrics) after a collection.
func heaps() (c, goHeap int64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return cHeapInUse(), int64(s[0].Value.Uint64())
}

// Decoding thousands of frames, and opening and closing hundreds of
// decoders, leaves neither heap larger than a steady state.
func TestNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes thousands of frames")
	}
	aus := readClip(t, clipBFrames)
	decodeAll := func(d *Decoder, f *Frame, loops int, aus [][][]byte) int {
		n := 0
		for range loops {
			for i, au := range aus {
				ok, err := d.DecodeFrame(au, pts(i), f)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					n++
				}
			}
		}
		return n
	}

	d := newDecoder(t, Config{Width: 160, Height: 120, Format: BGR})
	var f Frame
	decodeAll(d, &f, 5, aus) // warm up the buffer pools
	c0, g0 := heaps()
	n := decodeAll(d, &f, 60, aus)
	c1, g1 := heaps()
	if n < 3500 {
		t.Fatalf("decoded %d frames, want ≥3500", n)
	}
	t.Logf("%d frames: C heap %+d bytes, Go heap %+d bytes", n, c1-c0, g1-g0)
	if c1-c0 > 1<<20 {
		t.Errorf("C heap grew %d bytes over %d frames", c1-c0, n)
	}
	if g1-g0 > 1<<20 {
		t.Errorf("Go heap grew %d bytes over %d frames", g1-g0, n)
	}

	open := func() {
		d, err := New(Config{Width: 64, Height: 48})
		if err != nil {
			t.Fatal(err)
		}
		decodeAll(d, &f, 1, aus[:8])
		pics, _ := d.Flush()
		for _, p := range pics {
			p.Release()
		}
		d.Close()
	}
	for range 5 {
		open()
	}
	c0, g0 = heaps()
	for range 200 {
		open()
	}
	c1, g1 = heaps()
	t.Logf("200 decoders: C heap %+d bytes, Go heap %+d bytes", c1-c0, g1-g0)
	if c1-c0 > 1<<20 {
		t.Errorf("C heap grew %d bytes over 200 decoders", c1-c0)
	}
	if g1-g0 > 1<<20 {
		t.Errorf("Go heap grew %d bytes over 200 decoders", g1-g0)
	}
}
