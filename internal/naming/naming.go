// Package naming derives the names a TeamCluster's resources get in AWS and
// in the Kubernetes namespaces that many teams share, from the XR's identity
// alone: its scope, namespace and name. Two different XRs always get
// different names, because every derived name carries a hash of the whole
// identity; a readable prefix keeps the names recognisable.
package naming

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// Scheme is how an XR's names are derived.
type Scheme int

const (
	// Hashed names every shared resource after Base: a readable prefix and
	// a hash of the XR's identity. Every XR created since the scheme was
	// introduced uses it.
	Hashed Scheme = iota
	// Legacy is the scheme of XRs created before Hashed: names made of the
	// XR's name (and namespace) joined with dashes, which two XRs can share.
	// It is kept for XRs whose resources already exist under those names,
	// because renaming them would replace a live cluster, repository and
	// Git user.
	Legacy
)

func (s Scheme) String() string {
	if s == Legacy {
		return "Legacy"
	}
	return "Hashed"
}

// Limits of Base. The longest name built on it, the admin Cognito group with
// a 16-character prefix, stays far below every service's limit (IAM roles
// allow 64 characters, label values 63).
const (
	// HashLength is the number of hex characters of the identity hash: 64
	// bits, so finding a second XR with the same hash is out of reach.
	HashLength = 16
	// MaxReadable is the longest readable prefix of Base.
	MaxReadable = 23
	// MaxBase is the longest Base.
	MaxBase = MaxReadable + 1 + HashLength
)

// Identity is what tells one XR from every other.
type Identity struct {
	// Namespace is empty for a cluster-scoped XR.
	Namespace string
	Name      string
}

// Namespaced reports whether the XR is namespaced.
func (id Identity) Namespaced() bool { return id.Namespace != "" }

// hashVersion starts the hashed encoding, so a future scheme can never
// produce the same hashes.
const hashVersion = "eks-gitops.dev/naming/v1"

// Hash is the first HashLength hex characters of the SHA-256 of the
// identity's length-prefixed encoding: the scope, the namespace and the
// name, each preceded by its length, so no two identities encode alike
// (team-a/prod-eu, team-a-prod/eu and team-a-prod-eu all differ).
func (id Identity) Hash() string {
	scope := "Cluster"
	if id.Namespaced() {
		scope = "Namespaced"
	}
	var buf [256]byte
	b := buf[:0]
	for _, part := range []string{hashVersion, scope, id.Namespace, id.Name} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:HashLength/2])
}

// Readable is the identity as people write it, cut to MaxReadable
// characters and without a trailing dash.
func (id Identity) Readable() string {
	r := id.Name
	if id.Namespaced() {
		r = id.Namespace + "-" + id.Name
	}
	if len(r) > MaxReadable {
		r = r[:MaxReadable]
	}
	return strings.TrimRight(r, "-.")
}

// Base is the name every AWS name and shared Kubernetes name of the XR is
// built on in the Hashed scheme: "<readable>-<hash>". It starts with a
// letter or digit and holds only lowercase letters, digits and dashes.
func (id Identity) Base() string { return id.Readable() + "-" + id.Hash() }

// LegacyBase is the name of the Legacy scheme: the XR's name, after its
// namespace for a namespaced XR.
func (id Identity) LegacyBase() string {
	if id.Namespaced() {
		return id.Namespace + "-" + id.Name
	}
	return id.Name
}
