// Package fleet reads a platform's team clusters as a whole: from the XR
// manifests of its repository, or from the live XRs of a control plane,
// for the fleet report and the upgrade waves.
package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// Group is the API group of the XRs the function composes.
const Group = "platform.eks-gitops.dev"

// Cluster is one XR of the fleet.
type Cluster struct {
	// File and Line are where the XR is written (manifests only).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Namespace is a namespaced XR's namespace.
	Namespace   string `json:"namespace,omitempty"`
	Team        string `json:"team"`
	Environment string `json:"environment"`
	// Version is the Kubernetes version the XR asks for, or the platform's
	// default when it names none (Explicit false).
	Version  string `json:"version"`
	Explicit bool   `json:"explicit"`
	// Running is the version the control plane runs (live XRs only), and
	// Ready whether the XR is Ready.
	Running string `json:"running,omitempty"`
	Ready   bool   `json:"ready,omitempty"`
	// doc is the YAML document's index in its file.
	doc int
}

// ID names the XR as kubectl does.
func (c Cluster) ID() string {
	if c.Namespace != "" {
		return c.Namespace + "/" + c.Name
	}
	return c.Name
}

// Judged is the version the fleet report judges: the one running, else the
// one asked for.
func (c Cluster) Judged() string {
	if c.Running != "" {
		return c.Running
	}
	return c.Version
}

type condition struct {
	Type   string `json:"type"`
	Status string `json:"status"`
}

// xrDoc is what the fleet reads of an XR.
type xrDoc struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	Metadata   struct {
		Name      string `yaml:"name" json:"name"`
		Namespace string `yaml:"namespace" json:"namespace"`
	} `yaml:"metadata" json:"metadata"`
	Spec struct {
		Team struct {
			Name string `yaml:"name" json:"name"`
		} `yaml:"team" json:"team"`
		Environment       string `yaml:"environment" json:"environment"`
		KubernetesVersion string `yaml:"kubernetesVersion" json:"kubernetesVersion"`
	} `yaml:"spec" json:"spec"`
	Status struct {
		Cluster struct {
			Version string `json:"version"`
		} `json:"cluster"`
		Conditions []condition `json:"conditions"`
	} `yaml:"-" json:"status"`
}

func (d xrDoc) isXR() bool {
	return strings.HasPrefix(d.APIVersion, Group+"/") && d.Kind != "" && d.Metadata.Name != ""
}

func (d xrDoc) cluster(defaultVersion string) Cluster {
	c := Cluster{
		Kind: d.Kind, Name: d.Metadata.Name, Namespace: d.Metadata.Namespace,
		Team: d.Spec.Team.Name, Environment: d.Spec.Environment,
		Version: d.Spec.KubernetesVersion, Explicit: d.Spec.KubernetesVersion != "",
	}
	if !c.Explicit {
		c.Version = defaultVersion
	}
	return c
}

// Read reads the XRs of the files, in order; a version an XR does not name
// is defaultVersion (the platform's defaultKubernetesVersion). A file that
// is not YAML (a Helm template beside the manifests) holds no XR the
// fleet can see: it is returned among the unreadable, for the caller to
// say so.
func Read(files []string, defaultVersion string) (clusters []Cluster, unreadable []error, err error) {
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // The files are the command's arguments.
		if err != nil {
			return nil, nil, err
		}
		cs, err := readManifest(f, b, defaultVersion)
		if err != nil {
			unreadable = append(unreadable, err)
			continue
		}
		clusters = append(clusters, cs...)
	}
	return clusters, unreadable, nil
}

// readManifest reads the XRs of one file's YAML documents.
func readManifest(file string, b []byte, defaultVersion string) ([]Cluster, error) {
	var out []Cluster
	dec := yamlv3.NewDecoder(bytes.NewReader(b))
	for i := 0; ; i++ {
		var n yamlv3.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i+1, err)
		}
		var d xrDoc
		if err := n.Decode(&d); err != nil || !d.isXR() {
			continue // Not an XR: the platform repository holds other things too.
		}
		c := d.cluster(defaultVersion)
		c.File, c.Line, c.doc = file, n.Line, i
		out = append(out, c)
	}
}

// ReadLive reads the XRs of a Kubernetes List in JSON, as
// `kubectl get <kind> -A -o json` prints it, with the version each control
// plane runs and whether each XR is Ready.
func ReadLive(r io.Reader, defaultVersion string) ([]Cluster, error) {
	var list struct {
		Items []xrDoc `json:"items"`
	}
	if err := json.NewDecoder(r).Decode(&list); err != nil {
		return nil, fmt.Errorf("reading the live XRs (kubectl get ... -o json): %w", err)
	}
	out := make([]Cluster, 0, len(list.Items))
	for _, d := range list.Items {
		if !d.isXR() {
			continue
		}
		c := d.cluster(defaultVersion)
		c.Running = d.Status.Cluster.Version
		c.Ready = slices.ContainsFunc(d.Status.Conditions, func(cd condition) bool { return cd.Type == "Ready" && cd.Status == "True" })
		out = append(out, c)
	}
	return out, nil
}

// Merge gives each manifest's XR what its live XR runs, and adds the live
// XRs no manifest holds (made by hand, or from another repository).
func Merge(manifests, live []Cluster) []Cluster {
	key := func(c Cluster) string { return c.Kind + "/" + c.Namespace + "/" + c.Name }
	byKey := make(map[string]Cluster, len(live))
	for _, l := range live {
		byKey[key(l)] = l
	}
	out := make([]Cluster, 0, len(manifests)+len(live))
	for _, m := range manifests {
		if l, ok := byKey[key(m)]; ok {
			m.Running, m.Ready = l.Running, l.Ready
			delete(byKey, key(m))
		}
		out = append(out, m)
	}
	for _, l := range live {
		if _, ok := byKey[key(l)]; ok {
			out = append(out, l)
		}
	}
	return out
}

// Next is the environment whose wave to version comes next, in the order
// of environments: the first whose manifests ask for less, once every
// XR of the environments before it runs the version and is Ready. It says
// why in a sentence; "" when a wave is still converging or none is left.
func Next(clusters []Cluster, to string, environments []string) (string, string) {
	target := eksversion.Minor(to)
	for i, env := range environments {
		var behind []string
		for _, c := range clusters {
			if c.Environment == env && eksversion.Minor(c.Version) < target {
				behind = append(behind, c.ID())
			}
		}
		if len(behind) == 0 {
			var converging []string
			for _, c := range clusters {
				if c.Environment == env && (eksversion.Minor(c.Running) < target || !c.Ready) {
					converging = append(converging, c.ID())
				}
			}
			if len(converging) > 0 {
				return "", fmt.Sprintf("%s asks for %s but %d XR(s) do not run it or are not Ready yet (%s): waiting", env, to, len(converging), strings.Join(converging[:min(len(converging), 5)], ", "))
			}
			continue
		}
		if i == 0 {
			return env, fmt.Sprintf("%s is first: %d XR(s) below %s", env, len(behind), to)
		}
		return env, fmt.Sprintf("%s has converged on %s; %s has %d XR(s) below it", environments[i-1], to, env, len(behind))
	}
	return "", fmt.Sprintf("every environment runs %s", to)
}
