package accounts

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

func TestPasswordChangesAreCheckedBeforeTheyApply(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, _ := bcrypt.GenerateFromPassword([]byte("a long new password"), bcrypt.MinCost)
	a := Applier{Known: func(u string) bool { return u == "officer" }}
	cmd := func(body string) *command.Command {
		return &command.Command{ID: command.NewID(), Kind: KindPassword, Actor: "admin", Body: []byte(body)}
	}
	for name, body := range map[string]string{
		"unknown user":   `{"user":"mallory","hash":"` + string(hash) + `"}`,
		"not bcrypt":     `{"user":"officer","hash":"plaintext"}`,
		"no user":        `{"hash":"` + string(hash) + `"}`,
		"malformed JSON": `{"user":`,
	} {
		err := db.Update(func(tx *bolt.Tx) error { _, err := a.Apply(tx, replica.Entry{}, cmd(body)); return err })
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	good := cmd(`{"user":"officer","hash":"` + string(hash) + `"}`)
	if err := db.Update(func(tx *bolt.Tx) error { _, err := a.Apply(tx, replica.Entry{}, good); return err }); err != nil {
		t.Fatal(err)
	}
	var got string
	db.View(func(tx *bolt.Tx) error { got = string(tx.Bucket(bucketPasswords).Get([]byte("officer"))); return nil })
	if got != string(hash) {
		t.Errorf("stored %q", got)
	}
	if users := Changed([]replica.Applied{{Command: good}, {Command: cmd("{}"), Err: ErrInvalid}}); len(users) != 1 || users[0] != "officer" {
		t.Errorf("Changed = %v, want [officer]", users)
	}
}
