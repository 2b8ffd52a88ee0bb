// Package facility is the configuration of one facility: a single YAML file
// that describes the cluster nodes, the site map and its tree of zones, the
// people and groups, the devices and which node drives each, the console
// users and the alarm policy. examples/facility.yaml is a complete example.
//
// The file's top-level keys are:
//
//	id, name, kind     the facility; kind is prison or rehab_centre
//	timezone           an IANA name (default UTC)
//	nodes              [{id, raft_addr, http_addr}], at least one
//	site               {width, height} in metres
//	zones              [{id, name, kind, polygon, capacity, zones}] — a tree,
//	                   building › floor › unit › cell; polygon is [[x, y], …]
//	groups             [{id, name}]
//	people             [{id, name, role, groups, tags, cards}]
//	devices            [{id, kind, node, zones, transport}]; transport is
//	                   {serial, baud, chip, line, url, address, simulated}
//	users              [{name, role, password_hash}] — bcrypt hashes
//	alarms             {escalate_after, coalesce_window} as Go durations
//	zone_rules         [{id, zone | kind, allow, deny, priority, note}] — who
//	                   may be where and when; allow and deny are lists of
//	                   {people, groups, roles, home, hours, days}
//	keep_separate      [{id, people, priority, note}] — residents never
//	                   together in one zone
//	two_staff          [{zones, escorted, priority}]
//	headcount          {times, zones, late} — the formal counts
//	rounds             {interval, watch_interval, watch, blocks} — the
//	                   security rounds; blocks are [{zone, checkpoints}],
//	                   a checkpoint {reader} or {cell}
//
// A resident's people[].home is their cell: where a count expects them and
// where time out of cell is measured from.
//
// [Load] and [Parse] apply the defaults ([Default]), decode the file over
// them strictly — an unknown or repeated key is an error — and then
// [Facility.Validate] it. Every problem is reported, not just the first, as a
// [FieldError] naming the file, the line and the key path:
//
//	facility.yaml:42: zones[0].zones[3].polygon: needs at least 3 points, has 2
//	facility.yaml:7: nodes[1].raft_adr: unknown key; did you mean "raft_addr"?
//
// All of them match [ErrInvalid] with errors.Is.
//
// Anchors and aliases may be used; merge keys (<<) may not.
package facility
