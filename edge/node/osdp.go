package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/doors"
	"github.com/palisade/palisade/edge/facility"
	osdpsim "github.com/palisade/palisade/firmware-sim/osdp"
	"github.com/palisade/palisade/sensors/osdp"
	"github.com/palisade/palisade/sensors/wiegand"
)

// readerKeys keeps each OSDP reader's own secure channel key in the node's
// data directory (0600): a key is a secret of the hardware this node owns,
// not configuration to replicate.
type readerKeys struct {
	path string
	mu   sync.Mutex
	keys map[string]string // device id → hex SCBK
}

func loadReaderKeys(dir string) (*readerKeys, error) {
	k := &readerKeys{path: filepath.Join(dir, "osdp-keys.json"), keys: map[string]string{}}
	b, err := os.ReadFile(k.path)
	if errors.Is(err, os.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &k.keys); err != nil {
		return nil, fmt.Errorf("%s: %w", k.path, err)
	}
	return k, nil
}

func (k *readerKeys) get(dev string) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, err := hex.DecodeString(k.keys[dev])
	if err != nil || len(b) != 16 {
		return nil
	}
	return b
}

func (k *readerKeys) set(dev string, key []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[dev] = hex.EncodeToString(key)
	b, err := json.MarshalIndent(k.keys, "", "  ")
	if err != nil {
		return err
	}
	tmp := k.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, k.path)
}

func newKey() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// osdpReader is one OSDP reader of a door this node runs.
type osdpReader struct {
	dev  facility.Device
	addr int
}

// startOSDP runs one control panel per RS-485 bus of this node's door
// readers. A reader without a key of its own is commissioned when it
// first comes online over the default key; a commissioned reader that
// offers the default key or plain text again is a priority-1 alarm, an
// offline reader priority 2. Simulated readers (the demo) sit on one
// simulated bus on a pseudo-terminal, already commissioned.
func (n *Node) startOSDP(ctx context.Context, send func(doors.Event)) error {
	f := n.opts.Facility
	keys, err := loadReaderKeys(n.opts.DataDir)
	if err != nil {
		return err
	}
	buses := map[string][]osdpReader{}
	var simulated []osdpReader
	for _, d := range f.Doors {
		dev, ok := f.Device(d.Reader)
		if !ok || dev.Kind != facility.DeviceOSDPReader || dev.Node != n.opts.NodeID {
			continue
		}
		addr, err := strconv.Atoi(dev.Transport.Address)
		if err != nil || addr < 0 || addr > 0x7e {
			n.log.Error("OSDP reader without a bus address 0–126: not started", "device", dev.ID, "address", dev.Transport.Address)
			continue
		}
		r := osdpReader{dev, addr}
		switch {
		case dev.Transport.Simulated && n.opts.Simulate:
			simulated = append(simulated, r)
		case dev.Transport.Serial != "":
			buses[dev.Transport.Serial] = append(buses[dev.Transport.Serial], r)
		}
	}
	if len(simulated) > 0 {
		var cfgs []osdpsim.ReaderConfig
		for _, r := range simulated {
			key := keys.get(r.dev.ID)
			if key == nil {
				key = newKey()
				if err := keys.set(r.dev.ID, key); err != nil {
					return err
				}
			}
			cfgs = append(cfgs, osdpsim.ReaderConfig{Addr: r.addr, SCBK: key})
		}
		bus, err := osdpsim.NewBus(filepath.Join(n.opts.DataDir, "osdp-sim-bus"), cfgs...)
		if err != nil {
			return fmt.Errorf("simulated OSDP bus: %w", err)
		}
		n.osdpBus = bus
		n.osdpSim = map[string]*osdpsim.Reader{}
		for _, r := range simulated {
			n.osdpSim[r.dev.ID] = bus.Reader(r.addr)
		}
		n.wg.Add(1)
		go func() { defer n.wg.Done(); <-ctx.Done(); bus.Close() }()
		buses[bus.Path()] = simulated
	}
	for port, readers := range buses {
		if err := n.runPanel(ctx, port, readers, keys, send); err != nil {
			for _, r := range readers {
				n.deviceFault(r.dev, "OSDP bus "+port+" not started", err)
			}
		}
	}
	return nil
}

func (n *Node) runPanel(ctx context.Context, port string, readers []osdpReader, keys *readerKeys, send func(doors.Event)) error {
	baud := readers[0].dev.Transport.Baud
	if baud == 0 {
		baud = 9600 // OSDP's usual speed
	}
	cfg := osdp.Config{Port: port, Baud: baud, Logger: n.log.With("osdp_bus", port), Now: n.opts.Now}
	byAddr := map[int]facility.Device{}
	for _, r := range readers {
		cfg.Readers = append(cfg.Readers, osdp.ReaderConfig{Addr: r.addr, SCBK: keys.get(r.dev.ID), Secure: true})
		byAddr[r.addr] = r.dev
	}
	p, err := osdp.New(cfg)
	if err != nil {
		return err
	}
	pending := map[int][]byte{} // commissioning in progress: addr → new key
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		if err := p.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("OSDP panel stopped", "port", port, "err", err)
		}
	}()
	go func() {
		defer n.wg.Done()
		raise := func(dev facility.Device, kind string, prio alarm.Priority, msg string) {
			zone := ""
			if len(dev.Zones) > 0 {
				zone = dev.Zones[0]
			}
			if _, err := n.Alarms.RaiseLocal(ctx, alarm.Raise{Key: kind + "/" + dev.ID, Kind: kind, Priority: prio,
				Zone: zone, Device: dev.ID, Message: msg}); err != nil && ctx.Err() == nil {
				n.log.Error("reader alarm not raised", "device", dev.ID, "kind", kind, "err", err)
			}
		}
		for {
			var ev osdp.Event
			select {
			case <-ctx.Done():
				return
			case ev = <-p.Events():
			}
			switch e := ev.(type) {
			case osdp.CardRead:
				dev := byAddr[e.Addr]
				fr, err := wiegand.FromBits(e.Bits, e.Data)
				if err != nil {
					n.log.Warn("card read not understood", "device", dev.ID, "bits", e.Bits, "err", err)
					continue
				}
				send(doors.Event{Device: dev.ID, Input: doors.CardInput, Card: fr.Number(), At: e.At})
			case osdp.Online:
				dev := byAddr[e.Addr]
				n.log.Info("reader online", "device", dev.ID, "secure", e.Secure)
				if keys.get(dev.ID) == nil && pending[e.Addr] == nil {
					key := newKey()
					if err := p.Commission(e.Addr, key); err != nil {
						n.log.Error("reader not commissioned", "device", dev.ID, "err", err)
						continue
					}
					pending[e.Addr] = key
				}
			case osdp.Commissioned:
				dev := byAddr[e.Addr]
				if key := pending[e.Addr]; key != nil {
					if err := keys.set(dev.ID, key); err != nil {
						n.log.Error("reader key not saved: the reader must be reset to be commissioned again", "device", dev.ID, "err", err)
					}
					delete(pending, e.Addr)
					n.log.Info("reader commissioned with its own key", "device", dev.ID)
				}
			case osdp.Offline:
				dev := byAddr[e.Addr]
				raise(dev, "reader.offline", 2, fmt.Sprintf("card reader %s offline: %s", dev.ID, e.Reason))
			case osdp.Downgrade:
				dev := byAddr[e.Addr]
				raise(dev, "reader.downgrade", 1, fmt.Sprintf("card reader %s refused its own key (%s): it was reset or replaced — a known attack on OSDP readers; check the reader", dev.ID, e.Reason))
			case osdp.Tamper:
				if e.Active {
					dev := byAddr[e.Addr]
					raise(dev, "reader.tamper", 2, "tamper switch of card reader "+dev.ID+" opened")
				}
			}
		}
	}()
	return nil
}

// SimulatedReader returns the simulated OSDP reader of a device and its bus
// (demo and tests), or nil.
func (n *Node) SimulatedReader(device string) (*osdpsim.Reader, *osdpsim.Bus) {
	r := n.osdpSim[device]
	if r == nil {
		return nil, nil
	}
	return r, n.osdpBus
}
