package facility

// ZoneIndex answers questions about the zone tree in constant time per
// step: a zone's parent, kind and capacity, and whether one zone lies
// inside another. Build it once ([Facility.ZoneIndex]) and share it: it is
// read-only after construction and safe for concurrent use.
type ZoneIndex struct {
	parent   map[string]string
	kind     map[string]ZoneKind
	capacity map[string]int
	order    []string // every zone id, parents before children, in file order
}

// ZoneIndex indexes the facility's zone tree.
func (f *Facility) ZoneIndex() *ZoneIndex {
	x := &ZoneIndex{parent: map[string]string{}, kind: map[string]ZoneKind{}, capacity: map[string]int{}}
	var walk func(parent string, zs []Zone)
	walk = func(parent string, zs []Zone) {
		for _, z := range zs {
			if _, dup := x.kind[z.ID]; dup {
				continue // validation reports it; the first wins
			}
			x.parent[z.ID], x.kind[z.ID], x.capacity[z.ID] = parent, z.Kind, z.Capacity
			x.order = append(x.order, z.ID)
			walk(z.ID, z.Zones)
		}
	}
	walk("", f.Zones)
	return x
}

// Known reports whether id is a zone of the tree.
func (x *ZoneIndex) Known(id string) bool { _, ok := x.kind[id]; return ok }

// Parent returns the zone that contains id ("" for a top-level or unknown
// zone).
func (x *ZoneIndex) Parent(id string) string { return x.parent[id] }

// Kind returns the zone's kind ("" when unknown).
func (x *ZoneIndex) Kind(id string) ZoneKind { return x.kind[id] }

// Capacity returns the zone's capacity (0: not checked).
func (x *ZoneIndex) Capacity(id string) int { return x.capacity[id] }

// Zones returns every zone id, parents before children, in file order.
func (x *ZoneIndex) Zones() []string { return append([]string(nil), x.order...) }

// Within reports whether zone id is anc or lies inside it. An unknown
// zone is within nothing.
func (x *ZoneIndex) Within(id, anc string) bool {
	if !x.Known(id) {
		return false
	}
	for z := id; z != ""; z = x.parent[z] {
		if z == anc {
			return true
		}
	}
	return false
}

// Chain returns id and the zones that contain it, innermost first; nil
// for an unknown zone.
func (x *ZoneIndex) Chain(id string) []string {
	if !x.Known(id) {
		return nil
	}
	var out []string
	for z := id; z != ""; z = x.parent[z] {
		out = append(out, z)
	}
	return out
}

// OfKind returns the innermost zone of kind k that is id or contains it,
// and whether there is one.
func (x *ZoneIndex) OfKind(id string, k ZoneKind) (string, bool) {
	if !x.Known(id) {
		return "", false
	}
	for z := id; z != ""; z = x.parent[z] {
		if x.kind[z] == k {
			return z, true
		}
	}
	return "", false
}

// Inside returns the zones within anc (anc included) of kind k, in file
// order.
func (x *ZoneIndex) Inside(anc string, k ZoneKind) []string {
	var out []string
	for _, z := range x.order {
		if x.kind[z] == k && x.Within(z, anc) {
			out = append(out, z)
		}
	}
	return out
}
