package lifescan

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	unexplained := []Signature{{RangeBin: 60}}
	for _, tc := range []struct {
		name            string
		decl            Declaration
		humans, animals int
		unexplained     []Signature
		want            Verdict
		reason          string
	}{
		{"empty, nothing declared", Declaration{}, 0, 0, nil, Clear, "all explained"},
		{"driver", Declaration{People: 1}, 1, 0, nil, Clear, "all explained"},
		{"hidden person", Declaration{People: 1}, 2, 0, nil, HiddenOccupant, "more human-like signatures than declared people"},
		{"hidden person taken for an animal", Declaration{People: 1}, 1, 1, nil, HiddenOccupant, "more living beings than declared"},
		{"undeclared dog", Declaration{People: 1}, 1, 1, nil, HiddenOccupant, "more living beings"},
		{"declared dog", Declaration{People: 1, Animals: 1}, 1, 1, nil, Clear, "all explained"},
		{"declared dog taken for a person", Declaration{People: 1, Animals: 1}, 2, 0, nil, HiddenOccupant, "more human-like"},
		{"passenger taken for an animal", Declaration{People: 2}, 1, 1, nil, Clear, "all explained"},
		{"dog and a hidden person", Declaration{People: 1, Animals: 1}, 1, 2, nil, HiddenOccupant, "more living beings"},
		{"fewer than declared", Declaration{People: 2, Animals: 1}, 1, 0, nil, Clear, "2 declared not seen"},
		{"unexplained target beyond the declaration", Declaration{People: 1}, 1, 0, unexplained, Inconclusive, "search the vehicle or rescan"},
		{"unexplained target within the declaration", Declaration{People: 2}, 1, 0, unexplained, Clear, "all explained"},
		{"alarm wins over unexplained", Declaration{People: 1}, 2, 0, unexplained, HiddenOccupant, "more human-like"},
	} {
		v, reason := judge(tc.decl, tc.humans, tc.animals, tc.unexplained)
		if v != tc.want || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s: %s (%s), want %s with %q", tc.name, v, reason, tc.want, tc.reason)
		}
	}
}
