package api

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// account is a user as configured. Its hash is the configured one; a
// change through Passwords overrides it (Server.currentHash).
type account struct {
	name string
	role Role
	hash []byte
}

// loadAccounts checks the staff and learner accounts and returns them by
// name, with the bcrypt cost of the first one (bcrypt's default if there
// is none): new hashes and the dummy hash are made at that cost.
func loadAccounts(staffUsers, learnerUsers []User) (map[string]account, int, error) {
	accounts := make(map[string]account, len(staffUsers)+len(learnerUsers))
	cost := 0
	add := func(list string, i int, u User, role Role) error {
		if u.Name == "" {
			return fmt.Errorf("api: config: %s[%d]: name is empty", list, i)
		}
		if prev, dup := accounts[u.Name]; dup {
			if (prev.role == Learner) != (role == Learner) {
				return fmt.Errorf("api: config: %s[%d]: %q is both a staff account and a learner", list, i, u.Name)
			}
			return fmt.Errorf("api: config: %s[%d]: user %q appears twice", list, i, u.Name)
		}
		c, err := bcrypt.Cost([]byte(u.PasswordHash))
		if err != nil {
			return fmt.Errorf("api: config: %s[%d] %q: password hash: %w", list, i, u.Name, err)
		}
		if cost == 0 {
			cost = c
		}
		accounts[u.Name] = account{name: u.Name, role: role, hash: []byte(u.PasswordHash)}
		return nil
	}
	for i, u := range staffUsers {
		role, err := ParseRole(u.Role)
		if err != nil || !staff(Officer).Allows(role) {
			return nil, 0, fmt.Errorf("api: config: users[%d] %q: role %q: want officer, supervisor or admin", i, u.Name, u.Role)
		}
		if err := add("users", i, u, role); err != nil {
			return nil, 0, err
		}
	}
	for i, u := range learnerUsers {
		if u.Role != "" && u.Role != Learner.String() {
			return nil, 0, fmt.Errorf("api: config: learners[%d] %q: role %q: want learner or nothing", i, u.Name, u.Role)
		}
		if err := add("learners", i, u, Learner); err != nil {
			return nil, 0, err
		}
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	return accounts, cost, nil
}
