package facility

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the facility file at path. See [Parse].
func Load(path string) (*Facility, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("facility: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a facility file. name is the file's name as it should appear
// in errors. The defaults ([Default]) are applied first, then the file is
// decoded over them strictly (unknown keys are errors), then the result is
// validated.
//
// On failure Parse returns nil and an [Errors] holding every problem found,
// each naming name:line and the key path, sorted by line; it matches
// [ErrInvalid].
func Parse(name string, data []byte) (*Facility, error) {
	doc, extra, err := parseYAML(data)
	if err != nil {
		return nil, Errors{syntaxError(name, data, err)}
	}
	f := Default()
	d := newDecoder()
	d.lines[""] = 1 // a missing top-level key is reported at the first line
	if doc != nil && len(doc.Content) > 0 {
		d.lines[""] = doc.Content[0].Line
		d.decode(doc.Content[0], reflect.ValueOf(f).Elem(), "")
	}
	if extra != nil {
		d.fail(extra.Line, "", "only one YAML document is allowed in a facility file")
	}

	errs := d.errs
	if d.budget < 0 {
		// Decoding stopped part way; validating the rest would only add noise.
		return nil, finish(name, errs)
	}
	for _, e := range f.validate() {
		if !underAny(e.Path, d.bad) {
			e.Line = d.lineOf(e.Path)
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return f, nil
	}
	return nil, finish(name, errs)
}

// maxErrors is how many problems Parse reports; a file with more is likely
// not a facility file at all, and a screenful is enough to start fixing.
const maxErrors = 50

// finish names the file in every problem, sorts them by line and keeps the
// first maxErrors.
func finish(name string, errs Errors) Errors {
	errs.sort()
	if len(errs) > maxErrors {
		more := &FieldError{Line: errs[maxErrors].Line, Msg: fmt.Sprintf("… and %d more problems", len(errs)-maxErrors)}
		errs = append(errs[:maxErrors:maxErrors], more)
	}
	for _, e := range errs {
		e.File = name
	}
	return errs
}

// lineOf returns the line of a key path, or of its nearest ancestor present
// in the file.
func (d *decoder) lineOf(path string) int {
	for {
		if l, ok := d.lines[path]; ok {
			return l
		}
		if path == "" {
			return 1
		}
		path = parentPath(path)
	}
}

// underAny reports whether path or one of its ancestors is in set.
func underAny(path string, set map[string]bool) bool {
	for {
		if set[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

// parseYAML parses data into a node tree. doc is nil for an empty file;
// extra is the start of a second document, which a facility file must not
// have.
func parseYAML(data []byte) (doc, extra *yaml.Node, err error) {
	// The YAML parser is third-party code fed untrusted bytes; one bad file
	// must give an error, never take the node down.
	defer func() {
		if r := recover(); r != nil {
			doc, extra, err = nil, nil, fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
		return &root, nil, nil
	case err != nil:
		return nil, nil, err
	}
	return &root, &next, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxError turns a YAML parser error into a FieldError with a line. The
// parser leaves the line out of some messages (bad UTF-8, unknown anchors);
// for those we find the shortest prefix of the file, in whole lines, that
// gives the same error.
func syntaxError(name string, data []byte, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: name, Line: max(line, 1), Msg: m[2]}
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	n := sort.Search(len(lines), func(i int) bool {
		_, _, e := parseYAML(bytes.Join(lines[:i+1], nil))
		return e != nil && e.Error() == err.Error()
	})
	return &FieldError{File: name, Line: min(n+1, max(len(lines), 1)), Msg: msg}
}
