// Package devcerts makes throwaway certificates, ECDSA P-256: a CA and the
// certificates it signs, for a Temporal cluster and its clients on one
// machine and for tests, and a listener that admits only a CA's clients
// to try them against. The keys are written unencrypted beside the
// certificates, so they are for a cluster made and thrown away with its
// folder, never for a deployment (docs/security.md says what one needs).
package devcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// validity is long enough for any run of a cluster; they are made anew at
// each start.
const validity = 30 * 24 * time.Hour

// CA is a certificate authority with its key in memory.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a self-signed CA named name.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl, err := template(name)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("make CA %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key}, nil
}

// WriteCert writes the CA's certificate, what peers trust, to path (PEM).
func (ca *CA) WriteCert(path string) error {
	return writePEM(path, "CERTIFICATE", ca.cert.Raw, 0o644)
}

// Issue writes a certificate signed by the CA, for name and the hosts (DNS
// names or IP addresses), as dir/name.pem, and its key as dir/name.key. It
// serves both ends of TLS: a server presents it for the hosts, a client to
// prove it holds a certificate of this CA.
func (ca *CA) Issue(dir, name string, hosts ...string) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl, err := template(name)
	if err != nil {
		return "", "", err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return "", "", fmt.Errorf("issue %s: %w", name, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return "", "", err
	}
	if err := writePEM(keyFile, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

func template(name string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour), // a little clock skew between processes
		NotAfter:     now.Add(validity),
	}, nil
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}

// Listen listens on loopback with TLS as a Temporal frontend with
// requireClientAuth does: it presents certFile and admits only clients with
// a certificate of the CA in clientCA.
func Listen(certFile, keyFile, clientCA string) (net.Listener, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(clientCA)
	if err != nil {
		return nil, err
	}
	clients := x509.NewCertPool()
	if !clients.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate", clientCA)
	}
	return tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clients, NextProtos: []string{"h2"}}) // gRPC asks for h2
}

// Handshake connects once with conf to a Listen listener and reports the
// refusal of either side.
func Handshake(certFile, keyFile, clientCA string, conf *tls.Config) error {
	l, err := Listen(certFile, keyFile, clientCA)
	if err != nil {
		return err
	}
	defer l.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err == nil {
			err = conn.(*tls.Conn).Handshake()
			conn.Close()
		}
		served <- err
	}()
	// With TLS 1.3 the client is done before the server has checked its
	// certificate: the server's verdict is the one that counts.
	conn, err := tls.Dial("tcp", l.Addr().String(), conf)
	if err == nil {
		conn.Close()
	}
	return errors.Join(err, <-served)
}
