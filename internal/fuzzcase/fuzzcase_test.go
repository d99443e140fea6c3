package fuzzcase

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCorpusFile(t *testing.T) {
	cases := map[string]struct {
		file    string
		want    []any
		wantErr bool
	}{
		"EveryType": {
			file: "go test fuzz v1\nstring(\"a\\nb\")\nint64(-3)\nint64(7)\nbyte('\\x05')\n[]byte(\"\\xf5\")\nuint8(9)\n",
			want: []any{"a\nb", int64(-3), int64(7), uint8(5), []byte("\xf5"), uint8(9)},
		},
		"NotACorpusFile":  {file: "hello\nstring(\"a\")\n", wantErr: true},
		"NotAConversion":  {file: "go test fuzz v1\n\"a\"\n", wantErr: true},
		"UnsupportedType": {file: "go test fuzz v1\nfloat64(1.5)\n", wantErr: true},
		"ByteTooLarge":    {file: "go test fuzz v1\nbyte('\\u0100')\n", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseCorpusFile(tc.file)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseCorpusFile(...): error %v, want error %t", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseCorpusFile(...): -want, +got:\n%s", diff)
			}
		})
	}
}

// TestCommittedCorpusReads checks every committed corpus file of the targets
// the conformance module renders parses, with the arguments its target takes.
func TestCommittedCorpusReads(t *testing.T) {
	dir := filepath.Join("..", "..", "fn", "testdata", "fuzz")
	teams, err := ReadCorpus(filepath.Join(dir, TargetTeam))
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) == 0 {
		t.Errorf("the %s corpus is empty", TargetTeam)
	}
	for name, args := range teams {
		if _, err := TeamOf(args); err != nil {
			t.Errorf("%s/%s: %v", TargetTeam, name, err)
		}
	}
	for _, target := range []string{TargetSpec, TargetInput} {
		corpus, err := ReadCorpus(filepath.Join(dir, target))
		if err != nil {
			t.Fatal(err)
		}
		for name, args := range corpus {
			if _, ok := args[0].(string); len(args) != 1 || !ok {
				t.Errorf("%s/%s does not hold one string: %v", target, name, args)
			}
		}
	}
}
