package awsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// clusterKey names an EKS cluster.
type clusterKey struct{ account, region, name string }

// clusterExtra is what AWS keeps of a cluster and moto does not.
type clusterExtra struct {
	ca            string
	endpoint      string // as placed by PlaceCluster; moto's otherwise
	accessConfig  map[string]any
	upgradePolicy map[string]any
	zonalShift    map[string]any
	version       string
	// deletionProtection and encryption are as CreateCluster,
	// UpdateClusterConfig and AssociateEncryptionConfig set them.
	deletionProtection bool
	encryption         []any
	// autoMode are EKS Auto Mode's settings: computeConfig, storageConfig,
	// kubernetesNetworkConfig.elasticLoadBalancing and
	// bootstrapSelfManagedAddons, as CreateCluster was given them.
	autoMode autoModeSettings
}

// autoModeSettings are a cluster's EKS Auto Mode settings, which moto
// drops.
type autoModeSettings struct {
	ComputeConfig              map[string]any `json:"computeConfig,omitempty"`
	StorageConfig              map[string]any `json:"storageConfig,omitempty"`
	KubernetesNetworkConfig    map[string]any `json:"kubernetesNetworkConfig,omitempty"`
	BootstrapSelfManagedAddons *bool          `json:"bootstrapSelfManagedAddons,omitempty"`
}

// enabled reports whether a setting's path holds enabled: true.
func enabled(m map[string]any, path ...string) bool {
	for _, p := range path[:len(path)-1] {
		m, _ = m[p].(map[string]any)
	}
	b, _ := m[path[len(path)-1]].(bool)
	return b
}

// check refuses what EKS refuses of Auto Mode's settings: compute, block
// storage and load balancing on apart, and compute without a node role.
func (a autoModeSettings) check() string {
	compute, storage, lb := enabled(a.ComputeConfig, "enabled"), enabled(a.StorageConfig, "blockStorage", "enabled"), enabled(a.KubernetesNetworkConfig, "elasticLoadBalancing", "enabled")
	if compute != storage || compute != lb {
		return "For EKS Auto Mode, please ensure that the following capabilities are either all enabled or all disabled: computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled, and storageConfig.blockStorage.enabled"
	}
	pools, _ := a.ComputeConfig["nodePools"].([]any)
	if role, _ := a.ComputeConfig["nodeRoleArn"].(string); compute && len(pools) > 0 && role == "" {
		return "nodeRoleArn is required when nodePools are specified in computeConfig"
	}
	return ""
}

type addon struct {
	AddonName               string            `json:"addonName"`
	ClusterName             string            `json:"clusterName"`
	Status                  string            `json:"status"`
	AddonVersion            string            `json:"addonVersion,omitempty"`
	AddonArn                string            `json:"addonArn"`
	CreatedAt               float64           `json:"createdAt"`
	ModifiedAt              float64           `json:"modifiedAt"`
	ServiceAccountRoleArn   string            `json:"serviceAccountRoleArn,omitempty"`
	ConfigurationValues     string            `json:"configurationValues,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	Health                  map[string]any    `json:"health"`
	PodIdentityAssociations []string          `json:"podIdentityAssociations,omitempty"`
	described               int
}

type accessEntry struct {
	ClusterName      string            `json:"clusterName"`
	PrincipalArn     string            `json:"principalArn"`
	KubernetesGroups []string          `json:"kubernetesGroups"`
	AccessEntryArn   string            `json:"accessEntryArn"`
	CreatedAt        float64           `json:"createdAt"`
	ModifiedAt       float64           `json:"modifiedAt"`
	Tags             map[string]string `json:"tags,omitempty"`
	Username         string            `json:"username"`
	Type             string            `json:"type"`
	policies         map[string]*associatedPolicy
}

type associatedPolicy struct {
	PolicyArn    string         `json:"policyArn"`
	AccessScope  map[string]any `json:"accessScope"`
	AssociatedAt float64        `json:"associatedAt"`
	ModifiedAt   float64        `json:"modifiedAt"`
}

type podIdentity struct {
	ClusterName        string            `json:"clusterName"`
	Namespace          string            `json:"namespace"`
	ServiceAccount     string            `json:"serviceAccount"`
	RoleArn            string            `json:"roleArn"`
	AssociationArn     string            `json:"associationArn"`
	AssociationID      string            `json:"associationId"`
	Tags               map[string]string `json:"tags,omitempty"`
	CreatedAt          float64           `json:"createdAt"`
	ModifiedAt         float64           `json:"modifiedAt"`
	DisableSessionTags bool              `json:"disableSessionTags"`
}

var (
	roleOrUserArn    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/([\w+=,.@/-]+)$`)
	roleArn          = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
	accessPolicyArn  = regexp.MustCompile(`^arn:aws[a-z-]*:eks::aws:cluster-access-policy/[A-Za-z]+$`)
	kubernetesName   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	kubernetesGroup  = regexp.MustCompile(`^[^:]`)
	ownedResourceArn = regexp.MustCompile(`:(addon|access-entry|podidentityassociation)/`)
	nodegroupArn     = regexp.MustCompile(`^arn:aws[a-z-]*:eks:([^:]+):([0-9]{12}):nodegroup/([^/]+)/([^/]+)/`)
)

// segments are the request path's segments, unescaped one by one: a
// principal ARN in a path holds escaped slashes.
func segments(r *http.Request) []string {
	var out []string
	for p := range strings.SplitSeq(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		if p == "" {
			continue
		}
		v, err := url.PathUnescape(p)
		if err != nil {
			v = p
		}
		out = append(out, v)
	}
	return out
}

// decode reads a JSON request body into v, answering a bad one.
func decode(w http.ResponseWriter, body []byte, v any) bool {
	if len(body) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		restError(w, http.StatusBadRequest, "InvalidParameterException", "request body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) extra(k clusterKey) *clusterExtra {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.clusters[k]
	if !ok {
		x = &clusterExtra{ca: newCA(k.name)}
		s.clusters[k] = x
	}
	return x
}

// PlaceCluster makes EKS report the cluster named name, in account and
// region, at a Kubernetes API server of the caller's (endpoint, and caData:
// base64 of its CA's PEM), so clients that trust what EKS reports reach a
// real server. It holds from the next DescribeCluster on.
func (s *Server) PlaceCluster(account, region, name, endpoint, caData string) {
	x := s.extra(clusterKey{account, region, name})
	s.mu.Lock()
	defer s.mu.Unlock()
	x.endpoint, x.ca = endpoint, caData
}

// newCA is a cluster's certificate authority as EKS reports it: base64 of
// a PEM certificate.
func newCA(name string) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		DNSNames: []string{name},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// clusterSettings are the settings of a cluster request that moto drops.
type clusterSettings struct {
	Name          string         `json:"name"`
	AccessConfig  map[string]any `json:"accessConfig"`
	UpgradePolicy map[string]any `json:"upgradePolicy"`
	ZonalShift    map[string]any `json:"zonalShiftConfig"`
	// DeletionProtection is nil when the request leaves it as it is.
	DeletionProtection *bool `json:"deletionProtection"`
	EncryptionConfig   []any `json:"encryptionConfig"`
	autoModeSettings
}

// forwardCluster reads a cluster request's settings and passes the request
// to moto; false means it answered already.
func (s *Server) forwardCluster(w http.ResponseWriter, r *http.Request) (clusterSettings, reply, bool) {
	var in clusterSettings
	body, err := readBody(r)
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		restError(w, http.StatusBadRequest, "InvalidParameterException", err.Error())
		return in, reply{}, false
	}
	rp, err := s.forward(r, body)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return in, reply{}, false
	}
	return in, rp, true
}

func (s *Server) createCluster(q *request) {
	w, c := q.w, q.c
	var settings clusterSettings
	if json.Unmarshal(q.body, &settings) == nil {
		if msg := settings.check(); msg != "" {
			restError(w, http.StatusBadRequest, "InvalidParameterException", msg)
			return
		}
	}
	in, rp, ok := s.forwardCluster(w, q.r)
	if !ok {
		return
	}
	if rp.ok() {
		x := s.extra(clusterKey{c.account, c.region, in.Name})
		s.mu.Lock()
		x.accessConfig = map[string]any{"authenticationMode": "CONFIG_MAP"}
		for k, v := range in.AccessConfig {
			x.accessConfig[k] = v
		}
		x.upgradePolicy = map[string]any{"supportType": "EXTENDED"}
		for k, v := range in.UpgradePolicy {
			x.upgradePolicy[k] = v
		}
		x.zonalShift = in.ZonalShift
		x.autoMode = in.autoModeSettings
		x.deletionProtection = in.DeletionProtection != nil && *in.DeletionProtection
		x.encryption = in.EncryptionConfig
		s.mu.Unlock()
	}
	s.writeCluster(w, rp, clusterKey{c.account, c.region, in.Name})
}

// writeCluster sends moto's answer holding a cluster on, with what AWS
// reports and moto does not.
func (s *Server) writeCluster(w http.ResponseWriter, rp reply, k clusterKey) {
	var out map[string]any
	if !rp.ok() || json.Unmarshal(rp.body, &out) != nil {
		rp.write(w, rp.body)
		return
	}
	cl, _ := out["cluster"].(map[string]any)
	if cl == nil {
		rp.write(w, rp.body)
		return
	}
	x := s.extra(k)
	s.mu.Lock()
	cl["certificateAuthority"] = map[string]any{"data": x.ca}
	if x.endpoint != "" {
		cl["endpoint"] = x.endpoint
	}
	if x.accessConfig != nil {
		cl["accessConfig"] = x.accessConfig
	}
	if x.upgradePolicy != nil {
		cl["upgradePolicy"] = x.upgradePolicy
	}
	if x.zonalShift != nil {
		cl["zonalShiftConfig"] = x.zonalShift
	}
	if x.version != "" {
		cl["version"] = x.version
	}
	cl["deletionProtection"] = x.deletionProtection
	if x.encryption != nil {
		cl["encryptionConfig"] = x.encryption
	}
	if a := x.autoMode; a.ComputeConfig != nil {
		cl["computeConfig"] = a.ComputeConfig
		cl["storageConfig"] = a.StorageConfig
		network, _ := cl["kubernetesNetworkConfig"].(map[string]any)
		if network == nil {
			network = map[string]any{}
		}
		network["elasticLoadBalancing"] = a.KubernetesNetworkConfig["elasticLoadBalancing"]
		cl["kubernetesNetworkConfig"] = network
	}
	if a := x.autoMode; a.BootstrapSelfManagedAddons != nil {
		cl["bootstrapSelfManagedAddons"] = *a.BootstrapSelfManagedAddons
	}
	s.mu.Unlock()
	if vpc, ok := cl["resourcesVpcConfig"].(map[string]any); ok {
		sum := sha256.Sum256([]byte(k.account + k.region + k.name))
		vpc["clusterSecurityGroupId"] = fmt.Sprintf("sg-%x", sum[:8])
	}
	b, err := json.Marshal(out)
	if err != nil {
		rp.write(w, rp.body)
		return
	}
	rp.write(w, b)
}

// describeCluster serves DescribeCluster and DeleteCluster.
func (s *Server) describeCluster(q *request) {
	w, r, k := q.w, q.r, q.cluster()
	if r.Method == http.MethodDelete {
		s.mu.Lock()
		x, known := s.clusters[k]
		protected := known && x.deletionProtection
		s.mu.Unlock()
		if protected {
			// EKS refuses to delete a protected cluster until its
			// protection is turned off (UpdateClusterConfig).
			restError(w, http.StatusBadRequest, "InvalidRequestException", fmt.Sprintf("Cluster %s has deletion protection enabled. Disable deletion protection before deleting the cluster.", k.name))
			return
		}
	}
	rp, err := s.forward(r, nil)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return
	}
	s.writeCluster(w, rp, k)
	if r.Method == http.MethodDelete && rp.ok() {
		// EKS deletes a cluster's add-ons, access entries and Pod Identity
		// associations with it.
		s.mu.Lock()
		delete(s.addons, k)
		delete(s.entries, k)
		delete(s.pods, k)
		delete(s.clusters, k)
		s.mu.Unlock()
	}
}

// clusterExists asks moto whether the cluster exists, as EKS answers every
// call on a cluster that does not with ResourceNotFoundException.
func (s *Server) clusterExists(w http.ResponseWriter, r *http.Request, k clusterKey) bool {
	req := r.Clone(r.Context())
	req.Method = http.MethodGet
	req.URL = &url.URL{Path: "/clusters/" + url.PathEscape(k.name)}
	rp, err := s.forward(req, nil)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return false
	}
	if !rp.ok() {
		restError(w, http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("No cluster found for name: %s.", k.name))
		return false
	}
	return true
}

// newUpdate records an update EKS carried out at once.
func (s *Server) newUpdate(typ string, params []map[string]any) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newUpdateLocked(typ, params)
}

func (s *Server) newUpdateLocked(typ string, params []map[string]any) map[string]any {
	s.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012x", s.seq)
	if params == nil {
		params = []map[string]any{}
	}
	u := map[string]any{"id": id, "status": "Successful", "type": typ, "params": params, "createdAt": epoch(s.now()), "errors": []any{}}
	s.updates[id] = u
	return u
}

// updateClusterConfig passes the change to moto, which answers with the
// cluster; EKS answers with an update, which the provider waits on.
func (s *Server) updateClusterConfig(q *request) {
	w, k := q.w, q.cluster()
	in, rp, ok := s.forwardCluster(w, q.r)
	if !ok {
		return
	}
	if !rp.ok() {
		rp.write(w, rp.body)
		return
	}
	x := s.extra(k)
	s.mu.Lock()
	for _, m := range []struct {
		in  map[string]any
		dst *map[string]any
	}{{in.AccessConfig, &x.accessConfig}, {in.UpgradePolicy, &x.upgradePolicy}, {in.ZonalShift, &x.zonalShift}} {
		if m.in == nil {
			continue
		}
		if *m.dst == nil {
			*m.dst = map[string]any{}
		}
		for kk, v := range m.in {
			(*m.dst)[kk] = v
		}
	}
	if in.DeletionProtection != nil {
		x.deletionProtection = *in.DeletionProtection
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"update": s.newUpdate("ConfigUpdate", nil)})
}

// associateEncryptionConfig serves AssociateEncryptionConfig: EKS adds
// encryption to a cluster that has none, and never changes it.
func (s *Server) associateEncryptionConfig(q *request) {
	w, k := q.w, q.cluster()
	var in clusterSettings
	if !decode(w, q.body, &in) {
		return
	}
	x := s.extra(k)
	s.mu.Lock()
	if x.encryption != nil {
		s.mu.Unlock()
		restError(w, http.StatusBadRequest, "InvalidParameterException", "Encryption is already enabled on the cluster")
		return
	}
	x.encryption = in.EncryptionConfig
	u := s.newUpdateLocked("AssociateEncryptionConfig", []map[string]any{{"type": "EncryptionConfig", "value": mustJSON(in.EncryptionConfig)}})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"update": u})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// updateClusterVersion records the new Kubernetes version, which
// DescribeCluster reports from then on.
func (s *Server) updateClusterVersion(q *request) {
	w, k := q.w, q.cluster()
	var in struct {
		Version string `json:"version"`
	}
	if !decode(w, q.body, &in) || !s.clusterExists(w, q.r, k) {
		return
	}
	if in.Version == "" {
		restError(w, http.StatusBadRequest, "InvalidParameterException", "version is required")
		return
	}
	x := s.extra(k)
	s.mu.Lock()
	x.version = in.Version
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"update": s.newUpdate("VersionUpdate", []map[string]any{{"type": "Version", "value": in.Version}})})
}

func (s *Server) describeUpdate(q *request) {
	w, id := q.w, q.path["update"]
	s.mu.Lock()
	u, ok := s.updates[id]
	s.mu.Unlock()
	if !ok {
		restError(w, http.StatusNotFound, "ResourceNotFoundException", "No update found for ID: "+id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"update": u})
}

// recordUpdate passes a node group change to moto and keeps the update it
// answers with, so DescribeUpdate finds it.
func (s *Server) recordUpdate(q *request) {
	w := q.w
	rp, err := s.forward(q.r, q.body)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return
	}
	var out struct {
		Update map[string]any `json:"update"`
	}
	if rp.ok() && json.Unmarshal(rp.body, &out) == nil && out.Update != nil {
		if id, _ := out.Update["id"].(string); id != "" {
			out.Update["status"] = "Successful"
			s.mu.Lock()
			s.updates[id] = out.Update
			s.mu.Unlock()
		}
	}
	rp.write(w, rp.body)
}

func (s *Server) arn(k clusterKey, kind, rest string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:%s/%s/%s", k.region, k.account, kind, k.name, rest)
}

// inCluster answers ResourceNotFoundException, as EKS does, when the
// cluster a call names does not exist.
func inCluster(h func(*Server, *request)) func(*Server, *request) bool {
	return func(s *Server, q *request) bool {
		if s.clusterExists(q.w, q.r, q.cluster()) {
			h(s, q)
		}
		return true
	}
}

// withAddon looks up the add-on a call names and holds the lock while h
// runs.
func withAddon(h func(*Server, *request, *addon)) func(*Server, *request) {
	return func(s *Server, q *request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		a, ok := s.addons[q.cluster()][q.path["addon"]]
		if !ok {
			restError(q.w, http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("No addon: %s found in cluster: %s", q.path["addon"], q.cluster().name))
			return
		}
		h(s, q, a)
	}
}

func (s *Server) createAddon(q *request) {
	w, k := q.w, q.cluster()
	var in struct {
		AddonName               string            `json:"addonName"`
		AddonVersion            string            `json:"addonVersion"`
		ServiceAccountRoleArn   string            `json:"serviceAccountRoleArn"`
		ConfigurationValues     string            `json:"configurationValues"`
		ResolveConflicts        string            `json:"resolveConflicts"`
		Tags                    map[string]string `json:"tags"`
		PodIdentityAssociations []struct {
			ServiceAccount string `json:"serviceAccount"`
			RoleArn        string `json:"roleArn"`
		} `json:"podIdentityAssociations"`
	}
	if !decode(w, q.body, &in) {
		return
	}
	if in.AddonName == "" {
		restError(w, http.StatusBadRequest, "InvalidParameterException", "addonName is required")
		return
	}
	if in.ServiceAccountRoleArn != "" && !roleArn.MatchString(in.ServiceAccountRoleArn) {
		s.note("CreateAddon %s: serviceAccountRoleArn %q", in.AddonName, in.ServiceAccountRoleArn)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "serviceAccountRoleArn is not a role ARN")
		return
	}
	if in.ResolveConflicts != "" && !slices.Contains([]string{"OVERWRITE", "NONE", "PRESERVE"}, in.ResolveConflicts) {
		s.note("CreateAddon %s: resolveConflicts %q", in.AddonName, in.ResolveConflicts)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "resolveConflicts must be OVERWRITE, NONE or PRESERVE")
		return
	}
	if in.ConfigurationValues != "" && !json.Valid([]byte(in.ConfigurationValues)) {
		s.note("CreateAddon %s: configurationValues not JSON", in.AddonName)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "configurationValues is not valid JSON")
		return
	}
	now := epoch(s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addons[k] == nil {
		s.addons[k] = map[string]*addon{}
	}
	if _, ok := s.addons[k][in.AddonName]; ok {
		restError(w, http.StatusConflict, "ResourceInUseException", "Addon already exists.")
		return
	}
	a := &addon{AddonName: in.AddonName, ClusterName: k.name, Status: "CREATING", AddonVersion: in.AddonVersion,
		AddonArn: s.arn(k, "addon", in.AddonName+"/"+fmt.Sprintf("%08x", len(s.addons[k])+1)), CreatedAt: now, ModifiedAt: now,
		ServiceAccountRoleArn: in.ServiceAccountRoleArn, ConfigurationValues: in.ConfigurationValues, Tags: in.Tags,
		Health: map[string]any{"issues": []any{}}}
	for _, p := range in.PodIdentityAssociations {
		a.PodIdentityAssociations = append(a.PodIdentityAssociations, s.arn(k, "podidentityassociation", "addon-"+p.ServiceAccount))
	}
	s.addons[k][in.AddonName] = a
	writeJSON(w, http.StatusOK, map[string]any{"addon": a})
}

func (s *Server) listAddons(q *request) {
	s.mu.Lock()
	names := []string{}
	for n := range s.addons[q.cluster()] {
		names = append(names, n)
	}
	s.mu.Unlock()
	slices.Sort(names)
	writeJSON(q.w, http.StatusOK, map[string]any{"addons": names})
}

// describeAddon reports a new add-on CREATING when first described, then
// ACTIVE.
func (s *Server) describeAddon(q *request, a *addon) {
	a.described++
	if a.described > 1 && a.Status != "DELETING" {
		a.Status = "ACTIVE"
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"addon": a})
}

func (s *Server) deleteAddon(q *request, a *addon) {
	delete(s.addons[q.cluster()], a.AddonName)
	a.Status = "DELETING"
	writeJSON(q.w, http.StatusOK, map[string]any{"addon": a})
}

func (s *Server) updateAddon(q *request, a *addon) {
	var in struct {
		AddonVersion          *string `json:"addonVersion"`
		ServiceAccountRoleArn *string `json:"serviceAccountRoleArn"`
		ConfigurationValues   *string `json:"configurationValues"`
	}
	if !decode(q.w, q.body, &in) {
		return
	}
	var params []map[string]any
	if in.AddonVersion != nil {
		a.AddonVersion = *in.AddonVersion
		params = append(params, map[string]any{"type": "AddonVersion", "value": *in.AddonVersion})
	}
	if in.ServiceAccountRoleArn != nil {
		a.ServiceAccountRoleArn = *in.ServiceAccountRoleArn
	}
	if in.ConfigurationValues != nil {
		a.ConfigurationValues = *in.ConfigurationValues
	}
	a.ModifiedAt = epoch(s.now())
	writeJSON(q.w, http.StatusOK, map[string]any{"update": s.newUpdateLocked("AddonUpdate", params)})
}

// usernameFor is the Kubernetes user name EKS gives a principal by
// default.
func usernameFor(principal string) string {
	m := roleOrUserArn.FindStringSubmatch(principal)
	if m == nil || m[1] == "user" {
		return principal
	}
	account := strings.Split(principal, ":")[4]
	parts := strings.Split(m[2], "/")
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/{{SessionName}}", account, parts[len(parts)-1])
}

// withEntry looks up the access entry a call names and holds the lock
// while h runs.
func withEntry(h func(*Server, *request, *accessEntry)) func(*Server, *request) {
	return func(s *Server, q *request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		e, ok := s.entries[q.cluster()][q.path["principal"]]
		if !ok {
			restError(q.w, http.StatusNotFound, "ResourceNotFoundException", "The specified principalArn could not be found: "+q.path["principal"])
			return
		}
		h(s, q, e)
	}
}

func (s *Server) createAccessEntry(q *request) {
	w, k := q.w, q.cluster()
	var in struct {
		PrincipalArn     string            `json:"principalArn"`
		KubernetesGroups []string          `json:"kubernetesGroups"`
		Username         string            `json:"username"`
		Type             string            `json:"type"`
		Tags             map[string]string `json:"tags"`
	}
	if !decode(w, q.body, &in) {
		return
	}
	if !roleOrUserArn.MatchString(in.PrincipalArn) {
		s.note("CreateAccessEntry: principalArn %q", in.PrincipalArn)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "The specified principalArn is invalid: "+in.PrincipalArn)
		return
	}
	for _, g := range in.KubernetesGroups {
		if !kubernetesGroup.MatchString(g) || strings.HasPrefix(g, "system:") {
			s.note("CreateAccessEntry: kubernetes group %q", g)
			restError(w, http.StatusBadRequest, "InvalidParameterException", "kubernetesGroups may not start with system:")
			return
		}
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if in.Username == "" {
		in.Username = usernameFor(in.PrincipalArn)
	}
	if in.KubernetesGroups == nil {
		in.KubernetesGroups = []string{}
	}
	now := epoch(s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries[k] == nil {
		s.entries[k] = map[string]*accessEntry{}
	}
	if _, ok := s.entries[k][in.PrincipalArn]; ok {
		restError(w, http.StatusConflict, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
		return
	}
	principal := strings.TrimPrefix(in.PrincipalArn, "arn:aws:iam::")
	e := &accessEntry{ClusterName: k.name, PrincipalArn: in.PrincipalArn, KubernetesGroups: in.KubernetesGroups,
		AccessEntryArn: s.arn(k, "access-entry", strings.ReplaceAll(principal, ":", "/")+fmt.Sprintf("/%08x", len(s.entries[k])+1)),
		CreatedAt:      now, ModifiedAt: now, Tags: in.Tags, Username: in.Username, Type: in.Type,
		policies: map[string]*associatedPolicy{}}
	s.entries[k][in.PrincipalArn] = e
	writeJSON(w, http.StatusOK, map[string]any{"accessEntry": e})
}

func (s *Server) listAccessEntries(q *request) {
	s.mu.Lock()
	arns := []string{}
	for a := range s.entries[q.cluster()] {
		arns = append(arns, a)
	}
	s.mu.Unlock()
	slices.Sort(arns)
	writeJSON(q.w, http.StatusOK, map[string]any{"accessEntries": arns})
}

func (s *Server) describeAccessEntry(q *request, e *accessEntry) {
	writeJSON(q.w, http.StatusOK, map[string]any{"accessEntry": e})
}

func (s *Server) deleteAccessEntry(q *request, e *accessEntry) {
	delete(s.entries[q.cluster()], e.PrincipalArn)
	writeJSON(q.w, http.StatusOK, map[string]any{})
}

func (s *Server) updateAccessEntry(q *request, e *accessEntry) {
	var in struct {
		KubernetesGroups []string `json:"kubernetesGroups"`
		Username         string   `json:"username"`
	}
	if !decode(q.w, q.body, &in) {
		return
	}
	if in.KubernetesGroups != nil {
		e.KubernetesGroups = in.KubernetesGroups
	}
	if in.Username != "" {
		e.Username = in.Username
	}
	e.ModifiedAt = epoch(s.now())
	writeJSON(q.w, http.StatusOK, map[string]any{"accessEntry": e})
}

// accessScopeProblem is what EKS refuses in an access scope, or "".
func accessScopeProblem(typ string, namespaces []string) (note, message string) {
	switch typ {
	case "cluster":
		if len(namespaces) > 0 {
			return fmt.Sprintf("cluster scope with namespaces %v", namespaces), "namespaces are only allowed with the namespace scope"
		}
	case "namespace":
		if len(namespaces) == 0 {
			return "namespace scope without namespaces", "the namespace scope needs namespaces"
		}
		for _, n := range namespaces {
			if !kubernetesName.MatchString(strings.TrimSuffix(n, "*")) {
				return fmt.Sprintf("namespace %q", n), "invalid namespace " + n
			}
		}
	default:
		return fmt.Sprintf("scope type %q", typ), "accessScope.type must be cluster or namespace"
	}
	return "", ""
}

func (s *Server) associateAccessPolicy(q *request, e *accessEntry) {
	w := q.w
	var in struct {
		PolicyArn   string `json:"policyArn"`
		AccessScope struct {
			Type       string   `json:"type"`
			Namespaces []string `json:"namespaces"`
		} `json:"accessScope"`
	}
	if !decode(w, q.body, &in) {
		return
	}
	if !accessPolicyArn.MatchString(in.PolicyArn) {
		s.noteLocked("AssociateAccessPolicy: policyArn %q", in.PolicyArn)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "The specified policyArn is invalid: "+in.PolicyArn)
		return
	}
	// An EC2 entry (the role of an Auto Mode NodeClass) takes the Auto Mode
	// node policy alone; other node entries take none.
	if e.Type != "STANDARD" && (e.Type != "EC2" || !strings.HasSuffix(in.PolicyArn, "/AmazonEKSAutoNodePolicy")) {
		s.noteLocked("AssociateAccessPolicy of %s on a %s access entry", in.PolicyArn, e.Type)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "Access policies can only be associated with STANDARD access entries.")
		return
	}
	if note, msg := accessScopeProblem(in.AccessScope.Type, in.AccessScope.Namespaces); msg != "" {
		s.noteLocked("AssociateAccessPolicy: %s", note)
		restError(w, http.StatusBadRequest, "InvalidParameterException", msg)
		return
	}
	scope := map[string]any{"type": in.AccessScope.Type, "namespaces": in.AccessScope.Namespaces}
	if in.AccessScope.Namespaces == nil {
		scope["namespaces"] = []string{}
	}
	now := epoch(s.now())
	p, ok := e.policies[in.PolicyArn]
	if !ok {
		p = &associatedPolicy{PolicyArn: in.PolicyArn, AssociatedAt: now}
		e.policies[in.PolicyArn] = p
	}
	p.AccessScope, p.ModifiedAt = scope, now
	writeJSON(w, http.StatusOK, map[string]any{"clusterName": q.cluster().name, "principalArn": e.PrincipalArn, "associatedAccessPolicy": p})
}

func (s *Server) listAccessPolicies(q *request, e *accessEntry) {
	list := []*associatedPolicy{}
	for _, p := range e.policies {
		list = append(list, p)
	}
	slices.SortFunc(list, func(a, b *associatedPolicy) int { return strings.Compare(a.PolicyArn, b.PolicyArn) })
	writeJSON(q.w, http.StatusOK, map[string]any{"clusterName": q.cluster().name, "principalArn": e.PrincipalArn, "associatedAccessPolicies": list})
}

func (s *Server) disassociateAccessPolicy(q *request, e *accessEntry) {
	arn := q.path["policy"]
	if _, ok := e.policies[arn]; !ok {
		restError(q.w, http.StatusNotFound, "ResourceNotFoundException", "The specified policy is not associated: "+arn)
		return
	}
	delete(e.policies, arn)
	writeJSON(q.w, http.StatusOK, map[string]any{})
}

// withAssociation looks up the Pod Identity association a call names and
// holds the lock while h runs.
func withAssociation(h func(*Server, *request, *podIdentity)) func(*Server, *request) {
	return func(s *Server, q *request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		p, ok := s.pods[q.cluster()][q.path["association"]]
		if !ok {
			restError(q.w, http.StatusNotFound, "ResourceNotFoundException", "Association not found: "+q.path["association"])
			return
		}
		h(s, q, p)
	}
}

func (s *Server) createPodIdentity(q *request) {
	w, k := q.w, q.cluster()
	var in struct {
		Namespace          string            `json:"namespace"`
		ServiceAccount     string            `json:"serviceAccount"`
		RoleArn            string            `json:"roleArn"`
		Tags               map[string]string `json:"tags"`
		DisableSessionTags bool              `json:"disableSessionTags"`
	}
	if !decode(w, q.body, &in) {
		return
	}
	if !kubernetesName.MatchString(in.Namespace) || !kubernetesName.MatchString(in.ServiceAccount) || !roleArn.MatchString(in.RoleArn) {
		s.note("CreatePodIdentityAssociation: namespace %q, service account %q, role %q", in.Namespace, in.ServiceAccount, in.RoleArn)
		restError(w, http.StatusBadRequest, "InvalidParameterException", "namespace, serviceAccount and a role ARN are required")
		return
	}
	id := fmt.Sprintf("a-%017d", s.nextID())
	now := epoch(s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pods[k] == nil {
		s.pods[k] = map[string]*podIdentity{}
	}
	for _, p := range s.pods[k] {
		if p.Namespace == in.Namespace && p.ServiceAccount == in.ServiceAccount {
			restError(w, http.StatusConflict, "ResourceInUseException", "Association already exists: "+p.AssociationID)
			return
		}
	}
	p := &podIdentity{ClusterName: k.name, Namespace: in.Namespace, ServiceAccount: in.ServiceAccount, RoleArn: in.RoleArn,
		AssociationArn: s.arn(k, "podidentityassociation", id), AssociationID: id, Tags: in.Tags,
		CreatedAt: now, ModifiedAt: now, DisableSessionTags: in.DisableSessionTags}
	s.pods[k][id] = p
	writeJSON(w, http.StatusOK, map[string]any{"association": p})
}

func (s *Server) listPodIdentities(q *request) {
	k := q.cluster()
	// EKS filters by namespace and service account when the call names
	// them.
	ns, sa := q.r.URL.Query().Get("namespace"), q.r.URL.Query().Get("serviceAccount")
	s.mu.Lock()
	ids := []string{}
	for id, p := range s.pods[k] {
		if (ns == "" || p.Namespace == ns) && (sa == "" || p.ServiceAccount == sa) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	list := []map[string]any{}
	for _, id := range ids {
		p := s.pods[k][id]
		list = append(list, map[string]any{"clusterName": p.ClusterName, "namespace": p.Namespace, "serviceAccount": p.ServiceAccount,
			"associationArn": p.AssociationArn, "associationId": p.AssociationID})
	}
	s.mu.Unlock()
	writeJSON(q.w, http.StatusOK, map[string]any{"associations": list})
}

func (s *Server) describePodIdentity(q *request, p *podIdentity) {
	writeJSON(q.w, http.StatusOK, map[string]any{"association": p})
}

func (s *Server) deletePodIdentity(q *request, p *podIdentity) {
	delete(s.pods[q.cluster()], p.AssociationID)
	writeJSON(q.w, http.StatusOK, map[string]any{"association": p})
}

func (s *Server) updatePodIdentity(q *request, p *podIdentity) {
	var in struct {
		RoleArn            *string `json:"roleArn"`
		DisableSessionTags *bool   `json:"disableSessionTags"`
	}
	if !decode(q.w, q.body, &in) {
		return
	}
	if in.RoleArn != nil {
		if !roleArn.MatchString(*in.RoleArn) {
			restError(q.w, http.StatusBadRequest, "InvalidParameterException", "roleArn is not a role ARN")
			return
		}
		p.RoleArn = *in.RoleArn
	}
	if in.DisableSessionTags != nil {
		p.DisableSessionTags = *in.DisableSessionTags
	}
	p.ModifiedAt = epoch(s.now())
	writeJSON(q.w, http.StatusOK, map[string]any{"association": p})
}

// tagsOf serves TagResource, UntagResource and ListTagsForResource for the
// resources the layer keeps and for node groups; moto tags the rest.
func (s *Server) tagsOf(q *request) bool {
	arn := q.path["arn"]
	switch {
	case ownedResourceArn.MatchString(arn):
		s.tags(q.w, q.r, q.body, arn)
	case nodegroupArn.MatchString(arn):
		s.nodegroupTags(q.w, q.r, q.body, arn)
	default:
		return false
	}
	return true
}

// tags serves the tag calls of the add-ons, access entries and Pod Identity
// associations the layer keeps.
func (s *Server) tags(w http.ResponseWriter, r *http.Request, body []byte, arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tags *map[string]string
	for _, m := range s.addons {
		for _, a := range m {
			if a.AddonArn == arn {
				tags = &a.Tags
			}
		}
	}
	for _, m := range s.entries {
		for _, e := range m {
			if e.AccessEntryArn == arn {
				tags = &e.Tags
			}
		}
	}
	for _, m := range s.pods {
		for _, p := range m {
			if p.AssociationArn == arn {
				tags = &p.Tags
			}
		}
	}
	if tags == nil {
		restError(w, http.StatusNotFound, "NotFoundException", "Resource not found: "+arn)
		return
	}
	if *tags == nil {
		*tags = map[string]string{}
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"tags": *tags})
	case http.MethodPost:
		var in struct {
			Tags map[string]string `json:"tags"`
		}
		okBody := decode(w, body, &in)
		if !okBody {
			return
		}
		for k, v := range in.Tags {
			(*tags)[k] = v
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case http.MethodDelete:
		for _, k := range r.URL.Query()["tagKeys"] {
			delete(*tags, k)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// nodegroupKey names a node group.
type nodegroupKey struct {
	cluster clusterKey
	name    string
}

// describeNodegroup passes DescribeNodegroup and DeleteNodegroup to moto
// and reports the tags TagResource set, which moto does not keep for node
// groups.
func (s *Server) describeNodegroup(q *request) {
	w, r, k, name := q.w, q.r, q.cluster(), q.path["nodegroup"]
	rp, err := s.forward(r, nil)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return
	}
	nk := nodegroupKey{k, name}
	s.mu.Lock()
	tags, ok := s.ngTags[nk]
	versions, updated := s.ngVersions[nk]
	if r.Method == http.MethodDelete && rp.ok() {
		delete(s.ngTags, nk)
		delete(s.ngVersions, nk)
	}
	s.mu.Unlock()
	var out map[string]any
	if (!ok && !updated) || !rp.ok() || json.Unmarshal(rp.body, &out) != nil {
		rp.write(w, rp.body)
		return
	}
	if ng, isMap := out["nodegroup"].(map[string]any); isMap {
		if ok {
			ng["tags"] = tags
		}
		for f, v := range versions {
			ng[f] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		rp.write(w, rp.body)
		return
	}
	rp.write(w, b)
}

// motoNodegroup is moto's DescribeNodegroup of a node group, asked in the
// account and region of the call r.
func (s *Server) motoNodegroup(r *http.Request, nk nodegroupKey) (reply, error) {
	req := r.Clone(r.Context())
	req.Method = http.MethodGet
	req.URL = &url.URL{Path: "/clusters/" + url.PathEscape(nk.cluster.name) + "/node-groups/" + url.PathEscape(nk.name)}
	return s.forward(req, nil)
}

// updateNodegroupVersion serves UpdateNodegroupVersion, which moto lacks:
// EKS rolls the node group to another Kubernetes version, AMI release or
// launch template version. The node group reports them from then on; a
// node group made without a launch template cannot be given one.
func (s *Server) updateNodegroupVersion(q *request) {
	w, r, nk := q.w, q.r, nodegroupKey{q.cluster(), q.path["nodegroup"]}
	var in struct {
		Version        *string        `json:"version"`
		ReleaseVersion *string        `json:"releaseVersion"`
		LaunchTemplate map[string]any `json:"launchTemplate"`
	}
	if !decode(w, q.body, &in) {
		return
	}
	rp, err := s.motoNodegroup(r, nk)
	if err != nil {
		restError(w, http.StatusBadGateway, "ServerException", err.Error())
		return
	}
	var out struct {
		Nodegroup map[string]any `json:"nodegroup"`
	}
	if !rp.ok() || json.Unmarshal(rp.body, &out) != nil {
		restError(w, http.StatusNotFound, "ResourceNotFoundException", "No node group found for name: "+nk.name+".")
		return
	}
	if in.LaunchTemplate != nil {
		if lt, _ := out.Nodegroup["launchTemplate"].(map[string]any); lt == nil {
			restError(w, http.StatusBadRequest, "InvalidParameterException", "You cannot specify a launch template for a node group that was not created with a launch template.")
			return
		}
		if in.LaunchTemplate["version"] == nil {
			restError(w, http.StatusBadRequest, "InvalidParameterException", "Launch template version is required.")
			return
		}
	}
	s.mu.Lock()
	v := s.ngVersions[nk]
	if v == nil {
		v = map[string]any{}
		s.ngVersions[nk] = v
	}
	var params []map[string]any
	if in.Version != nil {
		v["version"] = *in.Version
		params = append(params, map[string]any{"type": "Version", "value": *in.Version})
	}
	if in.ReleaseVersion != nil {
		v["releaseVersion"] = *in.ReleaseVersion
		params = append(params, map[string]any{"type": "ReleaseVersion", "value": *in.ReleaseVersion})
	}
	if in.LaunchTemplate != nil {
		lt := map[string]any{}
		if old, _ := out.Nodegroup["launchTemplate"].(map[string]any); old != nil {
			for k, x := range old {
				lt[k] = x
			}
		}
		for k, x := range in.LaunchTemplate {
			lt[k] = x
		}
		v["launchTemplate"] = lt
		params = append(params, map[string]any{"type": "LaunchTemplateVersion", "value": fmt.Sprint(in.LaunchTemplate["version"])})
	}
	u := s.newUpdateLocked("VersionUpdate", params)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"update": u})
}

// nodegroupTags serves TagResource, UntagResource and ListTagsForResource
// for node groups, starting from the tags moto reports.
func (s *Server) nodegroupTags(w http.ResponseWriter, r *http.Request, body []byte, arn string) {
	m := nodegroupArn.FindStringSubmatch(arn)
	nk := nodegroupKey{clusterKey{m[2], m[1], m[3]}, m[4]}
	s.mu.Lock()
	tags, ok := s.ngTags[nk]
	s.mu.Unlock()
	if !ok {
		rp, err := s.motoNodegroup(r, nk)
		if err != nil {
			restError(w, http.StatusBadGateway, "ServerException", err.Error())
			return
		}
		var out struct {
			Nodegroup struct {
				Tags map[string]string `json:"tags"`
			} `json:"nodegroup"`
		}
		if !rp.ok() || json.Unmarshal(rp.body, &out) != nil {
			restError(w, http.StatusNotFound, "NotFoundException", "Resource not found: "+arn)
			return
		}
		tags = out.Nodegroup.Tags
		if tags == nil {
			tags = map[string]string{}
		}
	}
	switch r.Method {
	case http.MethodPost:
		var in struct {
			Tags map[string]string `json:"tags"`
		}
		if !decode(w, body, &in) {
			return
		}
		for k, v := range in.Tags {
			tags[k] = v
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case http.MethodDelete:
		for _, k := range r.URL.Query()["tagKeys"] {
			delete(tags, k)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	}
	s.mu.Lock()
	s.ngTags[nk] = tags
	s.mu.Unlock()
}
