package audit

import (
	"bytes"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/command"
)

// FuzzParseRecord: leaf data read back from a file someone may have edited
// never crashes the reader, and a record that parses re-encodes to the same
// bytes (one encoding per record, so its hash is well defined).
func FuzzParseRecord(f *testing.F) {
	c := &command.Command{ID: command.NewID(), Kind: "alarm.ack", Node: "node-1", Actor: "officer", Time: time.Unix(1, 2), Body: []byte(`{"id":"a1"}`)}
	f.Add(AppendRecord(nil, Record{LogIndex: 7, Time: time.Unix(3, 4), Command: c}))
	f.Add(AppendRecord(nil, Record{LogIndex: 1 << 40, Refused: "no", Command: c}))
	f.Add([]byte{1, 0, 0, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		if again := AppendRecord(nil, r); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
	})
}

// FuzzParseSigned: a checkpoint payload from the log or a file is parsed
// or refused, never crashes, and one that parses survives a round trip.
func FuzzParseSigned(f *testing.F) {
	s := Signed{Checkpoint: Checkpoint{Origin: "f", Size: 3, Root: Hash{9}, Time: time.Unix(5, 0).UTC()}, Signer: "node-1", Cert: []byte{1, 2}, Sig: make([]byte, 64)}
	f.Add(s.Marshal())
	f.Add([]byte(`{"origin":"x","size":1,"root":"AAAA","signer":"n","sig":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSigned(b)
		if err != nil {
			return
		}
		if _, err := s.VerifySignature(); err == nil && len(s.Cert) < 10 {
			t.Fatal("a signature verified against no certificate")
		}
		again, err := ParseSigned(s.Marshal())
		if err != nil || !bytes.Equal(again.Body(), s.Body()) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
