package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// Wave is one step of a fleet upgrade: the XRs of an environment (and
// optionally a team) move to a Kubernetes version, one minor at a time.
type Wave struct {
	To          string
	Environment string
	Team        string
	// Max is how many XRs the wave moves at most; 0 is no limit.
	Max int
}

// Skip is an XR a wave matches but does not move, and why.
type Skip struct {
	Cluster Cluster
	Reason  string
}

// Select returns the XRs the wave moves, in file order, and those it
// matches but leaves, with the reason. An XR moves one minor only (EKS
// upgrades one at a time). One that names no version runs the platform's
// default: the wave pins it to the new version.
func Select(clusters []Cluster, w Wave) (move []Cluster, skip []Skip) {
	from := eksversion.Previous(w.To)
	for _, c := range clusters {
		if c.Environment != w.Environment || w.Team != "" && c.Team != w.Team {
			continue
		}
		switch m, to := eksversion.Minor(c.Version), eksversion.Minor(w.To); {
		case m >= to:
			continue // There already.
		case c.Version != from:
			skip = append(skip, Skip{c, fmt.Sprintf("runs %s, more than one minor below %s: EKS upgrades one minor at a time, so it moves to %s first", c.Version, w.To, eksversion.Next(c.Version))})
		case w.Max > 0 && len(move) == w.Max:
			skip = append(skip, Skip{c, fmt.Sprintf("beyond this wave's %d", w.Max)})
		default:
			move = append(move, c)
		}
	}
	return move, skip
}

// Rewrite sets spec.kubernetesVersion to version in the documents of data
// that hold the named XRs, and changes no other byte of data: comments,
// order, quoting and formatting stay as they are. An XR that names no
// version gets one line, before spec's first field.
func Rewrite(data []byte, clusters []Cluster, version string) ([]byte, error) {
	// An edit replaces data[start:end] with text, or the version when
	// text is empty.
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var n yamlv3.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if !slices.ContainsFunc(clusters, func(c Cluster) bool { return c.doc == i }) {
			continue
		}
		v := lookup(&n, "spec", "kubernetesVersion")
		if v == nil {
			// The XR follows the platform's default: pin it, on a line of
			// its own before spec's first field, indented as that field.
			spec := lookup(&n, "spec")
			if spec == nil || spec.Kind != yamlv3.MappingNode || spec.Style&yamlv3.FlowStyle != 0 || len(spec.Content) == 0 {
				return nil, fmt.Errorf("document %d: spec is not a block mapping to add spec.kubernetesVersion to", i+1)
			}
			first := spec.Content[0]
			at, err := offset(data, first.Line, 1)
			if err != nil {
				return nil, fmt.Errorf("document %d: %w", i+1, err)
			}
			indent := strings.Repeat(" ", first.Column-1)
			if !bytes.HasPrefix(data[at:], []byte(indent)) {
				return nil, fmt.Errorf("document %d: spec's first field shares its line: add spec.kubernetesVersion by hand", i+1)
			}
			edits = append(edits, edit{at, at, indent + "kubernetesVersion: \"" + version + "\"\n"})
			continue
		}
		if v.Kind != yamlv3.ScalarNode {
			return nil, fmt.Errorf("document %d: spec.kubernetesVersion is not a value", i+1)
		}
		start, err := offset(data, v.Line, v.Column)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if v.Style&(yamlv3.DoubleQuotedStyle|yamlv3.SingleQuotedStyle) != 0 {
			start++ // The value is inside the quotes.
		}
		end := start + len(v.Value)
		if end > len(data) || string(data[start:end]) != v.Value {
			return nil, fmt.Errorf("document %d: spec.kubernetesVersion %q is not written plainly at line %d", i+1, v.Value, v.Line)
		}
		edits = append(edits, edit{start, end, ""})
	}
	if len(edits) != len(clusters) {
		return nil, fmt.Errorf("found %d of the %d XRs to change", len(edits), len(clusters))
	}
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		out.Write(data[last:e.start])
		if e.text != "" {
			out.WriteString(e.text)
		} else {
			out.WriteString(version)
		}
		last = e.end
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// lookup follows mapping keys from a document node.
func lookup(n *yamlv3.Node, keys ...string) *yamlv3.Node {
	if n.Kind == yamlv3.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n.Kind != yamlv3.MappingNode {
			return nil
		}
		var next *yamlv3.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// offset is the byte offset of a 1-based line and column (in characters,
// as the YAML parser counts them).
func offset(data []byte, line, column int) (int, error) {
	pos := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			return 0, fmt.Errorf("line %d is past the end", line)
		}
		pos += i + 1
	}
	for c := 1; c < column; c++ {
		if pos >= len(data) || data[pos] == '\n' {
			return 0, fmt.Errorf("column %d is past the end of line %d", column, line)
		}
		_, size := utf8.DecodeRune(data[pos:])
		pos += size
	}
	return pos, nil
}

// Description is the wave's pull request description, in Markdown.
func Description(w Wave, moved []Cluster, skipped []Skip, r Report) string {
	var b strings.Builder
	scope := "environment `" + w.Environment + "`"
	if w.Team != "" {
		scope += ", team `" + w.Team + "`"
	}
	fmt.Fprintf(&b, "## Kubernetes %s for %s\n\n", w.To, scope)
	fmt.Fprintf(&b, "Moves %d cluster(s) from %s to %s. Each cluster's control plane, then its node groups, then its add-ons follow, one stage at a time; the XR's `KubernetesUpgraded` condition and `status.upgrade` say where each stands.\n\n", len(moved), eksversion.Previous(w.To), w.To)
	for _, c := range moved {
		fmt.Fprintf(&b, "- `%s` (team %s, %s:%d)\n", c.ID(), c.Team, c.File, c.Line)
	}
	if len(skipped) > 0 {
		b.WriteString("\nLeft for later:\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- `%s` (%s): %s\n", s.Cluster.ID(), s.Cluster.File, s.Reason)
		}
	}
	b.WriteString("\n")
	b.WriteString(r.markdown())
	return b.String()
}
