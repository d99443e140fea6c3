package e2e

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// serveLoopback serves h on a free loopback port, over TLS with cert when
// one is given, and returns its address.
func serveLoopback(h http.HandlerFunc, cert *tls.Certificate) (string, error) {
	var (
		l   net.Listener
		err error
	)
	if cert == nil {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	} else {
		l, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
	}
	if err != nil {
		return "", err
	}
	go func() { _ = http.Serve(l, h) }()
	return l.Addr().String(), nil
}

// journal is what a stand-in for an AWS service decided, for failure
// reports.
type journal struct {
	mu   sync.Mutex
	said []string
}

func (j *journal) log(format string, a ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.said = append(j.said, time.Now().Format("15:04:05 ")+fmt.Sprintf(format, a...))
}

// find returns the first decision that contains every part, or "".
func (j *journal) find(parts ...string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, d := range j.said {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(d, p) }) {
			return d
		}
	}
	return ""
}

// last returns the last n decisions.
func (j *journal) last(n int) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.said[max(0, len(j.said)-n):], "\n")
}
