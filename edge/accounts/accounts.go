package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// KindPassword is the command of a password change.
const KindPassword = "user.password"

// ErrInvalid refuses a change whose user is unknown or whose hash is not
// a bcrypt hash.
var ErrInvalid = errors.New("accounts: invalid password change")

var bucketPasswords = []byte("passwords") // user → bcrypt hash

type change struct {
	User string `json:"user"`
	Hash string `json:"hash"`
}

// Applier applies user.password for the users the facility knows.
type Applier struct {
	Known func(user string) bool
}

// Apply implements replica.Applier.
func (a Applier) Apply(tx *bolt.Tx, _ replica.Entry, c *command.Command) ([]byte, error) {
	ch, err := decode(c)
	if err != nil {
		return nil, err
	}
	if a.Known != nil && !a.Known(ch.User) {
		return nil, fmt.Errorf("%w: no user %q in this facility", ErrInvalid, ch.User)
	}
	b, err := tx.CreateBucketIfNotExists(bucketPasswords)
	if err != nil {
		return nil, err
	}
	return nil, b.Put([]byte(ch.User), []byte(ch.Hash))
}

func decode(c *command.Command) (change, error) {
	var ch change
	if c.Kind != KindPassword {
		return ch, fmt.Errorf("%w: unknown command kind %q", ErrInvalid, c.Kind)
	}
	if err := json.Unmarshal(c.Body, &ch); err != nil {
		return ch, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if ch.User == "" {
		return ch, fmt.Errorf("%w: no user", ErrInvalid)
	}
	if _, err := bcrypt.Cost([]byte(ch.Hash)); err != nil {
		return ch, fmt.Errorf("%w: not a bcrypt hash", ErrInvalid)
	}
	return ch, nil
}

// Changed returns the users whose password the applied commands changed:
// the node ends their sessions.
func Changed(as []replica.Applied) []string {
	var users []string
	for _, a := range as {
		if a.Err != nil || a.Command.Kind != KindPassword {
			continue
		}
		if ch, err := decode(a.Command); err == nil {
			users = append(users, ch.User)
		}
	}
	return users
}

// Replica is what Store needs of the node's replica.
type Replica interface {
	View(func(*bolt.Tx) error) error
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
}

// Store is the API's view of changed passwords (api.Passwords).
type Store struct {
	Replica Replica
	Node    string
}

// Hash returns the user's changed hash, if the password was changed.
func (s Store) Hash(user string) (string, bool) {
	var h string
	_ = s.Replica.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPasswords); b != nil {
			h = string(b.Get([]byte(user)))
		}
		return nil
	})
	return h, h != ""
}

// Set commits the new hash; by is who changed it.
func (s Store) Set(ctx context.Context, user, hash, by string) error {
	body, err := json.Marshal(change{User: user, Hash: hash})
	if err != nil {
		return err
	}
	_, err = s.Replica.Propose(ctx, &command.Command{Kind: KindPassword, Node: s.Node, Actor: by, Body: body})
	return err
}
