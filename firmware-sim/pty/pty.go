package pty

import (
	"errors"
	"fmt"
	"os"

	cpty "github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal.
type Pair struct {
	// Master is the device side. Reads honour SetReadDeadline.
	Master *os.File
	// Path is the slave's device path, e.g. /dev/pts/7.
	Path string
	// slave is held open for the pair's lifetime so that the master does
	// not read EIO while no driver has the port open.
	slave *os.File
}

// Open opens a pair and puts it in raw mode.
func Open() (*Pair, error) {
	m, s, err := cpty.Open()
	if err != nil {
		return nil, fmt.Errorf("pty: open: %w", err)
	}
	if err := makeRaw(s); err != nil {
		m.Close()
		s.Close()
		return nil, err
	}
	pm, err := pollable(m)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &Pair{Master: pm, Path: s.Name(), slave: s}, nil
}

// pollable returns a non-blocking copy of f registered with the runtime
// poller, so that deadlines work and Close interrupts a Read. (creack/pty
// leaves the master in blocking mode: f.Fd() switches it.) f is closed.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("pty: dup master: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pty: master non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// makeRaw does what cfmakeraw(3) does, on the slave's line discipline.
func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("pty: raw: %w", err)
	}
	var ioErr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil {
			ioErr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		ioErr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err = errors.Join(err, ioErr); err != nil {
		return fmt.Errorf("pty: raw: %w", err)
	}
	return nil
}

// Link makes path a symlink to the slave, replacing what was there.
func (p *Pair) Link(path string) error {
	_ = os.Remove(path)
	if err := os.Symlink(p.Path, path); err != nil {
		return fmt.Errorf("pty: link: %w", err)
	}
	return nil
}

// Close closes both sides. A driver holding the slave open then sees a
// hung-up terminal: writes fail with EIO.
func (p *Pair) Close() error {
	return errors.Join(p.Master.Close(), p.slave.Close())
}
