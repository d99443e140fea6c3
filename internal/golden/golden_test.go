package golden

import (
	"path/filepath"
	"testing"
)

func TestDesired(t *testing.T) {
	objs, err := Desired(filepath.Join("..", "..", "fn", "testdata", "golden", "default", "4-everything-ready.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := objs["argocd-project"]
	if p == nil || p["kind"] != "AppProject" {
		t.Errorf("argocd-project is %v, want the AppProject", p)
	}
	if _, err := Desired("no-such-golden.yaml"); err == nil {
		t.Error("a missing file read without error")
	}
}
