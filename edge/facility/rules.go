package facility

// ZoneRule says who may be in a zone, and when. It applies to one zone and
// every zone inside it (Zone), or to every zone of a kind (Kind: each cell,
// each yard), never both.
//
// A rule with Allow entries restricts the zone: a person in it must match
// one of them at that moment. A Deny entry forbids the people it names even
// when an Allow entry admits them. Several rules may cover one zone — a
// kind rule for every cell and a zone rule for one block — and each is
// checked on its own: a person breaking two rules breaks two.
//
// Hours and days are read on the facility's clocks (Facility.Timezone):
// "09:00-11:00" on mon…fri is nine to eleven local time whatever the
// daylight-saving offset. A window that wraps past midnight belongs to the
// day it starts on: "22:00-06:00" on fri runs from Friday 22:00 to Saturday
// 06:00.
type ZoneRule struct {
	// ID names the rule in alarms and on the console ("yard-hours").
	ID   string   `yaml:"id"`
	Zone string   `yaml:"zone,omitempty"`
	Kind ZoneKind `yaml:"kind,omitempty"`
	// Allow lists who may be there; empty: everyone not denied.
	Allow []Who `yaml:"allow,omitempty"`
	// Deny lists who must not be there.
	Deny []Who `yaml:"deny,omitempty"`
	// Priority of the alarm a breach raises: 1 (most urgent) to 4.
	// Default 2.
	Priority int `yaml:"priority,omitempty"`
	// Note says why the rule exists; it is shown with the alarm.
	Note string `yaml:"note,omitempty"`
}

// Who names people — by id, by group, by role, or as the residents whose
// home cell is in the zone — during the hours, on the days. An entry must
// name somebody; the time fields only narrow it.
type Who struct {
	People []string     `yaml:"people,omitempty"`
	Groups []string     `yaml:"groups,omitempty"`
	Roles  []PersonRole `yaml:"roles,omitempty"`
	// Home names the residents who live in the zone the rule is checked
	// on: their home (people[].home) is that zone or inside it. With
	// kind: cell, it admits each resident to their own cell only.
	Home bool `yaml:"home,omitempty"`
	// Hours is "HH:MM-HH:MM" on the facility's clocks; it may wrap past
	// midnight. Empty: all day.
	Hours string `yaml:"hours,omitempty"`
	// Days are mon, tue, wed, thu, fri, sat, sun. Empty: every day.
	Days []string `yaml:"days,omitempty"`
}

// KeepSeparate is a set of residents of whom no two may share a zone: two
// of them placed in the same zone is an alarm (priority 1 by default).
type KeepSeparate struct {
	ID       string   `yaml:"id"`
	People   []string `yaml:"people"`
	Priority int      `yaml:"priority,omitempty"`
	// Note says why (shown with the alarm; keep it factual and short).
	Note string `yaml:"note,omitempty"`
}

// TwoStaff names zones where a resident must never be with fewer than two
// members of staff: whenever a resident is in one of the zones (or inside
// it), at least two staff must be in it too.
type TwoStaff struct {
	Zones []string `yaml:"zones"`
	// Escorted applies the rule only while staff are present: a resident
	// alone behind a locked door is fine, one officer with them is not
	// (a segregation cell is opened by two).
	Escorted bool `yaml:"escorted,omitempty"`
	Priority int  `yaml:"priority,omitempty"`
}

// Default alarm priorities of the rules.
const (
	DefaultRulePriority     = 2
	DefaultSeparatePriority = 1
	DefaultTwoStaffPriority = 2
)
