package api

import (
	"fmt"
	"strings"
)

// Role is who a logged-in user is. Officer, Supervisor and Admin are staff
// at the console, each allowed what the one before may do and more (that is
// the table's choice, through staff). Learner is an inmate or detainee at an
// education kiosk: no staff role includes it and it includes none of them.
type Role int

// Roles. Anonymous is nobody logged in.
const (
	Anonymous Role = iota
	Officer
	Supervisor
	Admin
	Learner

	numRoles = iota
)

var roleNames = [numRoles]string{
	Anonymous: "anonymous", Officer: "officer", Supervisor: "supervisor", Admin: "admin", Learner: "learner",
}

// ParseRole parses "officer", "supervisor", "admin", "learner" or
// "anonymous".
func ParseRole(s string) (Role, error) {
	for r, name := range roleNames {
		if s == name {
			return Role(r), nil
		}
	}
	return Anonymous, fmt.Errorf("api: unknown role %q", s)
}

// String returns the role's name.
func (r Role) String() string {
	if r < 0 || r >= numRoles {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// MarshalText makes a role a JSON string.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Access is a route's access decision: the set of roles it lets in, one bit
// per Role. The zero Access lets nobody in and is refused by New, so a
// route cannot be added without a decision. An Access that lets Anonymous
// in must let everyone in (anyone): such a route never looks at a session.
type Access uint8

// The decisions the tables use.
var (
	// anyone needs no session: login, health checks, static pages.
	anyone = allow(Anonymous, Officer, Supervisor, Admin, Learner)
	// learners is a learner at a kiosk, and nobody else.
	learners = allow(Learner)
)

// allow returns the Access that lets exactly roles in.
func allow(roles ...Role) Access {
	var a Access
	for _, r := range roles {
		if r >= 0 && r < numRoles {
			a |= 1 << r
		}
	}
	return a
}

// staff returns the Access of the staff roles from least up to admin:
// staff(Officer) is every officer, supervisor and admin. It never includes
// Learner. A least that is not a staff role gives the zero Access, which New
// refuses.
func staff(least Role) Access {
	if least < Officer || least > Admin {
		return 0
	}
	var a Access
	for r := least; r <= Admin; r++ {
		a |= 1 << r
	}
	return a
}

// Allows reports whether r may call a route with this decision.
func (a Access) Allows(r Role) bool {
	return r >= 0 && r < numRoles && a&(1<<r) != 0
}

// Roles lists the roles a lets in, in Role order.
func (a Access) Roles() []Role {
	var out []Role
	for r := Role(0); r < numRoles; r++ {
		if a.Allows(r) {
			out = append(out, r)
		}
	}
	return out
}

// String is "anyone", "nobody" or the roles let in, e.g. "supervisor, admin".
func (a Access) String() string {
	switch a {
	case anyone:
		return "anyone"
	case 0:
		return "nobody"
	}
	var names []string
	for _, r := range a.Roles() {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}

// check says what is wrong with a as a route's decision, or "".
func (a Access) check() string {
	switch {
	case a == 0:
		return "has no access decision"
	case a&^anyone != 0:
		return fmt.Sprintf("access %#x names a role that does not exist", uint8(a))
	case a.Allows(Anonymous) && a != anyone:
		return "lets anonymous callers in but not " + (anyone &^ a).String() + "; use anyone"
	}
	return ""
}

// needs says, for a 403, which role the route needs.
func (a Access) needs() string {
	// A staff range is named by its least role, as officers know it.
	if roles := a.Roles(); len(roles) > 0 && (len(roles) == 1 || a == staff(roles[0])) {
		return "this needs the " + roles[0].String() + " role"
	}
	return "this is only for: " + a.String()
}
