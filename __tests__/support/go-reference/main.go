// The reference for __tests__/identity/differential.test.ts: what avalanchego concludes about a
// staker.crt / staker.key pair, computed with Go's own standard library as the node does
// (staking/tls.go: tls.LoadX509KeyPair, i.e. encoding/pem + crypto/x509 + tls.X509KeyPair's key
// and pair rules; then staking/parse.go's key rules, written out below).
//
// Debian ships Go 1.19; avalanchego builds with Go 1.25. Where the two differ on these inputs the
// Go 1.25 rule is applied here by hand, each marked "Go 1.25:" (and the test documents the PEM
// difference it settles itself). Input: JSON lines {"id","crt","key"} (base64 of the files);
// output: one JSON line per case, in order.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
)

type request struct {
	ID  string `json:"id"`
	Crt []byte `json:"crt"`
	Key []byte `json:"key"`
	// The action takes a DER staker.crt and writes it as PEM: the node reads that PEM.
	CrtIsDer bool `json:"crtIsDer"`
}

type verdict struct {
	ID string `json:"id"`
	// Empty when accepted, else the reason.
	Cert string `json:"cert"`
	Key  string `json:"key"`
	Pair string `json:"pair"`
	// sha256 of the certificate avalanchego takes its NodeID from (hex), when Cert is accepted.
	CertSha256 string `json:"certSha256,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		if err := out.Encode(judge(r)); err != nil {
			panic(err)
		}
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func judge(r request) verdict {
	v := verdict{ID: r.ID}
	if r.CrtIsDer {
		r.Crt = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Crt})
	}
	cert, der, err := certificate(r.Crt)
	v.Cert = reason(err)
	if err == nil {
		sum := sha256.Sum256(der)
		v.CertSha256 = hex.EncodeToString(sum[:])
	}
	key, err := privateKey(r.Key)
	v.Key = reason(err)
	switch {
	case v.Cert != "" || v.Key != "":
		v.Pair = "needs both"
	default:
		v.Pair = reason(pair(cert, key))
	}
	return v
}

// certificate: tls.X509KeyPair's certificate half (every CERTIFICATE block collected, the first
// parsed by x509.ParseCertificate), then staking/parse.go's rules.
func certificate(data []byte) (*x509.Certificate, []byte, error) {
	var certs [][]byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			certs = append(certs, block.Bytes)
		}
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("no CERTIFICATE block")
	}
	der := certs[0]
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	// Go 1.25: x509 refuses negative serial numbers (since Go 1.23, GODEBUG x509negativeserial).
	if cert.SerialNumber.Sign() < 0 {
		return nil, nil, errors.New("negative serial number")
	}
	if err := stakingRules(der, cert); err != nil {
		return nil, nil, err
	}
	return cert, der, nil
}

// stakingRules: avalanchego's staking/parse.go, on what x509 already parsed: at most 2 KiB; RSA
// of 2048 or 4096 bits, odd, e = 65537; ECDSA only as an uncompressed P-256 point.
func stakingRules(der []byte, cert *x509.Certificate) error {
	if len(der) > 2048 {
		return errors.New("certificate over 2048 bytes")
	}
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n != 2048 && n != 4096 {
			return errors.New("RSA modulus size")
		}
		if pub.N.Bit(0) == 0 {
			return errors.New("even RSA modulus")
		}
		if pub.E != 65537 {
			return errors.New("RSA exponent")
		}
		return nil
	case *ecdsa.PublicKey:
		// parse.go unmarshals the point as P-256 whatever the curve named: a point of another
		// curve has another length and fails there.
		if pub.Curve != elliptic.P256() {
			return errors.New("not P-256")
		}
		return nil
	default:
		return errors.New("unknown public key algorithm")
	}
}

// privateKey: tls.X509KeyPair's key half: the first block whose type is PRIVATE KEY or ends in
// " PRIVATE KEY", then tls's parsePrivateKey (PKCS#1, PKCS#8, SEC1 in that order).
func privateKey(data []byte) (any, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PRIVATE KEY block")
		}
		if block.Type == "PRIVATE KEY" || strings.HasSuffix(block.Type, " PRIVATE KEY") {
			return parsePrivateKey(block.Bytes)
		}
	}
}

func parsePrivateKey(der []byte) (any, error) {
	key, err := parsePrivateKey119(der)
	// Go 1.25: x509 reads an EC scalar with ecdsa.ParseRawPrivateKey, which refuses zero;
	// Go 1.19 took it and derived the point at infinity.
	if ec, ok := key.(*ecdsa.PrivateKey); ok && ec.D.Sign() == 0 {
		return nil, errors.New("zero EC private key")
	}
	return key, err
}

func parsePrivateKey119(der []byte) (any, error) {
	if key, err := parsePKCS1(der); err == nil {
		return key, nil
	}
	if key, err := parsePKCS8(der); err == nil {
		switch key.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return key, nil
		default:
			return nil, errors.New("unknown private key type in PKCS#8")
		}
	}
	if key, err := x509.ParseECPrivateKey(der); err == nil {
		return key, nil
	}
	return nil, errors.New("failed to parse private key")
}

type pkcs1Key struct {
	Version          int
	N                *big.Int
	E                int
	D, P, Q          *big.Int
	Dp, Dq, Qinv     *big.Int        `asn1:"optional"`
	AdditionalPrimes []asn1.RawValue `asn1:"optional,omitempty"`
}

type pkcs8Key struct {
	Version int
	Algo    struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	PrivateKey []byte
}

var oidRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// parsePKCS8: x509.ParsePKCS8PrivateKey, except that an RSA key inside goes through parsePKCS1
// (Go 1.25's RSA checks) instead of Go 1.19's.
func parsePKCS8(der []byte) (any, error) {
	var k pkcs8Key
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return nil, err
	}
	if k.Algo.Algorithm.Equal(oidRSA) {
		return parsePKCS1(k.PrivateKey)
	}
	return x509.ParsePKCS8PrivateKey(der)
}

// parsePKCS1: x509.ParsePKCS1PrivateKey's structure, with Go 1.25's key checks.
// Go 1.25: since Go 1.24 the CRT values stored in the key are used and must be right, and d is
// no longer checked against e (crypto/internal/fips140/rsa checkPrivateKey); Go 1.19 recomputed
// the CRT values and checked d instead. The checks below are Go 1.25's.
func parsePKCS1(der []byte) (*rsa.PrivateKey, error) {
	var k pkcs1Key
	rest, err := asn1.Unmarshal(der, &k)
	if len(rest) > 0 {
		return nil, errors.New("trailing data")
	}
	if err != nil {
		return nil, err
	}
	if k.Version > 1 {
		return nil, errors.New("unsupported version")
	}
	for _, x := range []*big.Int{k.N, k.D, k.P, k.Q} {
		if x.Sign() <= 0 {
			return nil, errors.New("zero or negative value")
		}
	}
	for _, x := range []*big.Int{k.Dp, k.Dq, k.Qinv} {
		if x != nil && x.Sign() <= 0 {
			return nil, errors.New("zero or negative value")
		}
	}
	if len(k.AdditionalPrimes) > 0 {
		return nil, errors.New("multi-prime keys are not in this corpus")
	}
	if err := check125(&k); err != nil {
		return nil, err
	}
	return &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: k.N, E: k.E}, D: k.D, Primes: []*big.Int{k.P, k.Q}}, nil
}

func check125(k *pkcs1Key) error {
	one := big.NewInt(1)
	e := big.NewInt(int64(k.E))
	n, d, p, q := k.N, k.D, k.P, k.Q
	if n.Bit(0) == 0 {
		return errors.New("even modulus")
	}
	if k.E < 2 || k.E&1 == 0 || k.E > 1<<31-1 {
		return errors.New("public exponent")
	}
	if p.Cmp(one) <= 0 || q.Cmp(one) <= 0 || p.Cmp(n) >= 0 || q.Cmp(n) >= 0 || d.Cmp(n) >= 0 {
		return errors.New("invalid prime")
	}
	pm1 := new(big.Int).Sub(p, one)
	qm1 := new(big.Int).Sub(q, one)
	dp, dq, qinv := k.Dp, k.Dq, k.Qinv
	if dp == nil {
		dp = new(big.Int).Mod(d, pm1)
	}
	if dq == nil {
		dq = new(big.Int).Mod(d, qm1)
	}
	if qinv == nil {
		qinv = new(big.Int).ModInverse(q, p)
		if qinv == nil {
			return errors.New("no inverse")
		}
	}
	if new(big.Int).Mod(new(big.Int).Mul(p, q), n).Sign() != 0 {
		return errors.New("p * q != n")
	}
	for _, c := range [][2]*big.Int{{dp, pm1}, {dq, qm1}} {
		if c[0].Cmp(c[1]) >= 0 {
			return errors.New("invalid CRT exponent")
		}
		if new(big.Int).Mod(new(big.Int).Mul(c[0], e), c[1]).Cmp(new(big.Int).Mod(one, c[1])) != 0 {
			return errors.New("invalid CRT exponent")
		}
	}
	if qinv.Cmp(p) >= 0 || new(big.Int).Mod(new(big.Int).Mul(qinv, q), p).Cmp(one) != 0 {
		return errors.New("invalid CRT coefficient")
	}
	diff := new(big.Int).Abs(new(big.Int).Sub(p, q))
	if diff.Sign() == 0 || diff.BitLen() <= n.BitLen()/2-100 {
		return errors.New("|p - q| too small")
	}
	if d.BitLen() <= n.BitLen()/2 {
		return errors.New("d too small")
	}
	return nil
}

// pair: tls.X509KeyPair's match: the same RSA modulus, or the same ECDSA point.
func pair(cert *x509.Certificate, key any) error {
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		priv, ok := key.(*rsa.PrivateKey)
		if !ok {
			return errors.New("private key type does not match public key type")
		}
		if pub.N.Cmp(priv.N) != 0 {
			return errors.New("private key does not match public key")
		}
	case *ecdsa.PublicKey:
		priv, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return errors.New("private key type does not match public key type")
		}
		if pub.X.Cmp(priv.X) != 0 || pub.Y.Cmp(priv.Y) != 0 {
			return errors.New("private key does not match public key")
		}
	default:
		return errors.New("unknown public key algorithm")
	}
	return nil
}
