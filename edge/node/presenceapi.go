package node

import (
	"context"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/sync/replica"
)

// presenceAPI is the API's view of presence: the committed state of this
// node's replica.
type presenceAPI struct {
	f   *facility.Facility
	rep *replica.Replica
}

func (p presenceAPI) Zones(ctx context.Context) ([]api.ZonePresence, error) {
	var states []presence.State
	if err := p.rep.View(func(tx *bolt.Tx) error { states = presence.All(tx); return nil }); err != nil {
		return nil, err
	}
	byZone := map[string][]api.PersonHere{}
	for _, st := range states {
		if st.Zone == "" {
			continue
		}
		fp, _ := p.f.Person(st.Person)
		byZone[st.Zone] = append(byZone[st.Zone], api.PersonHere{ID: st.Person, Name: fp.Name, Role: string(fp.Role), Since: st.Since, Missing: st.Missing})
	}
	var out []api.ZonePresence
	p.f.WalkZones(func(path string, z *facility.Zone) {
		people := byZone[z.ID]
		sort.Slice(people, func(i, j int) bool { return people[i].Name < people[j].Name })
		if people == nil {
			people = []api.PersonHere{}
		}
		out = append(out, api.ZonePresence{Zone: z.ID, Path: path, Name: z.Name, Capacity: z.Capacity, Count: len(people), People: people})
	})
	return out, nil
}

func (p presenceAPI) Person(ctx context.Context, id string, from, to time.Time) (api.PersonPresence, error) {
	fp, ok := p.f.Person(id)
	if !ok {
		return api.PersonPresence{}, fmt.Errorf("%w: no person %q", api.ErrNotFound, id)
	}
	out := api.PersonPresence{ID: id, Name: fp.Name, Role: string(fp.Role)}
	err := p.rep.View(func(tx *bolt.Tx) error {
		if st, ok := presence.Where(tx, id); ok {
			out.Zone, out.Since, out.LastSeen, out.Missing = st.Zone, st.Since, st.LastSeen, st.Missing
		}
		for _, r := range presence.History(tx, id, from, to) {
			out.Moves = append(out.Moves, api.Move{At: r.At, Kind: r.Kind, From: r.From, To: r.Zone, Reader: r.Reader,
				Anomaly: string(r.Anomaly), Reason: r.Reason})
		}
		return nil
	})
	if z, ok := p.f.Zone(out.Zone); ok {
		out.ZoneName = z.Name
	}
	return out, err
}
