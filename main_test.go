package main

import (
	"math"
	"testing"

	"github.com/alecthomas/kong"
)

func TestPlanCacheBytes(t *testing.T) {
	for name, tc := range map[string]struct {
		mib   int
		limit int64
		want  int64
	}{
		"set":                         {mib: 8, limit: 32 << 20, want: 8 << 20},
		"no memory limit":             {limit: math.MaxInt64, want: 64 << 20},
		"an eighth of GOMEMLIMIT":     {limit: 32 << 20, want: 4 << 20},
		"never more than the default": {limit: 4 << 30, want: 64 << 20},
		"at least one MiB":            {limit: 2 << 20, want: 1 << 20},
		"set beyond the memory limit": {mib: 128, limit: 32 << 20, want: 128 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			if got := planCacheBytes(tc.mib, tc.limit); got != tc.want {
				t.Errorf("planCacheBytes(%d, %d) = %d, want %d", tc.mib, tc.limit, got, tc.want)
			}
		})
	}
}

// TestServeFlags parses the serve flags the docs name, so a flag renamed by
// the CLI library (kong made --plan-cache-mi-b of PlanCacheMiB) fails here.
func TestServeFlags(t *testing.T) {
	var cli CLI
	p, err := kong.New(&cli, kong.Vars{"plan_cache_size": "32", "plan_cache_mib": "64"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse([]string{"--plan-cache-mib=4", "--plan-cache-size=8", "--max-response-size=2", "--max-recv-message-size=5", "--metrics-address=", "--insecure"}); err != nil {
		t.Fatal(err)
	}
	if cli.Serve.PlanCacheMiB != 4 || cli.Serve.PlanCacheSize != 8 || cli.Serve.MaxResponseSize != 2 || cli.Serve.MaxRecvMessageSize != 5 || !cli.Serve.Insecure {
		t.Errorf("flags parsed into %+v", cli.Serve)
	}
}
