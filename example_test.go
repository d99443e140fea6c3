package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestExamplesAreRealFiles: a platform team copies example/ (the platform
// repository above all) into repositories of its own, where a symlink out of
// the copied folder breaks.
func TestExamplesAreRealFiles(t *testing.T) {
	err := filepath.WalkDir("example", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("%s is a symlink; make it a real file", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPlatformRepoSettings: the platform repository's settings are the
// example settings the rest of the examples and the suites use.
func TestPlatformRepoSettings(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("example", "platform-settings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("example", "platform-repo", "platform", "platform-settings.yaml")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from example/platform-settings.yaml: cp example/platform-settings.yaml %s", path, path)
	}
}
