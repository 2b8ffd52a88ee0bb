package audit

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

type nop struct{}

func (nop) Apply(*bolt.Tx, replica.Entry, *command.Command) ([]byte, error) { return nil, nil }

// BenchmarkRecorderApply is the tree's cost per command, in transactions of
// 50 commands (the batch the throughput benchmark sees), with the bbolt
// options of the replica's state file; "bare" writes only what the replica
// writes per command anyway (the exactly-once record).
func BenchmarkRecorderApply(b *testing.B) {
	body := make([]byte, 256)
	for _, name := range []string{"bare", "audited"} {
		b.Run(name, func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), 0o600, &bolt.Options{NoSync: true, NoGrowSync: true, NoFreelistSync: true, InitialMmapSize: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var app replica.Applier = nop{}
			if name == "audited" {
				app = &Recorder{Next: nop{}, Origin: "b"}
			}
			cs := make([]*command.Command, 50)
			b.ResetTimer()
			for i := 0; i < b.N; i += len(cs) {
				for j := range cs {
					cs[j] = &command.Command{ID: command.NewID(), Kind: "bench.event", Node: "n1", Time: time.Unix(0, int64(i)), Body: body}
				}
				err := db.Update(func(tx *bolt.Tx) error {
					ab, _ := tx.CreateBucketIfNotExists([]byte("_applied"))
					for j, c := range cs {
						if _, err := app.Apply(tx, replica.Entry{Index: uint64(i + j)}, c); err != nil {
							return err
						}
						if err := ab.Put(c.ID[:], []byte{0, 0, 0, 0, 0, 0, 0, 1, 0}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
