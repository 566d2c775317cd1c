#!/bin/sh
# Makes the certificates docker-compose.yml needs for mutual TLS to the
# Temporal frontend: a CA, the server's certificate (for the frontend and
# the server's own internal clients) and one client certificate for
# switchboard's services, the namespace job, the Web UI and an operator's
# CLI. Run it once before `docker compose up`; run it again to replace them
# all (restart the stack then). Needs openssl.
#
#   deploy/certs/server/  ca.pem server.pem server.key   (mounted into temporal)
#   deploy/certs/client/  ca.pem client.pem client.key   (mounted into its clients)
#
# These are for one host: the keys are unencrypted and readable by every
# user (the containers run as different users), and the CA's key is thrown
# away, so a new client means running this again. A deployment makes its
# certificates with its own CA and hands each service its key as a secret
# (docs/security.md).
set -eu

dir=${1:-deploy/certs}
# The name the server's certificate carries and clients ask for: the
# compose service's host name, and loopback for the published port.
server_name=temporal
days=825

mkdir -p "$dir/server" "$dir/client"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
	-subj "/CN=switchboard compose CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null

# issue NAME SUBJECT_ALT_NAMES: a key and a certificate the CA signs, good
# for both ends of TLS (the server's internal clients present its own).
issue() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$work/$1.key" -out "$work/$1.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$2" >"$work/$1.ext"
	openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
		-days "$days" -extfile "$work/$1.ext" -out "$work/$1.pem" 2>/dev/null
}
issue server "DNS:$server_name,DNS:localhost,IP:127.0.0.1"
issue client "DNS:switchboard"

cp "$work/ca.pem" "$work/server.pem" "$work/server.key" "$dir/server/"
cp "$work/ca.pem" "$work/client.pem" "$work/client.key" "$dir/client/"
chmod 0644 "$dir"/server/* "$dir"/client/*
echo "certificates for Temporal's mutual TLS are in $dir (server name $server_name)"
