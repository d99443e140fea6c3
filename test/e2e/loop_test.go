package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
	"github.com/eks-gitops/function-eks-gitops/test/e2e/awsemu"
)

// loop is the developer's loop with Argo CD's own controllers: two teams'
// clusters stand in for EKS, the central Argo CD reaches them with the
// hub role and the role the function made, pulls the team's repository
// with the credential the function made, and deploys what the team pushes.
type loop struct {
	e     *env
	eks   *eksAuth
	git   *codeCommit
	argo  *argoCD
	hub   aws.Credentials
	teams map[string]*loopTeam

	// refused are the answers to assumptions STS must refuse, role and
	// argocd-k8s-auth's error, asked in the background.
	refusals sync.WaitGroup
	mu       sync.Mutex
	refused  [][2]string
}

// checkRefusals waits for the background assumptions: each must have been
// refused with STS's AccessDenied.
func (l *loop) checkRefusals(t *testing.T) {
	t.Helper()
	l.refusals.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.refused) == 0 {
		t.Error("no assumption was tried")
	}
	for _, r := range l.refused {
		// argocd-k8s-auth retries for a minute and reports its last
		// attempt's error, which on a loaded machine may be its own
		// deadline instead of STS's answer: STS's refusal is in its journal.
		if i := strings.Index(r[1], "AccessDenied"); i >= 0 {
			t.Logf("argocd-k8s-auth refused: %s", r[1][i:])
			continue
		}
		if d := l.eks.find("STS AssumeRole "+r[0]+" by ", " refused: "); d != "" && !strings.HasPrefix(r[1], "<nil>") {
			t.Logf("argocd-k8s-auth failed (%.120s) after STS refused: %s", r[1], d)
			continue
		}
		t.Errorf("assuming %s: %s, want AccessDenied", r[0], r[1])
	}
}

// loopTeam is one team's XR and what the function made for it.
type loopTeam struct {
	xr, team, account string
	cluster           *teamCluster
	// From the composed objects: the Argo CD project and cluster Secret,
	// the bootstrap Application, the repository's name and URL, the role
	// Argo CD assumes, the EKS name, and the Cognito groups of members and
	// admins.
	project, bootstrap, repo, repoURL, argoRole, eksName string
	members, admins                                      string
	// The role the team's people push the repository with.
	pushRole string
}

const (
	loopRegion = "eu-west-1"
	hubRoleARN = "arn:aws:iam::111122223333:role/argocd-hub"
)

// loopAWS is what AWS knows in a suite: the access the EKS stand-in
// grants and the Git access CodeCommit's endpoint grants.
type loopAWS interface {
	accessSource
	gitIAM
}

// loopSpec names a team cluster of the loop: the XR, its team and account.
type loopSpec struct{ xr, team, account string }

// loopOptions say what the loop runs against.
type loopOptions struct {
	aws   loopAWS
	teams []loopSpec
	// place makes whatever plays EKS report tc's server and CA as the
	// endpoint and certificate authority of the cluster tc stands for.
	place func(tc *teamCluster)
}

// startLoop starts, for the fast suite, what the loop scenarios add to the
// control plane: the simulated provider reports the team clusters, and AWS
// is what the function composed (composedAWS).
func (e *env) startLoop(ctx context.Context, t *testing.T) *loop {
	t.Helper()
	return e.startLoopWith(ctx, t, loopOptions{
		aws:   composedAWS{cp: e.cp},
		teams: []loopSpec{{"loop-a", "payments", "444455556666"}, {"loop-b", "search", "777788889999"}},
		place: func(tc *teamCluster) {
			e.providers.mu.Lock()
			e.providers.endpoints[tc.mr] = [2]string{tc.server, tc.caData}
			e.providers.mu.Unlock()
		},
	})
}

// startLoopWith starts moto behind the EKS stand-in's STS, CodeCommit's Git
// endpoint, a team cluster for each of o.teams and Argo CD's controllers.
// From then on the simulated providers no longer play Argo CD's
// finalizers: Argo CD's own controller runs.
func (e *env) startLoopWith(ctx context.Context, t *testing.T, o loopOptions) *loop {
	t.Helper()
	if err := e.cp.applyFile(ctx, filepath.Join(root, "example", "rbac.yaml")); err != nil {
		t.Fatal(err)
	}
	// A moto of the loop's own: its STS issues the sessions of the hub,
	// the team roles and their people.
	moto, stopMoto, err := awsemu.StartMoto()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopMoto)
	ca, err := testpki.NewCA("e2e-loop")
	if err != nil {
		t.Fatal(err)
	}
	l := &loop{e: e, teams: map[string]*loopTeam{}}
	if l.eks, err = startEKS(moto, ca, o.aws); err != nil {
		t.Fatal(err)
	}
	if l.git, err = startCodeCommit(e.cp.dir, loopRegion, ca, o.aws, l.eks); err != nil {
		t.Fatal(err)
	}
	if l.hub, err = l.eks.stsCredentials(ctx, hubRoleARN); err != nil {
		t.Fatal(err)
	}
	for _, x := range o.teams {
		tc, err := startTeamCluster(ctx, e.cp.dir, x.xr, ca, l.eks.webhook+"/"+x.xr, ca.PEM())
		if err != nil {
			t.Fatalf("team cluster %s: %v\n%s", x.xr, err, logTails(e.cp.dir+"/team-"+x.xr))
		}
		l.eks.register(tc)
		o.place(tc)
		l.teams[x.xr] = &loopTeam{xr: x.xr, team: x.team, account: x.account, cluster: tc}
	}
	e.providers.argoCDRuns.Store(true)
	if l.argo, err = e.cp.startArgoCD(ctx, l.eks, l.git, l.hub, loopRegion); err != nil {
		t.Fatalf("Argo CD: %v\n%s", err, logTails(e.cp.dir+"/argocd"))
	}
	t.Logf("e2e: Argo CD's application controller and repo server, %d team cluster(s), STS and CodeCommit ready", len(o.teams))
	return l
}

// report prints what the stand-ins decided and Argo CD's logs.
func (l *loop) report(t *testing.T) {
	t.Helper()
	if !t.Failed() {
		return
	}
	t.Logf("STS and the EKS authenticator:\n%s\nCodeCommit:\n%s\n%s", l.eks.decisions(), l.git.decisions(), logTails(l.e.cp.dir+"/argocd"))
}

// onboard applies the team's XR, waits for it, and reads what the function
// made for it.
func (l *loop) onboard(ctx context.Context, t *testing.T, lt *loopTeam, members []string) {
	t.Helper()
	xr := exampleXR(t, "xr.yaml")
	xr.SetName(lt.xr)
	_ = unstructured.SetNestedField(xr.Object, lt.team, "spec", "team", "name")
	_ = unstructured.SetNestedField(xr.Object, lt.account, "spec", "aws", "accountId")
	_ = unstructured.SetNestedStringSlice(xr.Object, members, "spec", "team", "members")
	unstructured.RemoveNestedField(xr.Object, "spec", "team", "gitUsernames")
	_ = unstructured.SetNestedStringMap(xr.Object, map[string]string{"owner": lt.team + "-team"}, "spec", "tags")
	if err := l.e.cp.apply(ctx, syncedFromTeamFolder(xr)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.e.waitReady(ctx, teamClusterGVK, "", lt.xr); err != nil {
		l.e.report(ctx, t, teamClusterGVK, "", lt.xr)
		t.Fatal(err)
	}
	l.observe(ctx, t, lt)
}

// observe reads what the function made for lt's ready XR, as AWS and the
// control plane report it.
func (l *loop) observe(ctx context.Context, t *testing.T, lt *loopTeam) {
	t.Helper()
	objs := l.e.composedOf(ctx, t, teamClusterGVK, "", lt.xr)
	get := func(name string) *unstructured.Unstructured {
		o, ok := objs[name]
		if !ok {
			t.Fatalf("%s composed no %s", lt.xr, name)
		}
		return o
	}
	lt.project = get("argocd-project").GetName()
	lt.bootstrap = get("argocd-bootstrap-application").GetName()
	lt.repo = get("codecommit-repository").GetAnnotations()["crossplane.io/external-name"]
	lt.repoURL, _, _ = unstructured.NestedString(get("codecommit-repository").Object, "status", "atProvider", "cloneUrlHttp")
	lt.argoRole, _, _ = unstructured.NestedString(get("iam-role-argocd").Object, "status", "atProvider", "arn")
	lt.eksName = get("eks-cluster").GetAnnotations()["crossplane.io/external-name"]
	// The groups Cognito puts in the members' and admins' tokens: the
	// composed user groups' names.
	lt.members, _, _ = unstructured.NestedString(get("cognito-group").Object, "spec", "forProvider", "name")
	lt.admins, _, _ = unstructured.NestedString(get("cognito-group-admins").Object, "spec", "forProvider", "name")
	lt.pushRole, _, _ = unstructured.NestedString(get("codecommit-push-role").Object, "status", "atProvider", "arn")
	if lt.repo == "" || lt.repoURL == "" || lt.argoRole == "" || lt.eksName == "" || lt.members == "" || lt.admins == "" || lt.pushRole == "" {
		t.Fatalf("%s: incomplete observations: %+v", lt.xr, lt)
	}
}

// firstDeployment pushes the team's first manifest: Argo CD pulls it with
// the function's credential through CodeCommit's endpoint, deploys it into
// the team cluster with the role the function made, and reports the
// cluster's connection state Successful.
func (l *loop) firstDeployment(ctx context.Context, t *testing.T, lt *loopTeam) {
	t.Helper()
	if err := l.git.push(ctx, lt.repo, "first deployment", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "v1")}); err != nil {
		t.Fatal(err)
	}
	l.waitDeployed(ctx, t, lt, lt.bootstrap, "payments", "hello", "v1")
	var status, msg string
	if err := poll(ctx, 2*time.Minute, 2*time.Second, "Argo CD's connection state of the team cluster", func() (bool, error) {
		var err error
		status, msg, err = l.argo.clusterInfo(lt.cluster.server)
		return status == "Successful", err
	}); err != nil {
		t.Fatalf("%v; state %q %q", err, status, msg)
	}
}

// hello is the manifest a team pushes into its bootstrap path.
func hello(ns, name, text string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  greeting: %q\n", name, ns, text)
}

// waitDeployed waits until the team cluster holds the ConfigMap with the
// text and the Application is Synced and Healthy, as Argo CD reports them.
func (l *loop) waitDeployed(ctx context.Context, t *testing.T, lt *loopTeam, app, ns, name, text string) {
	t.Helper()
	// What Argo CD's Git webhook does on a push: ask for a refresh, instead
	// of waiting for the next poll of the repository.
	r, err := l.e.cp.resource(applicationGVK, "argocd")
	if err != nil {
		t.Fatal(err)
	}
	if err := mergePatch(ctx, r, app, map[string]any{"metadata": map[string]any{"annotations": map[string]any{"argocd.argoproj.io/refresh": "normal"}}}); err != nil {
		t.Fatal(err)
	}
	var last string
	if err := poll(ctx, 4*time.Minute, 2*time.Second, app+" to deploy "+ns+"/"+name, func() (bool, error) {
		a, err := l.e.get(ctx, applicationGVK, "argocd", app)
		if err != nil {
			return false, err
		}
		sync, health, conds := application(a)
		last = fmt.Sprintf("sync %s, health %s, %v", sync, health, conds)
		cm, err := lt.cluster.admin.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return sync == "Synced" && health == "Healthy" && cm.Data["greeting"] == text, nil
	}); err != nil {
		t.Fatalf("%v; Argo CD says: %s", err, last)
	}
}

// condition waits until an Application carries a condition or operation
// message containing want, and returns it: Argo CD's own words.
func (l *loop) condition(ctx context.Context, t *testing.T, app, want string) string {
	t.Helper()
	var said []string
	if err := poll(ctx, 3*time.Minute, 2*time.Second, app+" to say "+want, func() (bool, error) {
		a, err := l.e.get(ctx, applicationGVK, "argocd", app)
		if err != nil {
			return false, nil
		}
		_, _, said = application(a)
		return slices.ContainsFunc(said, func(s string) bool { return strings.Contains(s, want) }), nil
	}); err != nil {
		t.Fatalf("%v; Argo CD says: %v", err, said)
	}
	for _, s := range said {
		if strings.Contains(s, want) {
			return s
		}
	}
	return ""
}

// conditions waits until Argo CD has judged an Application (it carries a
// condition or an operation message) and returns what it said.
func (l *loop) conditions(ctx context.Context, t *testing.T, app string) []string {
	t.Helper()
	var said []string
	if err := poll(ctx, 3*time.Minute, 2*time.Second, app+" judged by Argo CD", func() (bool, error) {
		a, err := l.e.get(ctx, applicationGVK, "argocd", app)
		if err != nil {
			return false, nil
		}
		_, _, said = application(a)
		return len(said) > 0, nil
	}); err != nil {
		t.Fatal(err)
	}
	return said
}

// application applies an Application of the test's own, as a team admin
// allowed to create applications in the team's project would.
func (l *loop) application(ctx context.Context, t *testing.T, name, project, repoURL, path, server string, sync bool) {
	t.Helper()
	spec := map[string]any{
		"project":     project,
		"source":      map[string]any{"repoURL": repoURL, "path": path, "targetRevision": "main"},
		"destination": map[string]any{"server": server, "namespace": "payments"},
	}
	if sync {
		spec["syncPolicy"] = map[string]any{"automated": map[string]any{"prune": true}}
	}
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": name, "namespace": "argocd"},
		"spec":     spec,
	}}
	if err := l.e.cp.apply(ctx, app); err != nil {
		t.Fatal(err)
	}
}

func (l *loop) deleteApplication(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	if err := l.e.cp.deleteAndWait(ctx, applicationGVK, "argocd", name, 2*time.Minute); err != nil {
		t.Error(err)
	}
}

// token is what argocd-k8s-auth, Argo CD's own, prints for creds: the
// EKS token for the cluster named name, after assuming role when set.
func (l *loop) token(ctx context.Context, creds aws.Credentials, name, role string) (string, error) {
	args := []string{"aws", "--cluster-name", name}
	if role != "" {
		args = append(args, "--role-arn", role)
	}
	cmd := exec.CommandContext(ctx, argoCDBin("argocd-k8s-auth"), args...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken, "AWS_REGION="+loopRegion, "AWS_ENDPOINT_URL_STS="+l.eks.sts, "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("argocd-k8s-auth: %w: %s", err, stderr)
	}
	var ec struct {
		Status struct{ Token string } `json:"status"`
	}
	if err := json.Unmarshal(out, &ec); err != nil {
		return "", err
	}
	return ec.Status.Token, nil
}

// session is a session of the team's role named by teamAccess ("admins"
// or "members"), as the organisation's SSO would give a person.
func (l *loop) session(ctx context.Context, t *testing.T, lt *loopTeam, level string) aws.Credentials {
	t.Helper()
	creds, err := l.eks.stsCredentials(ctx, "arn:aws:iam::"+lt.account+":role/team-access/"+lt.team+"-"+level)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// clientAs is a client of lt's cluster with the EKS token argocd-k8s-auth
// makes for creds, as kubectl with an exec credential would use it.
func (l *loop) clientAs(ctx context.Context, t *testing.T, creds aws.Credentials, lt *loopTeam) kubernetes.Interface {
	t.Helper()
	tok, err := l.token(ctx, creds, lt.eksName, "")
	if err != nil {
		t.Fatal(err)
	}
	return lt.cluster.as(tok)
}

// rbacQuestions are what a signed-in user is asked about every loop team's
// applications.
func (l *loop) rbacQuestions() []string {
	var qs []string
	for _, k := range slices.Sorted(maps.Keys(l.teams)) {
		lt := l.teams[k]
		if lt.project == "" {
			continue
		}
		for _, action := range []string{"get", "sync", "create", "delete"} {
			qs = append(qs, fmt.Sprintf("%s applications %s/%s", action, lt.project, lt.bootstrap))
		}
	}
	return qs
}

// access is what members and admins of a team may do in Argo CD, by
// Argo CD's API server enforcer on the policies in the cluster.
func (l *loop) access(ctx context.Context, t *testing.T, lt *loopTeam) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for role, groups := range map[string][]string{"member": {lt.members}, "admin": {lt.admins}} {
		answers, err := l.argo.rbacCan(ctx, groups, l.rbacQuestions()...)
		if err != nil {
			t.Fatal(err)
		}
		for q, a := range answers {
			got[role+": "+q] = a
		}
	}
	return got
}

// wantAccess is exactly the team's own applications: members get and
// sync, admins also create and delete; nothing of another team.
func (l *loop) wantAccess(lt *loopTeam) map[string]bool {
	want := map[string]bool{}
	for _, role := range []string{"member", "admin"} {
		for _, q := range l.rbacQuestions() {
			f := strings.Fields(q)
			own := strings.HasPrefix(f[2], lt.project+"/")
			want[role+": "+q] = own && (f[0] == "get" || f[0] == "sync" || role == "admin")
		}
	}
	return want
}

func (e *env) developersLoop(ctx context.Context, t *testing.T) {
	l := e.startLoop(ctx, t)
	defer l.report(t)
	a, b := l.teams["loop-a"], l.teams["loop-b"]

	t.Run("onboarding", func(t *testing.T) {
		defer l.report(t)
		l.onboard(ctx, t, a, []string{"alice", "bob.smith"})
		l.firstDeployment(ctx, t, a)
		// A change the team pushes follows.
		if err := l.git.push(ctx, a.repo, "second", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "v2")}); err != nil {
			t.Fatal(err)
		}
		l.waitDeployed(ctx, t, a, a.bootstrap, "payments", "hello", "v2")
	})

	t.Run("eks-access", func(t *testing.T) {
		defer l.report(t)
		// The stand-ins refuse what AWS and EKS refuse: a role the cluster
		// role's trust policy does not name, a token made for another
		// cluster, a role with no access entry.
		// argocd-k8s-auth retries a refused assumption for a minute before
		// it gives up: asked alongside the rest. A role ARN that names no
		// role, and Argo CD's role asked for by someone its trust policy
		// does not name (a team member), are both refused.
		member := l.session(ctx, t, a, "members")
		// Their answers are read at the end of the next step.
		refused := map[string]aws.Credentials{strings.Replace(a.argoRole, "-argocd", "-not-argocd", 1): l.hub, a.argoRole: member}
		for role, creds := range refused {
			l.refusals.Add(1)
			go func() {
				defer l.refusals.Done()
				_, err := l.token(ctx, creds, a.eksName, role)
				l.mu.Lock()
				l.refused = append(l.refused, [2]string{role, fmt.Sprint(err)})
				l.mu.Unlock()
			}()
		}
		tok, err := l.token(ctx, l.hub, "some-other-cluster", a.argoRole)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.cluster.as(tok).CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
			t.Errorf("a token made for another cluster: %v, want 401", err)
		}
		tok, err = l.token(ctx, l.hub, a.eksName, a.argoRole)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.cluster.as(tok).CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("Argo CD's role on its cluster: %v", err)
		}
		// The team's people, through the roles teamAccess names: members
		// edit their namespace and only view the rest; admins administer.
		// A member comes in as docs/first-cluster.md says, through the AWS
		// CLI's update-kubeconfig and get-token.
		m := awsKubeconfigClient(ctx, t, l.eks.sts, l.eks.sts, a.eksName, member, member)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "by-a-member"}}
		if _, err := m.CoreV1().ConfigMaps("payments").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Errorf("a member creating in the team's namespace: %v", err)
		}
		if _, err := m.CoreV1().ConfigMaps("kube-system").Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("a member creating in kube-system: %v, want 403", err)
		}
		if _, err := m.CoreV1().ConfigMaps("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("a member viewing kube-system: %v", err)
		}
		if _, err := m.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("a member reading kube-system's Secrets: %v, want 403", err)
		}
		admin := l.clientAs(ctx, t, l.session(ctx, t, a, "admins"), a)
		if _, err := admin.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("an admin reading kube-system's Secrets: %v", err)
		}
		// Another team's people have no entry on this cluster.
		other := l.clientAs(ctx, t, l.session(ctx, t, b, "admins"), a)
		if _, err := other.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
			t.Errorf("another team's admin role on this cluster: %v, want 401", err)
		}
	})

	var push aws.Credentials
	t.Run("member-push", func(t *testing.T) {
		defer l.report(t)
		// A member assumes the team's push role in the repository's
		// account and pushes a branch through CodeCommit's endpoint, signed
		// as git-remote-codecommit signs it.
		var err error
		if push, err = l.eks.assumeAs(ctx, l.session(ctx, t, a, "members"), a.pushRole, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := l.git.pushAs(ctx, push, a.repo, "feature/review-me", "a change for review", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "reviewed")}); err != nil {
			t.Errorf("a member pushing a branch: %v", err)
		}
		// The branch Argo CD deploys takes changes only through a reviewed
		// pull request: a push to it is refused by the role's own policy.
		if err := l.git.pushAs(ctx, push, a.repo, "main", "straight to main", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "unreviewed")}); err == nil {
			t.Error("a member pushed to the default branch")
		} else if said := l.git.last(40); !strings.Contains(said, "refused codecommit:GitPush [refs/heads/main]") || !strings.Contains(said, "with an explicit deny") {
			t.Errorf("a member pushing to the default branch: %v; CodeCommit said:\n%s", err, said)
		}
		// Another team's member may not assume this team's push role.
		if _, err := l.eks.assumeAs(ctx, l.session(ctx, t, b, "members"), a.pushRole, "dave"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("another team's member assuming this team's push role: %v, want AccessDenied", err)
		}
		// Nothing reached what Argo CD deploys.
		cm, err := a.cluster.admin.CoreV1().ConfigMaps("payments").Get(ctx, "hello", metav1.GetOptions{})
		if err != nil || cm.Data["greeting"] != "v2" {
			t.Errorf("team payments's workload after the refused push: %v %v", cm, err)
		}
		// The reviewed way to main: a pull request another member approves.
		l.reviewAndMerge(ctx, t, a, push, "feature/review-me")
		l.waitDeployed(ctx, t, a, a.bootstrap, "payments", "hello", "reviewed")
	})

	var before map[string]bool
	t.Run("second-team", func(t *testing.T) {
		defer l.report(t)
		before = l.access(ctx, t, a)
		l.onboard(ctx, t, b, []string{"dave", "erin"})
		if err := l.git.push(ctx, b.repo, "first deployment", map[string]string{"bootstrap/hello.yaml": hello("search", "hello", "search-v1")}); err != nil {
			t.Fatal(err)
		}
		l.waitDeployed(ctx, t, b, b.bootstrap, "search", "hello", "search-v1")
		// The first team reaches exactly what it reached before, and its
		// workload is untouched.
		after := l.access(ctx, t, a)
		for q, ok := range before {
			if after[q] != ok {
				t.Errorf("team payments, %s: %v before the second team's onboarding, %v after", q, ok, after[q])
			}
		}
		if diff := diffAccess(after, l.wantAccess(a)); diff != "" {
			t.Errorf("team payments's Argo CD access:\n%s", diff)
		}
		if diff := diffAccess(l.access(ctx, t, b), l.wantAccess(b)); diff != "" {
			t.Errorf("team search's Argo CD access:\n%s", diff)
		}
		cm, err := a.cluster.admin.CoreV1().ConfigMaps("payments").Get(ctx, "hello", metav1.GetOptions{})
		if err != nil || cm.Data["greeting"] != "reviewed" {
			t.Errorf("team payments's workload after the second onboarding: %v %v", cm, err)
		}
		// The first team's push role reaches its own repository only.
		if push.AccessKeyID != "" {
			if err := l.git.pushAs(ctx, push, b.repo, "feature/intrusion", "into another team's repository", map[string]string{"x.yaml": "x: 1\n"}); err == nil {
				t.Error("team payments's push role pushed to team search's repository")
			} else if said := l.git.last(40); !strings.Contains(said, "because no identity-based policy allows the codecommit:GitPush action") {
				t.Errorf("team payments's push role on team search's repository: %v; CodeCommit said:\n%s", err, said)
			}
		}
		// The assumptions asked during eks-access have had their minute.
		l.checkRefusals(t)
	})

	t.Run("isolation", func(t *testing.T) {
		defer l.report(t)
		// Each refused by Argo CD with its own message. Removed whatever
		// happens: the team's project cannot go while they exist.
		defer func() {
			for _, n := range []string{"loop-to-other-cluster", "loop-to-argocd", "loop-other-repo", "loop-denied-kind", "loop-wrong-repo"} {
				l.deleteApplication(ctx, t, n)
			}
		}()
		l.application(ctx, t, "loop-to-other-cluster", a.project, a.repoURL, "bootstrap", b.cluster.server, true)
		t.Logf("another team's cluster: %s", l.condition(ctx, t, "loop-to-other-cluster", "do not match any of the allowed destinations in project"))
		l.application(ctx, t, "loop-to-argocd", a.project, a.repoURL, "bootstrap", "https://kubernetes.default.svc", true)
		t.Logf("Argo CD's own cluster: %s", l.condition(ctx, t, "loop-to-argocd", "InvalidSpecError"))
		l.application(ctx, t, "loop-other-repo", a.project, b.repoURL, "bootstrap", a.cluster.server, true)
		t.Logf("another team's repository: %s", l.condition(ctx, t, "loop-other-repo", "is not permitted in project"))
		if err := l.git.push(ctx, a.repo, "a cluster role", map[string]string{"denied/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: payments-escalate\nrules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n"}); err != nil {
			t.Fatal(err)
		}
		l.application(ctx, t, "loop-denied-kind", a.project, a.repoURL, "denied", a.cluster.server, true)
		t.Logf("a kind the project denies: %s", l.condition(ctx, t, "loop-denied-kind", "not permitted in project"))
		if _, err := a.cluster.admin.RbacV1().ClusterRoles().Get(ctx, "payments-escalate", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("the denied ClusterRole reached the team cluster: %v", err)
		}
		// A wrong repository URL: Argo CD's repo server says so.
		l.application(ctx, t, "loop-wrong-repo", a.project, a.repoURL+"-typo", "bootstrap", a.cluster.server, false)
		t.Logf("a wrong repository URL: %s", l.condition(ctx, t, "loop-wrong-repo", "not permitted in project"))
	})

	t.Run("managed-hub-isolation", func(t *testing.T) {
		defer l.report(t)
		l.managedHubIsolation(ctx, t)
	})

	t.Run("change", func(t *testing.T) {
		defer l.report(t)
		xr, err := l.e.xr(ctx, teamClusterGVK, "", a.xr)
		if err != nil {
			t.Fatal(err)
		}
		xr.SetManagedFields(nil)
		_ = unstructured.SetNestedStringSlice(xr.Object, []string{"alice", "bob.smith", "frank"}, "spec", "team", "members")
		pools, _, _ := unstructured.NestedSlice(xr.Object, "spec", "nodePools")
		pools = append(pools, map[string]any{"name": "batch", "instanceTypes": []any{"m6i.xlarge"}, "minSize": int64(0), "maxSize": int64(3), "desiredSize": int64(1), "capacityType": "SPOT"})
		_ = unstructured.SetNestedSlice(xr.Object, pools, "spec", "nodePools")
		if err := l.e.cp.apply(ctx, xr); err != nil {
			t.Fatal(err)
		}
		if err := poll(ctx, readyTimeout, 2*time.Second, "the new node pool to be composed", func() (bool, error) {
			x, err := l.e.xr(ctx, teamClusterGVK, "", a.xr)
			if err != nil {
				return false, err
			}
			objs, err := l.e.composed(ctx, x)
			return hasPool(objs, "batch"), err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.e.waitReady(ctx, teamClusterGVK, "", a.xr); err != nil {
			t.Fatal(err)
		}
		if diff := diffAccess(l.access(ctx, t, a), l.wantAccess(a)); diff != "" {
			t.Errorf("team payments's Argo CD access after the edit:\n%s", diff)
		}
		// Argo CD still reaches the cluster and deploys.
		if err := l.git.push(ctx, a.repo, "third", map[string]string{"bootstrap/hello.yaml": hello("payments", "hello", "v3")}); err != nil {
			t.Fatal(err)
		}
		l.waitDeployed(ctx, t, a, a.bootstrap, "payments", "hello", "v3")
	})

	t.Run("deletion", func(t *testing.T) {
		defer l.report(t)
		// Argo CD's own finalizer removes each team's workload from its
		// cluster before the cluster Secret, and so the cluster, goes. Both
		// teams at once.
		fg := metav1.DeletePropagationForeground
		r, err := l.e.cp.resource(teamClusterGVK, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, lt := range []*loopTeam{a, b} {
			if err := r.Delete(ctx, lt.xr, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
				t.Fatal(err)
			}
		}
		workloadGone, secretGone := map[*loopTeam]time.Time{}, map[*loopTeam]time.Time{}
		if err := poll(ctx, 4*time.Minute, 300*time.Millisecond, "the teams' workloads and cluster Secrets to go", func() (bool, error) {
			for lt, ns := range map[*loopTeam]string{a: "payments", b: "search"} {
				if _, ok := workloadGone[lt]; !ok {
					if _, err := lt.cluster.admin.CoreV1().ConfigMaps(ns).Get(ctx, "hello", metav1.GetOptions{}); apierrors.IsNotFound(err) {
						workloadGone[lt] = time.Now()
					}
				}
				if _, ok := secretGone[lt]; !ok {
					if _, err := l.e.cp.kube.CoreV1().Secrets("argocd").Get(ctx, lt.project+"-cluster", metav1.GetOptions{}); apierrors.IsNotFound(err) {
						secretGone[lt] = time.Now()
					}
				}
			}
			return len(workloadGone) == 2 && len(secretGone) == 2, nil
		}); err != nil {
			t.Fatalf("%v; workloads gone %v, cluster Secrets gone %v", err, workloadGone, secretGone)
		}
		for _, lt := range []*loopTeam{a, b} {
			if workloadGone[lt].After(secretGone[lt]) {
				t.Errorf("%s: the cluster Secret went %s before Argo CD removed the team's workload", lt.xr, workloadGone[lt].Sub(secretGone[lt]))
			}
		}
		for _, lt := range []*loopTeam{a, b} {
			if err := l.e.cp.deleteAndWait(ctx, teamClusterGVK, "", lt.xr, 4*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		// Nothing of either team is left in Argo CD.
		for _, gvk := range []schema.GroupVersionKind{secretGVK, appProjectGVK, applicationGVK} {
			rr, err := l.e.cp.resource(gvk, "argocd")
			if err != nil {
				t.Fatal(err)
			}
			list, err := rr.List(ctx, metav1.ListOptions{LabelSelector: "eks-gitops.dev/team"})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range list.Items {
				t.Errorf("left in Argo CD: %s %s", gvk.Kind, o.GetName())
			}
		}
	})
}

func hasPool(objs map[string]*unstructured.Unstructured, pool string) bool {
	for n := range objs {
		if strings.HasPrefix(n, "eks-nodegroup-"+pool+"-") {
			return true
		}
	}
	return false
}

func diffAccess(got, want map[string]bool) string {
	var out []string
	for _, q := range slices.Sorted(maps.Keys(want)) {
		if got[q] != want[q] {
			out = append(out, fmt.Sprintf("  %s: %v, want %v", q, got[q], want[q]))
		}
	}
	return strings.Join(out, "\n")
}

// awsKubeconfigClient is a client of the EKS cluster named name as a team
// member makes one (docs/first-cluster.md): `aws eks update-kubeconfig`,
// the AWS CLI asking the EKS at eksEndpoint with describe, writes a
// kubeconfig whose exec plugin, `aws eks get-token`, signs with creds for
// the STS at sts.
func awsKubeconfigClient(ctx context.Context, t *testing.T, eksEndpoint, sts, name string, creds, describe aws.Credentials) kubernetes.Interface {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatalf("the AWS CLI is missing (pip install awscli==1.45.11): %v", err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "config")
	cmd := exec.CommandContext(ctx, "aws", "eks", "update-kubeconfig", "--region", loopRegion, "--name", name, "--kubeconfig", kubeconfig)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+describe.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+describe.SecretAccessKey,
		"AWS_SESSION_TOKEN="+describe.SessionToken, "AWS_ENDPOINT_URL_EKS="+eksEndpoint, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws eks update-kubeconfig: %v\n%s", err, out)
	}
	// The exec plugin inherits the environment: the member's session.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey, "AWS_SESSION_TOKEN": creds.SessionToken,
		"AWS_ENDPOINT_URL_STS": sts, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	} {
		t.Setenv(k, v)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExecProvider == nil || cfg.ExecProvider.Command != "aws" {
		t.Fatalf("update-kubeconfig wrote no aws exec plugin: %+v", cfg.ExecProvider)
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reviewAndMerge takes branch to main the reviewed way (docs/first-cluster.md,
// step 3), through the AWS CLI: alice (push, the author) opens a pull
// request; it cannot be merged unapproved, nor approved by alice herself;
// bob's approval lets her merge it.
func (l *loop) reviewAndMerge(ctx context.Context, t *testing.T, lt *loopTeam, push aws.Credentials, branch string) {
	t.Helper()
	created, err := l.awsCLI(ctx, push, "codecommit", "create-pull-request", "--title", "First review",
		"--targets", "repositoryName="+lt.repo+",sourceReference="+branch+",destinationReference=main")
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := unstructured.NestedString(created, "pullRequest", "pullRequestId")
	rev, _, _ := unstructured.NestedString(created, "pullRequest", "revisionId")
	merge := func() error {
		_, err := l.awsCLI(ctx, push, "codecommit", "merge-pull-request-by-fast-forward", "--pull-request-id", id, "--repository-name", lt.repo)
		return err
	}
	approve := func(creds aws.Credentials) error {
		_, err := l.awsCLI(ctx, creds, "codecommit", "update-pull-request-approval-state", "--pull-request-id", id, "--revision-id", rev, "--approval-state", "APPROVE")
		return err
	}
	if err := merge(); err == nil || !strings.Contains(err.Error(), "PullRequestApprovalRulesNotSatisfiedException") {
		t.Errorf("merging an unapproved pull request: %v, want PullRequestApprovalRulesNotSatisfiedException", err)
	}
	if err := approve(push); err == nil || !strings.Contains(err.Error(), "PullRequestCannotBeApprovedByAuthorException") {
		t.Errorf("the author approving: %v, want PullRequestCannotBeApprovedByAuthorException", err)
	}
	bob, err := l.eks.assumeAs(ctx, l.session(ctx, t, lt, "members"), lt.pushRole, "bob.smith")
	if err != nil {
		t.Fatal(err)
	}
	if err := approve(bob); err != nil {
		t.Fatalf("another member approving: %v", err)
	}
	if err := merge(); err != nil {
		t.Fatalf("merging the approved pull request: %v", err)
	}
}

// awsCLI runs the AWS CLI as creds against the loop's CodeCommit and
// returns its JSON answer; an error carries what the CLI said.
func (l *loop) awsCLI(ctx context.Context, creds aws.Credentials, args ...string) (map[string]any, error) {
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--region", loopRegion, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken, "AWS_ENDPOINT_URL_CODECOMMIT="+l.git.api, "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		return nil, fmt.Errorf("aws %s: %w: %s", strings.Join(args[:2], " "), err, stderr)
	}
	var answer map[string]any
	if len(strings.TrimSpace(string(out))) == 0 {
		return answer, nil
	}
	return answer, json.Unmarshal(out, &answer)
}
