package facility_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/examples"
)

// TestExample checks the example shipped in the demo binary: it loads, and
// it exercises every zone kind, every device kind and every console role.
func TestExample(t *testing.T) {
	loaded, err := facility.Load(filepath.Join("..", "..", "examples", "facility.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, f) {
		t.Error("the embedded example differs from examples/facility.yaml")
	}
	if f.ID != "northfield" || f.Kind != facility.KindPrison {
		t.Errorf("id, kind = %q, %q; want northfield, prison", f.ID, f.Kind)
	}

	for i, n := range f.Nodes {
		raft, http := fmt.Sprintf("127.0.0.1:700%d", i+1), fmt.Sprintf("127.0.0.1:808%d", i+1)
		if n.RaftAddr != raft || n.HTTPAddr != http {
			t.Errorf("nodes[%d] = %+v, want %s and %s", i, n, raft, http)
		}
	}
	if len(f.Nodes) != 3 {
		t.Errorf("%d nodes, want 3", len(f.Nodes))
	}

	zoneKinds := map[facility.ZoneKind]bool{}
	f.WalkZones(func(_ string, z *facility.Zone) { zoneKinds[z.Kind] = true })
	for _, k := range facility.ZoneKinds() {
		if !zoneKinds[k] {
			t.Errorf("no zone of kind %s", k)
		}
	}
	deviceKinds := map[facility.DeviceKind]bool{}
	for _, d := range f.Devices {
		deviceKinds[d.Kind] = true
	}
	for _, k := range facility.DeviceKinds() {
		if !deviceKinds[k] {
			t.Errorf("no device of kind %s", k)
		}
	}

	for name, role := range map[string]facility.Role{"officer": facility.RoleOfficer, "super": facility.RoleSupervisor, "admin": facility.RoleAdmin} {
		u, ok := f.User(name)
		if !ok || u.Role != role {
			t.Errorf("User(%q) = %+v, %v; want role %s", name, u, ok, role)
			continue
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("demo-"+name)); err != nil {
			t.Errorf("user %s: password demo-%s does not match: %v", name, name, err)
		}
	}
}

func TestLookups(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	z, ok := f.Zone("a-201")
	if !ok || z.Name != "Cell A-201" || z.Kind != facility.ZoneCell {
		t.Errorf("Zone(a-201) = %+v, %v", z, ok)
	}
	z.Capacity = 99 // the pointer refers into f
	if z2, _ := f.Zone("a-201"); z2.Capacity != 99 {
		t.Error("Zone does not return a pointer into the facility")
	}
	if _, ok := f.Zone("nowhere"); ok {
		t.Error("Zone(nowhere) found something")
	}

	var path string
	f.WalkZones(func(p string, z *facility.Zone) {
		if z.ID == "a-201" {
			path = p
		}
	})
	if want := "hb-a/hb-a-2/hb-a-2-west/a-201"; path != want {
		t.Errorf("WalkZones path of a-201 = %q, want %q", path, want)
	}

	if n, ok := f.Node("node-2"); !ok || n.RaftAddr != "127.0.0.1:7002" {
		t.Errorf("Node(node-2) = %+v, %v", n, ok)
	}
	if d, ok := f.Device("hb-a-rfid"); !ok || !d.Transport.Simulated || d.Node != "node-2" || len(d.Zones) != 2 {
		t.Errorf("Device(hb-a-rfid) = %+v, %v", d, ok)
	}
	if p, ok := f.Person("s-2001"); !ok || p.Role != facility.PersonStaff || len(p.Cards) != 1 {
		t.Errorf("Person(s-2001) = %+v, %v", p, ok)
	}
	for _, d := range f.DevicesOf("node-3") {
		if d.Node != "node-3" {
			t.Errorf("DevicesOf(node-3) returned %s owned by %s", d.ID, d.Node)
		}
	}
	if _, ok := f.User("root"); ok {
		t.Error("User(root) found something")
	}
}

func TestSallyPortValidation(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.SallyPorts) != 1 || f.SallyPorts[0].Outer.Loop != "sp-outer-loop" || time.Duration(f.SallyPorts[0].Scan) != 30*time.Second {
		t.Fatalf("example sally port: %+v", f.SallyPorts)
	}
	sp := &f.SallyPorts[0]
	sp.Zone = "yard"
	sp.Inner.Open = "sp-outer-loop"
	sp.Outer.Closed = ""
	sp.Radar = "nope"
	sp.Scan = facility.Duration(5 * time.Second)
	err = f.Validate()
	for _, want := range []string{
		`sally_ports[0].zone: zone "yard" is a yard, want a sally_port zone`,
		`sally_ports[0].inner.open: device "sp-outer-loop" is a vehicle_loop; a sally port's inner.open must be gpio_output`,
		`sally_ports[0].outer.closed: required`,
		`sally_ports[0].radar: unknown device "nope"`,
		`sally_ports[0].scan: 5s is too short`,
		`sally_ports[0].inner.open: duplicate sally port device "sp-outer-loop" (first at sally_ports[0].outer.loop)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want[:min(len(want), 60)]) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
