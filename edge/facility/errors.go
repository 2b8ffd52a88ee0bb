package facility

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is matched (with errors.Is) by every error about the content of
// a facility file: YAML syntax, unknown keys, wrong types and failed
// validation. An error reading the file does not match it.
var ErrInvalid = errors.New("invalid facility configuration")

// FieldError is one problem in a facility file. File and Line are set when
// the facility came from [Parse] or [Load]; Path is the key path of the
// offending value, e.g. "zones[0].zones[3].polygon", or empty for a problem
// with the document as a whole (a YAML syntax error).
type FieldError struct {
	File string
	Line int
	Path string
	Msg  string
}

// Error formats the problem as "file:line: path: msg", leaving out the parts
// that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Errors is every problem found in one facility file, sorted by line. It is
// what [Parse], [Load] and [Facility.Validate] return when they fail.
type Errors []*FieldError

// Error lists the problems, one per line.
func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the problems, so errors.Is and errors.As see each of them.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// err returns es as an error, or nil when there are no problems.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// sort orders the problems by line, then path, keeping the order in which
// they were found for equal keys.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), strings.Compare(a.Path, b.Path))
	})
}

// errorList collects problems against key paths.
type errorList struct{ errs Errors }

func (l *errorList) add(path, msg string) {
	l.errs = append(l.errs, &FieldError{Path: path, Msg: msg})
}

// parentPath strips the last element of a key path: "a.b[2]" → "a.b",
// "a.b" → "a", "a" → "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}
