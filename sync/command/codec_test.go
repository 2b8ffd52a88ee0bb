package command

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample(kind string, body string) *Command {
	return &Command{
		ID: NewID(), Kind: kind, Node: "n1", Actor: "officer", Terminal: "10.0.0.7",
		Time: time.Date(2026, 11, 26, 23, 0, 0, 123, time.UTC), Body: []byte(body),
	}
}

func TestRoundTrip(t *testing.T) {
	cases := []*Command{
		sample("alarm.raise", `{"kind":"door.forced","priority":1}`),
		{ID: NewID(), Kind: "k"},              // zero time, empty strings and body
		sample("x", strings.Repeat("é", 500)), // multibyte body
	}
	for _, c := range cases {
		b, err := Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", c.Kind, err)
		}
		if !reflect.DeepEqual(got, c) && !(len(c.Body) == 0 && got.Body == nil) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
		}
	}
	batch, err := EncodeBatch(cases)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(batch)
	if err != nil || len(got) != len(cases) {
		t.Fatalf("batch: %d commands, err %v", len(got), err)
	}
	for i := range cases {
		if got[i].ID != cases[i].ID || got[i].Kind != cases[i].Kind || !bytes.Equal(got[i].Body, cases[i].Body) {
			t.Errorf("batch[%d] differs", i)
		}
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	good, _ := Encode(sample("alarm.raise", "{}"))
	batch, _ := EncodeBatch([]*Command{sample("a", "{}")})
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "version at byte 0: truncated"},
		{"bad version", append([]byte{9}, good[1:]...), "version at byte 0: got 0x09"},
		{"short id", good[:10], "id at byte 1: truncated"},
		{"kind too long", append(append([]byte{}, good[:17]...), 0xff, 0x7f), "kind at byte 19: length 16383 exceeds 256"},
		{"trailing", append(append([]byte{}, good...), 0), "end at byte"},
		{"truncated body", good[:len(good)-1], "body at byte"},
		{"zero id", append(append([]byte{1}, make([]byte, 16)...), 1, 'k', 0, 0, 0, 0, 0), "id is zero"},
	}
	for _, tc := range cases {
		_, err := Decode(tc.in)
		if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.want)
		}
	}
	bcases := []struct {
		name string
		in   []byte
		want string
	}{
		{"no mark", good, "batch mark"},
		{"zero count", []byte{'B', 0}, "count at byte 2: 0 commands"},
		{"huge count", []byte{'B', 0xff, 0xff, 0xff, 0x7f}, "count"},
		{"cut", batch[:len(batch)-3], "command[0]"},
		{"trailing", append(append([]byte{}, batch...), 7), "trailing"},
	}
	for _, tc := range bcases {
		_, err := DecodeBatch(tc.in)
		if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("batch %s: got %v, want error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	for _, c := range []*Command{
		{Kind: "x"},
		{ID: NewID()},
		{ID: NewID(), Kind: strings.Repeat("k", MaxString+1)},
		{ID: NewID(), Kind: "x", Body: make([]byte, MaxBody+1)},
	} {
		if _, err := Encode(c); !errors.Is(err, ErrMalformed) {
			t.Errorf("Encode(%.20q…) = %v, want ErrMalformed", c.Kind, err)
		}
	}
	if _, err := EncodeBatch(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty batch: %v", err)
	}
}

func TestIDText(t *testing.T) {
	id := NewID()
	got, err := ParseID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseID(String()) = %v, %v", got, err)
	}
	if _, err := ParseID("abc"); !errors.Is(err, ErrMalformed) {
		t.Errorf("short id accepted: %v", err)
	}
}

// FuzzDecodeBatch: no input panics, and whatever decodes re-encodes to the
// same bytes (the codec is canonical, so a log entry has one meaning).
func FuzzDecodeBatch(f *testing.F) {
	b, _ := EncodeBatch([]*Command{sample("alarm.raise", `{"p":1}`), sample("alarm.ack", "")})
	f.Add(b)
	f.Add([]byte{'B', 1, 3, 1, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		cs, err := DecodeBatch(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		out, err := EncodeBatch(cs)
		if err != nil {
			t.Fatalf("decoded batch does not re-encode: %v", err)
		}
		again, err := DecodeBatch(out)
		if err != nil || len(again) != len(cs) {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	b, _ := Encode(sample("alarm.raise", `{"p":1}`))
	f.Add(b)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Decode(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if _, err := Encode(c); err != nil {
			t.Fatalf("decoded command does not re-encode: %v", err)
		}
	})
}
