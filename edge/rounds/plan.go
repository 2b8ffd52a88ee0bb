package rounds

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// Plan is what the facility file says about rounds: the blocks and their
// cells, the checkpoint readers and the cells each checks, the intervals,
// who is on watch to begin with, and who may do what. It is read-only
// after NewPlan and safe for concurrent use.
type Plan struct {
	blocks      []Block
	cellBlock   map[string]string   // cell → block
	readerCells map[string][]string // checkpoint reader → the cells it checks
	readerNode  map[string]string   // checkpoint reader → the node that owns it
	homes       map[string][]string // cell → residents living there, sorted
	home        map[string]string   // resident → cell
	watched     map[string]bool     // residents on watch in the file
	staff       map[string]bool
	tags        map[string]string // upper-case EPC → staff person id
	users       map[string]facility.Role
	nodes       map[string]bool
	interval    time.Duration
	watch       time.Duration
	loc         *time.Location
}

// Block is one cell block's round.
type Block struct {
	Zone  string   `json:"zone"`
	Cells []string `json:"cells"`
}

// NewPlan reads the facility's rounds section. It fails only for a
// facility that did not pass validation.
func NewPlan(f *facility.Facility) (*Plan, error) {
	zx := f.ZoneIndex()
	p := &Plan{cellBlock: map[string]string{}, readerCells: map[string][]string{}, readerNode: map[string]string{},
		homes: map[string][]string{}, home: map[string]string{}, watched: map[string]bool{}, staff: map[string]bool{},
		tags: map[string]string{}, users: map[string]facility.Role{}, nodes: map[string]bool{},
		interval: time.Duration(f.Rounds.Interval), watch: time.Duration(f.Rounds.WatchInterval), loc: f.Location()}
	if p.interval <= 0 {
		p.interval = facility.DefaultRoundInterval
	}
	if p.watch <= 0 {
		p.watch = facility.DefaultWatchInterval
	}
	for _, b := range f.Rounds.Blocks {
		blk := Block{Zone: b.Zone}
		for _, cp := range b.Checkpoints {
			cells := []string{cp.Cell}
			if cp.Reader != "" {
				d, ok := f.Device(cp.Reader)
				if !ok {
					return nil, fmt.Errorf("%w: checkpoint reader %q is not a device", ErrInvalid, cp.Reader)
				}
				cells = nil
				for _, z := range d.Zones {
					if zx.Kind(z) == facility.ZoneCell && zx.Within(z, b.Zone) {
						cells = append(cells, z)
					}
				}
				p.readerCells[cp.Reader] = append(p.readerCells[cp.Reader], cells...)
				p.readerNode[cp.Reader] = d.Node
			}
			for _, c := range cells {
				if _, dup := p.cellBlock[c]; !dup {
					p.cellBlock[c] = b.Zone
					blk.Cells = append(blk.Cells, c)
				}
			}
		}
		p.blocks = append(p.blocks, blk)
	}
	watchGroups := f.Rounds.Watch.Groups
	for _, pr := range f.People {
		switch pr.Role {
		case facility.PersonStaff:
			p.staff[pr.ID] = true
			for _, t := range pr.Tags {
				p.tags[strings.ToUpper(t)] = pr.ID
			}
		case facility.PersonResident:
			if pr.Home != "" {
				p.home[pr.ID] = pr.Home
				p.homes[pr.Home] = append(p.homes[pr.Home], pr.ID)
			}
			if slices.Contains(f.Rounds.Watch.People, pr.ID) || slices.ContainsFunc(pr.Groups, func(g string) bool { return slices.Contains(watchGroups, g) }) {
				p.watched[pr.ID] = true
			}
		}
	}
	for _, rs := range p.homes {
		slices.Sort(rs)
	}
	for _, u := range f.Users {
		p.users[u.Name] = u.Role
	}
	for _, n := range f.Nodes {
		p.nodes[n.ID] = true
	}
	return p, nil
}

// Blocks returns the blocks on rounds, in file order.
func (p *Plan) Blocks() []Block {
	out := make([]Block, len(p.blocks))
	for i, b := range p.blocks {
		out[i] = Block{Zone: b.Zone, Cells: slices.Clone(b.Cells)}
	}
	return out
}

// block returns the block of zone id.
func (p *Plan) block(id string) (Block, bool) {
	i := slices.IndexFunc(p.blocks, func(b Block) bool { return b.Zone == id })
	if i < 0 {
		return Block{}, false
	}
	return p.blocks[i], true
}

// Officer returns the member of staff who carries tag epc (hex, any
// case): a read at a checkpoint reader is theirs.
func (p *Plan) Officer(epc string) (string, bool) {
	id, ok := p.tags[strings.ToUpper(epc)]
	return id, ok
}

// ReaderCells returns the cells an officer's tag read at reader checks.
func (p *Plan) ReaderCells(reader string) []string { return slices.Clone(p.readerCells[reader]) }

// Interval returns the longest time allowed between two checks.
func (p *Plan) Interval(watch bool) time.Duration {
	if watch {
		return p.watch
	}
	return p.interval
}

func (p *Plan) user(name string) bool { _, ok := p.users[name]; return ok }
func (p *Plan) supervisor(name string) bool {
	r := p.users[name]
	return r == facility.RoleSupervisor || r == facility.RoleAdmin
}
