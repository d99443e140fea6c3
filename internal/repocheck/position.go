package repocheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Positions finds where in a manifest file a finding's field is written, so
// CI can annotate the line the pull request changed.
type positions struct {
	// docs are the file's YAML documents as nodes, and the line each
	// starts on.
	docs  []*yamlv3.Node
	start []int
}

func positionsOf(path string) *positions {
	b, err := os.ReadFile(path) //nolint:gosec // A file validate was given.
	if err != nil {
		return nil
	}
	p := &positions{}
	line := 1
	for _, d := range splitDocs(string(b)) {
		n := &yamlv3.Node{}
		if yamlv3.NewDecoder(bytes.NewReader([]byte(d))).Decode(n) == nil {
			p.docs = append(p.docs, n)
			p.start = append(p.start, line)
		}
		line += docLines(d)
	}
	return p
}

// fieldPathRe splits a field path as the function's errors write it:
// spec.nodePools[0].name, spec.team.gitUsernames[alice].
var fieldPathRe = regexp.MustCompile(`[^.\[\]]+|\[[^\]]*\]`)

// of returns the line and column of the field in the document whose
// metadata.name (and namespace) is id's, or of the deepest part of the path
// that is written there; 0, 0 when the path is not in the file.
func (p *positions) of(name, namespace, path string) (line, col int) {
	if p == nil {
		return 0, 0
	}
	for i, d := range p.docs {
		root := d
		if root.Kind == yamlv3.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if value(child(child(root, "metadata"), "name")) != name || value(child(child(root, "metadata"), "namespace")) != namespace {
			continue
		}
		// n is where the walk is; at is what to point at: a key rather
		// than its value, the line the field is written on.
		n, at := root, (*yamlv3.Node)(nil)
		for _, part := range fieldPathRe.FindAllString(path, -1) {
			key := strings.Trim(part, "[]")
			if idx, err := strconv.Atoi(key); err == nil && strings.HasPrefix(part, "[") && n.Kind == yamlv3.SequenceNode && idx < len(n.Content) {
				n, at = n.Content[idx], n.Content[idx]
				continue
			}
			k, v := entry(n, key)
			if k == nil {
				break
			}
			n, at = v, k
		}
		if at == nil {
			at = root
		}
		return p.start[i] + at.Line - 1, at.Column
	}
	return 0, 0
}

// entry is a mapping's entry: its key node and its value.
func entry(m *yamlv3.Node, key string) (k, v *yamlv3.Node) {
	if m == nil || m.Kind != yamlv3.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func child(m *yamlv3.Node, key string) *yamlv3.Node {
	_, v := entry(m, key)
	return v
}
func value(n *yamlv3.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// yamlLineRe finds the line a YAML parser's error names, within its
// document.
var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// GitHub is the finding as a GitHub Actions workflow command, which
// annotates the file's line in the pull request.
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
func (f Finding) GitHub() string {
	props := "file=" + escapeProperty(f.File)
	if f.Line > 0 {
		props += ",line=" + strconv.Itoa(f.Line)
		if f.Column > 0 {
			props += ",col=" + strconv.Itoa(f.Column)
		}
	}
	props += ",title=" + escapeProperty(f.What)
	return "::" + f.Severity + " " + props + "::" + escapeData(f.Detail)
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// docLines is how many lines of its file a document of splitDocs and the
// separator after it take.
func docLines(d string) int { return strings.Count(d, "\n") + 2 }

// Outputs are the forms validate prints a finding in (its -o flag).
var Outputs = []string{"text", "json", "github"}

// Format prints the finding in one of Outputs: text, a line of JSON, or
// a GitHub Actions annotation.
func (f Finding) Format(output string) (string, error) {
	switch output {
	case "json":
		b, err := json.Marshal(f)
		return string(b), err
	case "github":
		return f.GitHub(), nil
	case "text":
		return f.String(), nil
	}
	return "", fmt.Errorf("unknown output %q: want one of %v", output, Outputs)
}
