// Package testpki issues throw-away certificates for the tests and tools that
// talk TLS on 127.0.0.1: a CA, and the server and client certificates it
// signs. Nothing it issues is meant to outlive a test run.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// validity is how long what testpki issues is valid, from an hour ago.
const validity = 24 * time.Hour

// A CA signs certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA returns a new self-signed CA.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// ParseCA reads a CA from PEM, such as the root CA Crossplane keeps in a
// Secret.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("the CA's private key cannot sign")
	}
	return &CA{Cert: cert, Key: key}, nil
}

// PEM is the CA's certificate.
func (ca *CA) PEM() []byte { return encode("CERTIFICATE", ca.Cert.Raw) }

// Pool is a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue returns a certificate for 127.0.0.1 and localhost with the given
// uses, and its key, both PEM-encoded.
func (ca *CA) Issue(name string, uses ...x509.ExtKeyUsage) (certPEM, keyPEM []byte, err error) {
	return ca.IssueFor(name, []string{"localhost"}, uses...)
}

// IssueFor is Issue for 127.0.0.1 and the given host names, for a server
// that stands in for a public one (git-codecommit.<region>.amazonaws.com).
func (ca *CA) IssueFor(name string, hosts []string, uses ...x509.ExtKeyUsage) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: uses,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: hosts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encode("CERTIFICATE", der), encode("EC PRIVATE KEY", kb), nil
}

// IssuePair is Issue as a tls.Certificate.
func (ca *CA) IssuePair(name string, uses ...x509.ExtKeyUsage) (tls.Certificate, error) {
	c, k, err := ca.Issue(name, uses...)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(c, k)
}

// Function is what a composition function served with mutual TLS needs, and
// what its caller needs to call it.
type Function struct {
	// Dir holds tls.crt, tls.key and ca.crt, as a function's
	// --tls-certs-dir expects.
	Dir string
	// Client is the caller's TLS configuration: a client certificate the
	// function accepts and the CA that signed the function's certificate.
	Client *tls.Config
}

// NewFunction writes a new CA and a server certificate for a function into
// dir and issues a client certificate for its caller.
func NewFunction(dir string) (Function, error) {
	ca, err := NewCA("function-ca")
	if err != nil {
		return Function{}, err
	}
	srvCert, srvKey, err := ca.Issue("function", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return Function{}, err
	}
	client, err := ca.IssuePair("crossplane", x509.ExtKeyUsageClientAuth)
	if err != nil {
		return Function{}, err
	}
	if err := WriteFiles(dir, map[string][]byte{"tls.crt": srvCert, "tls.key": srvKey, "ca.crt": ca.PEM()}); err != nil {
		return Function{}, err
	}
	return Function{Dir: dir, Client: &tls.Config{
		Certificates: []tls.Certificate{client},
		RootCAs:      ca.Pool(),
		ServerName:   "127.0.0.1",
		MinVersion:   tls.VersionTLS12,
	}}, nil
}

// WriteFiles writes each file into dir, readable only by its owner.
func WriteFiles(dir string, files map[string][]byte) error {
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func encode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux.
	}
	return n
}
