// Command load drives the running function binary over gRPC with mutual TLS,
// as Crossplane calls it, at several levels of concurrency, and reports
// latency percentiles, calls per second, the CPU time the function's process
// used per call (user and system, from /proc) and its memory: peak RSS and
// RSS before and after a long soak, to show it does not grow. With
// -distinct N it cycles through N distinct converged XRs, as a replica of a
// large platform is called.
//
//	go run ./test/load -binary .cache/bin/function-eks-gitops
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

func main() {
	binary := flag.String("binary", ".cache/bin/function-eks-gitops", "the function binary to drive")
	examples := flag.String("examples", "example", "the example directory")
	levels := flag.String("concurrency", "1,8,64", "concurrent callers, comma separated")
	calls := flag.Int("calls", 3000, "calls per concurrency level")
	soak := flag.Int("soak", 100000, "calls of the soak that checks RSS does not grow")
	maxGrowth := flag.Float64("max-rss-growth-mib", 4, "how much RSS may grow over the soak's second half before the run fails")
	isFloor := flag.Bool("floor", false, "the binary is the floor function (test/load/floor): check only that it answers")
	memLimit := flag.String("gomemlimit", "", "GOMEMLIMIT for the function's process (e.g. 32MiB, as example/runtimeconfig.yaml sets); empty leaves Go's default")
	rate := flag.Float64("rate", 0, "calls per second across all callers; 0 calls as fast as each caller can, a positive rate paces the calls as XRs polled by Crossplane are")
	distinct := flag.Int("distinct", 0, "cycle through this many distinct converged XRs (names, members, node pools and zones differ), so the plan cache hits as rarely as on a large platform; 0 repeats the converged default example")
	fnArgs := flag.String("function-args", "", "more flags for the function, space separated (e.g. --plan-cache-size=8)")
	recorded := flag.String("recorded", "", "send the converged XR the real-provider suite recorded (test/e2e/testdata/observed-payments-dev.yaml), whose observed resources carry the status the AWS provider's own controllers fill, instead of the simulated one")
	flag.Parse()
	if err := run(*binary, *examples, *recorded, *levels, *calls, *soak, *maxGrowth, *rate, *isFloor, *memLimit, *distinct, strings.Fields(*fnArgs)); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func readYAML(path string) (map[string]any, error) {
	b, err := os.ReadFile(path) //nolint:gosec // Example files.
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, yaml.Unmarshal(b, &out)
}

// defaultExample is the default example XR and its Composition's Input.
func defaultExample(examples string) (xr, in map[string]any, err error) {
	if xr, err = readYAML(filepath.Join(examples, "xr.yaml")); err != nil {
		return nil, nil, err
	}
	c, err := readYAML(filepath.Join(examples, "composition.yaml"))
	if err != nil {
		return nil, nil, err
	}
	in = c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any) //nolint:forcetypeassert // Shipped example.
	return xr, in, nil
}

// convergedRequest is the request Crossplane sends for the default example
// once everything exists and is ready: the steady state of a running
// cluster, and the largest request the example produces.
func convergedRequest(examples string) (*fnv1.RunFunctionRequest, error) {
	xr, in, err := defaultExample(examples)
	if err != nil {
		return nil, err
	}
	rounds, err := simulate.Converge(context.Background(), fn.New(), simulate.New(xr, in), 12)
	if err != nil {
		return nil, err
	}
	last := rounds[len(rounds)-1]
	return last.State.Request()
}

// recordedRequest is the request Crossplane sends for payments-dev once the
// AWS provider's own controllers converged it in the real-provider suite,
// which records the XR and its composed resources on a pass: every status
// field the provider fills, as Crossplane passes it. The Input and the
// settings are the package Composition's and example/platform-settings.yaml,
// which the suite composed it with.
func recordedRequest(examples, path string) (*fnv1.RunFunctionRequest, error) {
	rec, err := readYAML(path)
	if err != nil {
		return nil, err
	}
	c, err := readYAML(filepath.Join(examples, "..", "package", "configuration", "composition.yaml"))
	if err != nil {
		return nil, err
	}
	settings, err := readYAML(filepath.Join(examples, "platform-settings.yaml"))
	if err != nil {
		return nil, err
	}
	in := c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any) //nolint:forcetypeassert // Shipped package.
	s, err := simulate.Recorded(rec, in, map[string][]map[string]any{fn.SettingsRequirement: {settings}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w; run hack/e2e-aws.sh, which records it on a pass", path, err)
	}
	return s.Request()
}

// variantXR is the i-th distinct XR of the many-XRs mode: the default
// example under another name, with 0 to 4 more members, 1 to 3 node pools
// and 2 or 3 zones.
func variantXR(base map[string]any, i int) (map[string]any, error) {
	b, err := yaml.Marshal(base)
	if err != nil {
		return nil, err
	}
	xr := map[string]any{}
	if err := yaml.Unmarshal(b, &xr); err != nil {
		return nil, err
	}
	xr["metadata"].(map[string]any)["name"] = fmt.Sprintf("payments-%05d", i) //nolint:forcetypeassert // Shipped example.
	spec := xr["spec"].(map[string]any)                                       //nolint:forcetypeassert // Shipped example.
	team := spec["team"].(map[string]any)                                     //nolint:forcetypeassert // Shipped example.
	members := team["members"].([]any)                                        //nolint:forcetypeassert // Shipped example.
	for m := range i % 5 {
		members = append(members, fmt.Sprintf("member-%05d-%d", i, m))
	}
	team["members"] = members
	spec["network"].(map[string]any)["availabilityZones"] = int64(2 + i%2) //nolint:forcetypeassert // Shipped example.
	pools := spec["nodePools"].([]any)                                     //nolint:forcetypeassert // Shipped example.
	for p := range i % 3 {
		pools = append(pools, map[string]any{"name": fmt.Sprintf("extra%d", p), "instanceTypes": []any{"m6i.xlarge"}, "minSize": int64(1), "maxSize": int64(3)})
	}
	spec["nodePools"] = pools
	return xr, nil
}

// distinctRequests converges n distinct XRs and returns each converged
// request, encoded, converging on every core.
func distinctRequests(examples string, n int) ([][]byte, error) {
	xr, in, err := defaultExample(examples)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			f := fn.New()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				v, err := variantXR(xr, i)
				if err != nil {
					errs[i] = err
					continue
				}
				rounds, err := simulate.Converge(context.Background(), f, simulate.New(v, in), 16)
				if err != nil {
					errs[i] = fmt.Errorf("XR %d: %w", i, err)
					continue
				}
				req, err := rounds[len(rounds)-1].State.Request()
				if err == nil {
					out[i], err = proto.MarshalOptions{Deterministic: true}.Marshal(req)
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// cpuTime is the user and system CPU time a process has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses: utime
	// and stime are the 12th and 13th, in clock ticks of 10 ms.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// memory reads a process's current and peak resident set size in KiB.
// soakChunk is how many calls of the soak pass between two RSS samples.
const soakChunk = 50

// soakLevels returns the highest RSS sampled in the soak's first half and the
// lowest of the last three (at most) in its second half. A process that does
// not leak settles at or under its first half's high; one that leaks keeps
// rising, so even its lowest late samples end above it.
func soakLevels(samples []int) (high, low int) {
	half := len(samples) / 2
	if half == 0 {
		return 0, 0
	}
	high = slices.Max(samples[:half])
	low = slices.Min(samples[max(half, len(samples)-3):])
	return high, low
}

func memory(pid int) (rss, peak int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak, nil
}

// frame is an encoded protobuf message. The load tool encodes the request
// once and keeps responses encoded, so its own protobuf work does not take
// the CPU the function is measured on.
type frame struct{ b []byte }

// rawCodec passes frames through. It is named "proto", so the function
// decodes the calls with its protobuf codec as it does Crossplane's.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.(*frame).b, nil } //nolint:forcetypeassert // Only frames are sent.

func (rawCodec) Unmarshal(data []byte, v any) error {
	v.(*frame).b = slices.Clone(data) //nolint:forcetypeassert // Only frames are received.
	return nil
}

func (rawCodec) Name() string { return "proto" }

// caller calls RunFunction with an encoded request.
type caller struct {
	conn *grpc.ClientConn
	req  frame
	// want is the first response. The function's output is deterministic,
	// so every later response must have exactly its bytes.
	want []byte

	// In the many-XRs mode, call i sends reqs[i%len(reqs)] and checks the
	// response's hash against the first one for that request.
	reqs []frame
	sums [][sha256.Size]byte
}

// invoke makes one call and returns the encoded response.
func (c *caller) invoke(ctx context.Context) ([]byte, error) {
	return c.invokeWith(ctx, &c.req)
}

func (c *caller) invokeWith(ctx context.Context, req *frame) ([]byte, error) {
	var rsp frame
	err := c.conn.Invoke(ctx, fnv1.FunctionRunnerService_RunFunction_FullMethodName, req, &rsp, grpc.ForceCodec(rawCodec{}))
	return rsp.b, err
}

func (c *caller) call(ctx context.Context, i int) error {
	if len(c.reqs) > 0 {
		j := i % len(c.reqs)
		rsp, err := c.invokeWith(ctx, &c.reqs[j])
		if err != nil {
			return err
		}
		if sha256.Sum256(rsp) != c.sums[j] {
			return fmt.Errorf("a response to XR %d differs from the first: the output is not deterministic", j)
		}
		return nil
	}
	rsp, err := c.invoke(ctx)
	if err != nil {
		return err
	}
	if !bytes.Equal(rsp, c.want) {
		return errors.New("a response differs from the first: the output is not deterministic")
	}
	return nil
}

// check makes the first call and checks its response in full: every observed
// resource declared again and ready, no results but Normal ones. A negative
// observed checks only that the call succeeds.
func (c *caller) check(ctx context.Context, observed int) error {
	rsp, err := c.invoke(ctx)
	if err != nil {
		return err
	}
	c.want = rsp
	r := &fnv1.RunFunctionResponse{}
	if err := proto.Unmarshal(rsp, r); err != nil || observed < 0 {
		return err
	}
	for _, res := range r.GetResults() {
		if res.GetSeverity() != fnv1.Severity_SEVERITY_NORMAL {
			return fmt.Errorf("unexpected result: %s", res.GetMessage())
		}
	}
	ready := 0
	for _, d := range r.GetDesired().GetResources() {
		if d.GetReady() == fnv1.Ready_READY_TRUE {
			ready++
		}
	}
	if ready != observed {
		return fmt.Errorf("%d of %d composed resources are declared ready", ready, observed)
	}
	return nil
}

// drive makes calls RunFunction calls from n goroutines and returns every
// latency. With a positive rate the calls are scheduled at that rate, spread
// over the callers, and each latency counts from the call's scheduled time,
// so time spent behind schedule is not hidden.
func drive(ctx context.Context, c *caller, n, calls int, rate float64) ([]time.Duration, error) {
	lat := make([]time.Duration, calls)
	var next int
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	begin := time.Now()
	for range n {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= calls {
					return
				}
				start := time.Now()
				if rate > 0 {
					start = begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					time.Sleep(time.Until(start))
				}
				err := c.call(ctx, i)
				lat[i] = time.Since(start)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return lat, first
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func run(binary, examples, recorded, levels string, calls, soak int, maxGrowthMiB, rate float64, isFloor bool, memLimit string, distinct int, fnArgs []string) error {
	req, err := convergedRequest(examples)
	what := "converged default example"
	if recorded != "" {
		req, err = recordedRequest(examples, recorded)
		what = "payments-dev as the AWS provider's own controllers converged it (" + recorded + ")"
	}
	if err != nil {
		return err
	}
	var many [][]byte
	if distinct > 0 {
		start := time.Now()
		if many, err = distinctRequests(examples, distinct); err != nil {
			return err
		}
		fmt.Printf("%d distinct converged XRs made in %s\n", distinct, time.Since(start).Round(time.Second))
		// Converging them left gigabytes of garbage: collect it and give
		// the memory back now, so neither is done on the cores the
		// function is measured on.
		debug.FreeOSMemory()
	}
	dir, err := os.MkdirTemp("", "load-certs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // Best effort.
	certs, err := testpki.NewFunction(dir)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(binary, append([]string{"--tls-certs-dir", certs.Dir, "--address", addr, "--metrics-address="}, fnArgs...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if memLimit != "" {
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+memLimit)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for i := 0; ; i++ {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = conn.Close()
			break
		}
		if i > 100 {
			return errors.New("the function did not listen")
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(certs.Client)))
	if err != nil {
		return err
	}
	defer conn.Close() //nolint:errcheck // Best effort.
	ctx := context.Background()
	pid := cmd.Process.Pid
	encoded, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return err
	}
	client := &caller{conn: conn, req: frame{b: encoded}}
	observed := len(req.GetObserved().GetResources())
	if isFloor {
		observed = -1
	}
	if err := client.check(ctx, observed); err != nil {
		return err
	}
	if len(many) > 0 {
		// One call per XR records its response, as a first poll would.
		total := 0
		for _, b := range many {
			rsp, err := client.invokeWith(ctx, &frame{b: b})
			if err != nil {
				return err
			}
			client.reqs = append(client.reqs, frame{b: b})
			client.sums = append(client.sums, sha256.Sum256(rsp))
			total += len(b)
		}
		fmt.Printf("many XRs: each call sends the next of %d distinct converged XRs (mean request %d bytes)\n", len(many), total/len(many))
	}

	fmt.Printf("request: %s, %d composed resources, %d bytes; response %d bytes\n", what, len(req.GetObserved().GetResources()), len(encoded), len(client.want))
	if rate > 0 {
		fmt.Printf("paced: %.0f calls/s spread over the callers\n", rate)
	}
	if memLimit != "" {
		fmt.Printf("the function runs with GOMEMLIMIT=%s\n", memLimit)
	}
	if len(fnArgs) > 0 {
		fmt.Printf("the function runs with %s\n", strings.Join(fnArgs, " "))
	}
	fmt.Printf("%-12s %10s %10s %12s %14s %14s\n", "concurrency", "p50", "p99", "calls/s", "CPU ms/call", "peak RSS MiB")
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		if _, err := drive(ctx, client, n, min(calls, 200), rate); err != nil { // warm up
			return err
		}
		start := time.Now()
		cpu0, err := cpuTime(pid)
		if err != nil {
			return err
		}
		lat, err := drive(ctx, client, n, calls, rate)
		if err != nil {
			return err
		}
		elapsed := time.Since(start)
		cpu1, err := cpuTime(pid)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		_, peak, _ := memory(pid)
		fmt.Printf("%-12d %10s %10s %12.0f %14.2f %14.1f\n", n, percentile(lat, 0.50).Round(10*time.Microsecond), percentile(lat, 0.99).Round(10*time.Microsecond),
			float64(calls)/elapsed.Seconds(), float64(cpu1-cpu0)/float64(time.Millisecond)/float64(calls), float64(peak)/1024)
	}
	if soak > 0 {
		// RSS is sampled every soakChunk calls. Half the soak warms caches and
		// heap to their working size; a leak shows as the second half's low
		// samples rising above the first half's high ones. One reading at each
		// end would see the garbage collector's timing instead.
		before, _, _ := memory(pid)
		start := time.Now()
		var samples []int
		for done := 0; done < soak; {
			n := min(soakChunk, soak-done)
			if _, err := drive(ctx, client, 8, n, 0); err != nil {
				return err
			}
			done += n
			rss, _, err := memory(pid)
			if err != nil {
				return err
			}
			samples = append(samples, rss)
		}
		_, peak, _ := memory(pid)
		high, low := soakLevels(samples)
		fmt.Printf("soak: %d calls at 8 callers in %s; RSS %.1f MiB before, first half's high %.1f MiB, second half's low %.1f MiB, peak %.1f MiB\n", soak, time.Since(start).Round(time.Second), float64(before)/1024, float64(high)/1024, float64(low)/1024, float64(peak)/1024)
		if grew := float64(low-high) / 1024; grew > maxGrowthMiB {
			return fmt.Errorf("RSS grew by %.1f MiB over the soak's second half of %d calls (its lowest samples above the first half's highest), more than the %.1f MiB allowed (-max-rss-growth-mib): a leak", grew, soak-soak/2, maxGrowthMiB)
		}
	}
	return nil
}
