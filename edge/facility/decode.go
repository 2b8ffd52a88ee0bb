package facility

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxAliasNodes bounds the number of values decoded through aliases, so that
// a "billion laughs" file fails fast. Plain values are bounded by the size of
// the file.
const maxAliasNodes = 10000

// decoder decodes a yaml.Node tree into a Go value strictly — every key must
// name a field — and records the line of every key path it visits, so that
// problems found later by Validate can be reported at their line.
//
// We walk the tree ourselves rather than use yaml's KnownFields decoder
// because its errors carry a line but no key path, stop at the first unknown
// field, and do not say where in the tree the type mismatch is.
type decoder struct {
	lines     map[string]int // key path → line
	errs      Errors
	budget    int                 // values left to decode through aliases
	expanding map[*yaml.Node]bool // anchors being expanded, to catch cycles
	bad       map[string]bool     // paths left at their zero value by an error
}

func newDecoder() *decoder {
	return &decoder{
		lines:     map[string]int{},
		budget:    maxAliasNodes,
		expanding: map[*yaml.Node]bool{},
		bad:       map[string]bool{},
	}
}

func (d *decoder) fail(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// failValue reports a value that could not be decoded and so was left at its
// zero value; Parse drops what Validate says about it, which would only
// repeat the problem.
func (d *decoder) failValue(line int, path, format string, args ...any) {
	d.bad[path] = true
	d.fail(line, path, format, args...)
}

// decode decodes n into v, which must be addressable.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	line := n.Line
	if _, ok := d.lines[path]; !ok {
		d.lines[path] = line
	}
	if len(d.expanding) > 0 || n.Kind == yaml.AliasNode {
		if d.budget--; d.budget < 0 {
			if d.budget == -1 {
				d.fail(line, path, "aliases expand to more than %d values", maxAliasNodes)
			}
			return
		}
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil {
			d.failValue(line, path, "unknown alias *%s", n.Value)
			return
		}
		if d.expanding[target] {
			d.failValue(line, path, "alias *%s refers to a value that contains it", n.Value)
			return
		}
		d.expanding[target] = true
		defer delete(d.expanding, target)
		n = target
	}
	if isNull(n) {
		return // keep the default
	}
	if v.Kind() == reflect.Pointer { // an optional value: allocate it and decode into it
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		if err := u.UnmarshalYAML(n); err != nil {
			d.failValue(line, path, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, line, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.failValue(line, path, "expected a sequence, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if isNull(c) {
				d.lines[p] = c.Line
				d.failValue(c.Line, p, "empty item")
				continue
			}
			d.decode(c, s.Index(i), p)
		}
		v.Set(s)
	default:
		if n.Kind != yaml.ScalarNode {
			d.failValue(line, path, "expected %s, got %s", typeName(v.Type()), describe(n))
			return
		}
		tmp := reflect.New(v.Type())
		// yaml truncates a float into an integer field (2.7 → 2, and a card
		// number too big for uint64 into garbage); we refuse it instead.
		isInt := v.Kind() >= reflect.Int && v.Kind() <= reflect.Uint64
		if isInt && n.ShortTag() != "!!int" || n.Decode(tmp.Interface()) != nil {
			d.failValue(line, path, "expected %s, got %s", typeName(v.Type()), describe(n))
			return
		}
		v.Set(tmp.Elem())
	}
}

// mapping decodes a mapping node into the struct v, rejecting unknown and
// repeated keys. line is where the value was written (an alias's line, not
// its anchor's).
func (d *decoder) mapping(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.failValue(line, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kn := k
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Kind != yaml.ScalarNode {
			d.fail(k.Line, path, "a key must be a plain string, got %s", describe(kn))
			continue
		}
		key := kn.Value
		p := joinPath(path, key)
		if key == "<<" && kn.ShortTag() == "!!merge" {
			d.fail(k.Line, p, "merge keys are not supported; write the values out")
			continue
		}
		if first, dup := seen[key]; dup {
			d.fail(k.Line, p, "duplicate key (first at line %d)", first)
			continue
		}
		seen[key] = k.Line
		idx, ok := fields.index[key]
		if !ok {
			d.fail(k.Line, p, "unknown key%s", suggest(key, fields.names))
			continue
		}
		d.lines[p] = k.Line
		d.decode(val, v.Field(idx), p)
	}
}

// isNull reports whether n is a null value (~, null or nothing), looking
// through an alias.
func isNull(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

type fieldSet struct {
	index map[string]int // yaml key → field index
	names []string       // yaml keys in declaration order
}

// fieldsOf lists the yaml keys of a struct type from its yaml tags.
func fieldsOf(t reflect.Type) fieldSet {
	fs := fieldSet{index: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs.index[name] = i
		fs.names = append(fs.names, name)
	}
	return fs
}

// joinPath appends a key to a key path, quoting keys that are not plain
// identifiers so that the path stays unambiguous.
func joinPath(path, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// suggest names the closest known key, or lists them all.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(key, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return " (known keys: " + strings.Join(known, ", ") + ")"
}

// editDistance is the Levenshtein distance between a and b; it gives up
// early (returning a large number) for long keys, which are never typos.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// typeName says in words what a leaf field holds.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "a non-negative integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	}
	return t.String()
}
