package clips

// entry is one buffered picture. Its data is never modified after Push
// stored it, so a pending clip shares it with the ring instead of copying.
type entry struct {
	pts, dts int64   // 90 kHz ticks since the recorder's epoch
	key      bool    // an IDR picture: a clip may start here
	params   *params // parameter sets in force (set on key frames)
	data     []byte  // the NAL units in AVCC form
}

// ring holds a camera's recent pictures in decode order. Whenever it is not
// empty, its first entry is a key frame: pictures are dropped from the
// front one GOP (key frame to key frame) at a time, so a clip can always
// start at the key frame at or before any time the ring still covers.
type ring struct {
	entries []entry
	bytes   int64
}

func (r *ring) push(e entry) {
	r.entries = append(r.entries, e)
	r.bytes += int64(len(e.data))
}

// nextKey returns the index of the first key frame after index i, or -1.
func (r *ring) nextKey(i int) int {
	for j := i + 1; j < len(r.entries); j++ {
		if r.entries[j].key {
			return j
		}
	}
	return -1
}

// dropFront drops the first n entries.
func (r *ring) dropFront(n int) {
	for _, e := range r.entries[:n] {
		r.bytes -= int64(len(e.data))
	}
	// Clear the slots so the backing array does not keep their data
	// reachable until the next reallocation.
	clear(r.entries[:n])
	r.entries = r.entries[n:]
}

// reset drops everything.
func (r *ring) reset() {
	r.dropFront(len(r.entries))
	r.entries = nil
}

// evictResult says what evict dropped beyond the duration bound.
type evictResult struct {
	dropped     int  // entries dropped
	overBytes   bool // a GOP was dropped early because of the byte bound
	gopTooLarge bool // one GOP alone exceeded the byte bound: all dropped
}

// evict drops whole GOPs from the front while the key frame after the
// first one is at or before oldest (so the ring still starts at a key frame
// at or before oldest), and while the ring holds more than maxBytes. A GOP
// larger than maxBytes on its own leaves nothing to start a clip from
// within the bound, and is dropped entirely.
func (r *ring) evict(oldest int64, maxBytes int64) evictResult {
	var res evictResult
	for len(r.entries) > 0 {
		k := r.nextKey(0)
		switch {
		case k > 0 && r.entries[k].pts <= oldest:
		case k > 0 && r.bytes > maxBytes:
			res.overBytes = true
		case k < 0 && r.bytes > maxBytes:
			res.gopTooLarge = true
			res.dropped += len(r.entries)
			r.reset()
			return res
		default:
			return res
		}
		res.dropped += k
		r.dropFront(k)
	}
	return res
}

// startIndex returns where a clip of the window [start, end) begins: the
// last key frame presented at or before start; failing that (the ring does
// not reach back so far), the first key frame decoded before end. It
// returns -1 when there is none.
func (r *ring) startIndex(start, end int64) int {
	first := -1
	for i, e := range r.entries {
		if e.dts >= end {
			break
		}
		if !e.key {
			continue
		}
		if e.pts <= start || first < 0 {
			first = i
		}
		if e.pts > start {
			break
		}
	}
	return first
}
