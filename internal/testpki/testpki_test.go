package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

func TestIssuedCertificatesVerify(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	// A CA read back from PEM, as the e2e suite reads Crossplane's, signs
	// certificates that verify against the original.
	parsed, err := ParseCA(ca.PEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	for _, signer := range []*CA{ca, parsed} {
		certPEM, _, err := signer.Issue("server", x509.ExtKeyUsageServerAuth)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(certPEM)
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("a server certificate does not verify: %v", err)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
			t.Error("a server-only certificate verifies as a client certificate")
		}
	}
}

// TestFunctionCertsHandshake serves mutual TLS from the files NewFunction
// writes, as the SDK does from --tls-certs-dir, and connects with its client
// configuration.
func TestFunctionCertsHandshake(t *testing.T) {
	f, err := NewFunction(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(f.Dir, "tls.crt"), filepath.Join(f.Dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(f.Dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	clients := x509.NewCertPool()
	clients.AppendCertsFromPEM(caPEM)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: clients, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() //nolint:errcheck // Test listener.
	handshakes := make(chan error)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			err = c.(*tls.Conn).Handshake()
			_ = c.Close()
			handshakes <- err
		}
	}()

	c, err := tls.Dial("tcp", l.Addr().String(), f.Client)
	if err != nil {
		t.Fatalf("the client cannot connect: %v", err)
	}
	if err := <-handshakes; err != nil {
		t.Errorf("the server refused the client: %v", err)
	}
	_ = c.Close()

	anonymous := &tls.Config{RootCAs: f.Client.RootCAs, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if c, err := tls.Dial("tcp", l.Addr().String(), anonymous); err == nil {
		_ = c.Close()
	}
	if err := <-handshakes; err == nil {
		t.Error("the server accepted a client without a certificate")
	}
}
