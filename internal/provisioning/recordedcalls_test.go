package provisioning

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordedCalls holds each account's provisioning policy against the
// IAM actions the AWS provider's own controllers called in the real-provider
// suite (hack/e2e-aws.sh writes the file on a pass): a policy that lacks one
// would leave the provider failing in that account.
func TestRecordedCalls(t *testing.T) {
	path := filepath.Join("..", "..", "test", "e2e", "testdata", "provider-calls.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v: run hack/e2e-aws.sh, which records the provider's calls on a pass", err)
	}
	defer func() { _ = f.Close() }()
	calls := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		account, action, ok := strings.Cut(line, " ")
		if !ok || (Account(account) != Team && Account(account) != Central) || !strings.Contains(action, ":") {
			t.Errorf("%s: %q is not <team|central> <service:Action>", path, line)
			continue
		}
		calls++
		if !Grants(Account(account), action) {
			t.Errorf("the provider called %s in the %s account, which its provisioning policy does not grant", action, account)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The suite creates, changes and deletes clusters in three modes; far
	// fewer actions means the file was not written by a full pass.
	if calls < 50 {
		t.Errorf("%s holds %d actions; a full pass of the real-provider suite records more than 50", path, calls)
	}
}
