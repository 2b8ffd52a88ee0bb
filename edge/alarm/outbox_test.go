package alarm

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/command"
)

func TestOutboxSurvivesRestartAndATornFile(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := filepath.Join(t.TempDir(), "alarm-outbox.db")
	ob, err := openOutbox(path, log)
	if err != nil {
		t.Fatal(err)
	}
	c := &command.Command{ID: command.NewID(), Kind: KindRaise, Time: time.Now().UTC(), Body: []byte(`{"kind":"door.forced"}`)}
	if err := ob.put(c); err != nil {
		t.Fatal(err)
	}
	if err := ob.close(); err != nil {
		t.Fatal(err)
	}
	ob, err = openOutbox(path, log)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ob.pending()
	if err != nil || len(got) != 1 || got[0].ID != c.ID {
		t.Fatalf("after reopen: %v, %v", got, err)
	}
	ob.close()

	// A power cut tore the file: the node still starts, the old file is kept.
	if err := os.WriteFile(path, []byte("not a bolt file at all, not even close................"), 0o600); err != nil {
		t.Fatal(err)
	}
	ob, err = openOutbox(path, log)
	if err != nil {
		t.Fatalf("torn outbox stopped the node: %v", err)
	}
	defer ob.close()
	if got, _ := ob.pending(); len(got) != 0 {
		t.Errorf("fresh outbox holds %d commands", len(got))
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("torn file not kept aside: %v", aside)
	}
}
