package fn

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// control is one question a security review asks of a team cluster: where
// the CIS Amazon EKS Benchmark and AWS Config's managed rules ask it, what
// answers it, and the check of an example's converged output.
type control struct {
	name, cis, config, field string
	// applies says whether the control holds for the example's cluster:
	// some are the environment's or the compute mode's.
	applies func(env, mode string) bool
	// check says why the control does not hold, or "".
	check func(c convergedObjects) string
}

// convergedObjects is what an example's converged call declares.
type convergedObjects struct {
	objects map[string]map[string]any
}

func (c convergedObjects) kind(kind string) []map[string]any {
	var out []map[string]any
	for _, n := range slices.Sorted(maps.Keys(c.objects)) {
		if c.objects[n]["kind"] == kind {
			out = append(out, c.objects[n])
		}
	}
	return out
}

func (c convergedObjects) cluster() map[string]any { return c.objects[string(compose.NameCluster)] }

func fpOf(o map[string]any) map[string]any {
	fp, _ := lookup(o, "spec", "forProvider").(map[string]any)
	return fp
}

func always(string, string) bool { return true }

var controls = []control{
	{
		name: "Kubernetes Secrets are encrypted with a customer-managed KMS key of the cluster",
		cis:  "5.3.1", config: "eks-secrets-encrypted, eks-cluster-secrets-encrypted",
		field: "Cluster `encryptionConfig` (`secrets`, the cluster's own Key)", applies: always,
		check: func(c convergedObjects) string {
			fp := fpOf(c.cluster())
			arn, _ := lookup(fp, "encryptionConfig", "provider", "keyArn").(string)
			res, _ := lookup(fp, "encryptionConfig", "resources").([]any)
			if !strings.Contains(arn, ":kms:") || !slices.Contains(res, any("secrets")) {
				return fmt.Sprintf("encryptionConfig %v", fp["encryptionConfig"])
			}
			return ""
		},
	},
	{
		name: "The cluster's KMS key rotates yearly",
		cis:  "", config: "cmk-backing-key-rotation-enabled",
		field: "Key `enableKeyRotation: true`", applies: always,
		check: func(c convergedObjects) string {
			if fpOf(c.objects[string(compose.NameClusterKey)])["enableKeyRotation"] != true {
				return "the key does not rotate"
			}
			return ""
		},
	},
	{
		name: "The control plane's audit log, and its other four logs, reach CloudWatch Logs",
		cis:  "2.1.1", config: "eks-cluster-logging-enabled",
		field: "Cluster `enabledClusterLogTypes` (platform setting `compliance.controlPlaneLogTypes`, `audit` required)", applies: always,
		check: func(c convergedObjects) string {
			types, _ := fpOf(c.cluster())["enabledClusterLogTypes"].([]any)
			for _, want := range v1beta1.ControlPlaneLogTypes {
				if !slices.Contains(types, any(want)) {
					return fmt.Sprintf("log types %v lack %s", types, want)
				}
			}
			return ""
		},
	},
	{
		name: "The control-plane logs are encrypted and kept for the environment's period",
		cis:  "", config: "cloudwatch-log-group-encrypted, cw-loggroup-retention-period-check",
		field: "Group `kmsKeyIdSelector`, `retentionInDays` (platform setting `compliance.logRetentionDays`)", applies: always,
		check: func(c convergedObjects) string {
			fp := fpOf(c.objects[string(compose.NameLogGroup)])
			if fp["kmsKeyIdSelector"] == nil || fp["retentionInDays"] == nil {
				return fmt.Sprintf("log group %v", fp)
			}
			return ""
		},
	},
	{
		name: "The API endpoint is private, and public only to the platform's CIDRs",
		cis:  "5.4.1, 5.4.2", config: "eks-endpoint-no-public-access (holds where `endpointAccess.public` is false)",
		field: "Cluster `vpcConfig` (platform setting `endpointAccess`, per environment)", applies: always,
		check: func(c convergedObjects) string {
			vc, _ := fpOf(c.cluster())["vpcConfig"].(map[string]any)
			cidrs, _ := vc["publicAccessCidrs"].([]any)
			if vc["endpointPrivateAccess"] != true || (vc["endpointPublicAccess"] == true && (len(cidrs) == 0 || slices.Contains(cidrs, any("0.0.0.0/0")))) {
				return fmt.Sprintf("vpcConfig %v", vc)
			}
			return ""
		},
	},
	{
		name: "Nodes run in private subnets",
		cis:  "5.4.3", config: "",
		field: "NodeGroup `subnetIdRefs` (the private subnets)", applies: func(_, mode string) bool { return mode != "AutoMode" },
		check: func(c convergedObjects) string {
			for _, ng := range c.kind("NodeGroup") {
				for _, r := range fpOf(ng)["subnetIdRefs"].([]any) {
					if n, _ := r.(map[string]any)["name"].(string); !strings.Contains(n, "subnet-private-") {
						return "a node group in subnet " + n
					}
				}
			}
			return ""
		},
	},
	{
		name: "Nodes require IMDSv2 and encrypt their root volumes",
		cis:  "", config: "ec2-imdsv2-check, encrypted-volumes",
		field: "LaunchTemplate `metadataOptions.httpTokens: required`, `blockDeviceMappings[].ebs.encrypted`", applies: func(_, mode string) bool { return mode != "AutoMode" },
		check: func(c convergedObjects) string {
			lts := c.kind("LaunchTemplate")
			if len(lts) == 0 {
				return "no launch template"
			}
			for _, lt := range lts {
				fp := fpOf(lt)
				if lookup(fp, "metadataOptions", "httpTokens") != "required" {
					return "IMDSv1 allowed"
				}
				for _, b := range fp["blockDeviceMappings"].([]any) {
					if lookup(b.(map[string]any), "ebs", "encrypted") != "true" {
						return "an unencrypted volume"
					}
				}
			}
			return ""
		},
	},
	{
		name: "Nodes pull from ECR read-only",
		cis:  "5.1.3", config: "",
		field: "node role attachments (`AmazonEC2ContainerRegistryReadOnly`, `…PullOnly` in Auto Mode)", applies: always,
		check: func(c convergedObjects) string {
			for _, a := range c.kind("RolePolicyAttachment") {
				arn, _ := fpOf(a)["policyArn"].(string)
				if strings.Contains(arn, "ContainerRegistry") && !strings.HasSuffix(arn, "ReadOnly") && !strings.HasSuffix(arn, "PullOnly") {
					return "a node role with " + arn
				}
			}
			return ""
		},
	},
	{
		name: "Access is by EKS access entries only; the creator gets no hidden admin",
		cis:  "5.5.1", config: "",
		field: "Cluster `accessConfig` (`API`, `bootstrapClusterCreatorAdminPermissions: false`)", applies: always,
		check: func(c convergedObjects) string {
			ac, _ := fpOf(c.cluster())["accessConfig"].(map[string]any)
			if ac["authenticationMode"] != "API" || ac["bootstrapClusterCreatorAdminPermissions"] != false {
				return fmt.Sprintf("accessConfig %v", ac)
			}
			return ""
		},
	},
	{
		name: "A protected environment's cluster cannot be deleted, in EKS nor by deleting the XR",
		cis:  "", config: "",
		field: "Cluster `deletionProtection`; a Usage of the XR (platform setting `compliance.deletionProtection`)", applies: func(env, _ string) bool { return env == "prod" },
		check: func(c convergedObjects) string {
			if fpOf(c.cluster())["deletionProtection"] != true {
				return "no deletion protection"
			}
			if _, ok := c.objects[string(compose.NameUsageProtection)]; !ok {
				return "the XR can be deleted"
			}
			return ""
		},
	},
}

// TestControls checks every control on every example's converged output,
// and that docs/compliance.md's table is this list (-update rewrites it).
func TestControls(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			s := newExampleState(t, ex)
			rsps := converge(t, s)
			c := convergedOf(t, rsps[len(rsps)-1])
			env, _ := lookup(s.XR, "spec", "environment").(string)
			mode, _ := lookup(s.XR, "spec", "compute", "mode").(string)
			for _, ctl := range controls {
				if !ctl.applies(env, mode) {
					continue
				}
				if why := ctl.check(c); why != "" {
					t.Errorf("%s: does not hold: %s", ctl.name, why)
				}
			}
		})
	}

	path := filepath.Join("..", "docs", "compliance.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- controls: generated by TestControls in fn/controls_test.go -->\n", "<!-- end of controls -->\n"
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s has no controls table between %q and %q", path, begin, end)
	}
	table := controlsTable()
	if got := string(doc[i+len(begin) : j]); got != table {
		if *update {
			out := append(append(append([]byte{}, doc[:i+len(begin)]...), table...), doc[j:]...)
			if err := os.WriteFile(path, out, 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's controls table is not the list of controls checked; rerun with -update:\n%s", path, table)
	}
}

func convergedOf(t *testing.T, rsp *fnv1.RunFunctionResponse) convergedObjects {
	t.Helper()
	c := convergedObjects{objects: map[string]map[string]any{}}
	for name, r := range rsp.GetDesired().GetResources() {
		c.objects[name] = r.GetResource().AsMap()
	}
	if c.objects[string(compose.NameCluster)] == nil {
		t.Fatal("no cluster declared")
	}
	return c
}

func controlsTable() string {
	var b strings.Builder
	b.WriteString("| Control | CIS Amazon EKS Benchmark | AWS Config rule | Met by | Applies to |\n|---|---|---|---|---|\n")
	dash := func(s string) string {
		if s == "" {
			return "–"
		}
		return s
	}
	for _, c := range controls {
		scope := "every cluster"
		switch {
		case !c.applies("prod", "AutoMode"):
			scope = "managed node groups and Karpenter (Auto Mode: EKS's own nodes)"
		case !c.applies("dev", "ManagedNodeGroups"):
			scope = "protected environments (`prod` in the example settings)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.name, dash(c.cis), dash(c.config), c.field, scope)
	}
	return b.String()
}
