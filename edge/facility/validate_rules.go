package facility

import (
	"fmt"
	"slices"
	"strings"
)

// validateRules checks the residents' homes, the zone rules, the
// keep-separates and the two-staff zones.
func (f *Facility) validateRules(l *errorList, groups ids) {
	zx := f.ZoneIndex()
	people := map[string]PersonRole{}
	for _, p := range f.People {
		if _, dup := people[p.ID]; !dup {
			people[p.ID] = p.Role
		}
	}
	f.validateHomes(l, zx)

	rules := ids{}
	for i, r := range f.ZoneRules {
		p := fmt.Sprintf("zone_rules[%d]", i)
		rules.add(l, p+".id", r.ID)
		switch {
		case r.Zone != "" && r.Kind != "":
			l.add(p, "give zone or kind, not both")
		case r.Zone != "":
			if !zx.Known(r.Zone) {
				l.add(p+".zone", fmt.Sprintf("unknown zone %q", r.Zone))
			}
		case r.Kind != "":
			if !r.Kind.Valid() {
				l.add(p+".kind", badEnum("zone kind", r.Kind, zoneKinds))
			}
		default:
			l.add(p, "needs a zone (it and the zones inside it) or a kind (every zone of that kind)")
		}
		if len(r.Allow)+len(r.Deny) == 0 {
			l.add(p, "allows and denies nobody: give allow or deny")
		}
		for j, w := range r.Allow {
			validateWho(l, fmt.Sprintf("%s.allow[%d]", p, j), w, people, groups)
		}
		for j, w := range r.Deny {
			validateWho(l, fmt.Sprintf("%s.deny[%d]", p, j), w, people, groups)
		}
		checkPriority(l, p+".priority", r.Priority)
	}

	seps := ids{}
	for i, ks := range f.KeepSeparate {
		p := fmt.Sprintf("keep_separate[%d]", i)
		seps.add(l, p+".id", ks.ID)
		if len(ks.People) < 2 {
			l.add(p+".people", fmt.Sprintf("names %d people; keeping apart needs at least 2", len(ks.People)))
		}
		seen := ids{}
		for j, id := range ks.People {
			pp := fmt.Sprintf("%s.people[%d]", p, j)
			role, ok := people[id]
			switch {
			case !ok:
				l.add(pp, fmt.Sprintf("unknown person %q", id))
			case role != PersonResident:
				l.add(pp, fmt.Sprintf("%s is %s; keep-separates are between residents", id, role))
			default:
				seen.addAs(l, pp, id, "person")
			}
		}
		checkPriority(l, p+".priority", ks.Priority)
	}

	two := ids{}
	for i, ts := range f.TwoStaff {
		p := fmt.Sprintf("two_staff[%d]", i)
		if len(ts.Zones) == 0 {
			l.add(p+".zones", "required: the zones where a resident needs two staff")
		}
		for j, z := range ts.Zones {
			zp := fmt.Sprintf("%s.zones[%d]", p, j)
			if !zx.Known(z) {
				l.add(zp, fmt.Sprintf("unknown zone %q", z))
				continue
			}
			two.addAs(l, zp, z, "two-staff zone")
		}
		checkPriority(l, p+".priority", ts.Priority)
	}
}

// validateHomes checks people[].home: a known cell or unit, for residents
// only, and no more residents in a zone than its capacity.
func (f *Facility) validateHomes(l *errorList, zx *ZoneIndex) {
	living := map[string][]string{} // zone → residents living there
	for i, pr := range f.People {
		if pr.Home == "" {
			continue
		}
		p := fmt.Sprintf("people[%d].home", i)
		k := zx.Kind(pr.Home)
		switch {
		case !zx.Known(pr.Home):
			l.add(p, fmt.Sprintf("unknown zone %q", pr.Home))
		case pr.Role != PersonResident:
			l.add(p, "only a resident has a home cell")
		case k != ZoneCell && k != ZoneUnit:
			l.add(p, fmt.Sprintf("zone %q is a %s; a home is a cell or a unit (a dormitory)", pr.Home, k))
		default:
			living[pr.Home] = append(living[pr.Home], pr.ID)
			if c := zx.Capacity(pr.Home); c > 0 && len(living[pr.Home]) > c {
				l.add(p, fmt.Sprintf("%s holds %d; %s all live there", pr.Home, c, strings.Join(living[pr.Home], ", ")))
			}
		}
	}
}

func validateWho(l *errorList, p string, w Who, people map[string]PersonRole, groups ids) {
	if len(w.People)+len(w.Groups)+len(w.Roles) == 0 && !w.Home {
		l.add(p, "names nobody: give people, groups, roles or home: true")
	}
	for k, id := range w.People {
		if _, ok := people[id]; !ok {
			l.add(fmt.Sprintf("%s.people[%d]", p, k), fmt.Sprintf("unknown person %q", id))
		}
	}
	for k, g := range w.Groups {
		groups.ref(l, fmt.Sprintf("%s.groups[%d]", p, k), g, "group")
	}
	for k, role := range w.Roles {
		if !role.Valid() {
			l.add(fmt.Sprintf("%s.roles[%d]", p, k), badEnum("role", role, []PersonRole{PersonStaff, PersonResident}))
		}
	}
	if w.Hours != "" {
		if _, _, err := ParseHours(w.Hours); err != nil {
			l.add(p+".hours", err.Error())
		}
	}
	for k, day := range w.Days {
		if _, ok := weekdays[strings.ToLower(day)]; !ok {
			l.add(fmt.Sprintf("%s.days[%d]", p, k), fmt.Sprintf("unknown day %q: want mon, tue, wed, thu, fri, sat or sun", day))
		}
	}
}

func checkPriority(l *errorList, p string, v int) {
	if v != 0 && (v < 1 || v > 4) {
		l.add(p, fmt.Sprintf("%d: want 1 (most urgent) to 4", v))
	}
}

// validateRoutine checks the headcount schedule and the rounds.
func (f *Facility) validateRoutine(l *errorList, groups ids) {
	zx := f.ZoneIndex()
	h := f.Headcount
	times := ids{}
	for i, t := range h.Times {
		p := fmt.Sprintf("headcount.times[%d]", i)
		if _, err := ParseClock(t); err != nil {
			l.add(p, err.Error())
			continue
		}
		times.addAs(l, p, t, "time")
	}
	if len(h.Times) > 0 && len(h.Zones) == 0 {
		l.add("headcount.zones", "required with times: the zones counted")
	}
	counted := ids{}
	for i, z := range h.Zones {
		p := fmt.Sprintf("headcount.zones[%d]", i)
		if !zx.Known(z) {
			l.add(p, fmt.Sprintf("unknown zone %q", z))
			continue
		}
		counted.addAs(l, p, z, "counted zone")
	}
	for i, z := range h.Zones {
		for _, other := range h.Zones[:i] {
			if z != other && (zx.Within(z, other) || zx.Within(other, z)) {
				l.add(fmt.Sprintf("headcount.zones[%d]", i), fmt.Sprintf("%s and %s overlap (one lies inside the other): count each place once", z, other))
			}
		}
	}
	if h.Late <= 0 {
		l.add("headcount.late", "must be positive")
	}
	if len(h.Zones) > 0 {
		for i, pr := range f.People {
			if pr.Role != PersonResident || !zx.Known(pr.Home) {
				continue
			}
			if !slices.ContainsFunc(h.Zones, func(z string) bool { return zx.Within(pr.Home, z) }) {
				l.add(fmt.Sprintf("people[%d].home", i), fmt.Sprintf("%s lies in no counted zone (headcount.zones): no count would expect %s", pr.Home, pr.ID))
			}
		}
	}
	f.validateRounds(l, zx, groups)
}

func (f *Facility) validateRounds(l *errorList, zx *ZoneIndex, groups ids) {
	r := f.Rounds
	if r.Interval <= 0 {
		l.add("rounds.interval", "must be positive")
	}
	if r.WatchInterval <= 0 {
		l.add("rounds.watch_interval", "must be positive")
	} else if r.Interval > 0 && r.WatchInterval > r.Interval {
		l.add("rounds.watch_interval", fmt.Sprintf("%s is longer than the interval (%s): a resident on watch is checked more often, not less", r.WatchInterval, r.Interval))
	}
	for i, id := range r.Watch.People {
		p := fmt.Sprintf("rounds.watch.people[%d]", i)
		if pr, ok := f.Person(id); !ok {
			l.add(p, fmt.Sprintf("unknown person %q", id))
		} else if pr.Role != PersonResident {
			l.add(p, fmt.Sprintf("%s is %s; only residents are on watch", id, pr.Role))
		}
	}
	for i, g := range r.Watch.Groups {
		groups.ref(l, fmt.Sprintf("rounds.watch.groups[%d]", i), g, "group")
	}
	blocks := ids{}
	for i, b := range r.Blocks {
		p := fmt.Sprintf("rounds.blocks[%d]", i)
		if b.Zone == "" {
			l.add(p+".zone", "required: the cell block's zone")
			continue
		}
		if !zx.Known(b.Zone) {
			l.add(p+".zone", fmt.Sprintf("unknown zone %q", b.Zone))
			continue
		}
		blocks.addAs(l, p+".zone", b.Zone, "block")
		for _, other := range r.Blocks[:i] {
			if other.Zone != b.Zone && (zx.Within(b.Zone, other.Zone) || zx.Within(other.Zone, b.Zone)) {
				l.add(p+".zone", fmt.Sprintf("%s and %s overlap: a cell is on one block's round", b.Zone, other.Zone))
			}
		}
		f.validateCheckpoints(l, zx, p, b)
	}
}

func (f *Facility) validateCheckpoints(l *errorList, zx *ZoneIndex, p string, b RoundBlock) {
	covered := ids{}
	for j, cp := range b.Checkpoints {
		cpp := fmt.Sprintf("%s.checkpoints[%d]", p, j)
		switch {
		case cp.Reader != "" && cp.Cell != "":
			l.add(cpp, "give reader or cell, not both")
		case cp.Reader != "":
			d, ok := f.Device(cp.Reader)
			if !ok {
				l.add(cpp+".reader", fmt.Sprintf("unknown device %q", cp.Reader))
				continue
			}
			if d.Kind != DeviceRFIDReader {
				l.add(cpp+".reader", fmt.Sprintf("device %q is a %s; a checkpoint reader reads officers' tags (rfid_reader)", cp.Reader, d.Kind))
				continue
			}
			n := 0
			for _, z := range d.Zones {
				if zx.Kind(z) == ZoneCell && zx.Within(z, b.Zone) {
					covered.addAs(l, cpp+".reader", z, "checkpoint cell")
					n++
				}
			}
			if n == 0 {
				l.add(cpp+".reader", fmt.Sprintf("reader %q watches no cell of %s (its zones: %s)", cp.Reader, b.Zone, strings.Join(d.Zones, ", ")))
			}
		case cp.Cell != "":
			switch {
			case !zx.Known(cp.Cell):
				l.add(cpp+".cell", fmt.Sprintf("unknown zone %q", cp.Cell))
			case zx.Kind(cp.Cell) != ZoneCell:
				l.add(cpp+".cell", fmt.Sprintf("zone %q is a %s, not a cell", cp.Cell, zx.Kind(cp.Cell)))
			case !zx.Within(cp.Cell, b.Zone):
				l.add(cpp+".cell", fmt.Sprintf("cell %s is not in %s", cp.Cell, b.Zone))
			default:
				covered.addAs(l, cpp+".cell", cp.Cell, "checkpoint cell")
			}
		default:
			l.add(cpp, "needs a reader (an officer's tag read there logs the check) or a cell (checked at the console)")
		}
	}
	var missing []string
	for _, c := range zx.Inside(b.Zone, ZoneCell) {
		if _, ok := covered[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		l.add(p+".checkpoints", fmt.Sprintf("cells %s of %s are on no checkpoint: add {cell: %s} to check it at the console",
			strings.Join(missing, ", "), b.Zone, missing[0]))
	}
}
