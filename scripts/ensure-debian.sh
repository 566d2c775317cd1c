#!/bin/sh
# Installs a Debian package the tests need unless what it provides is
# already there: `ensure-debian.sh PACKAGE PATH...` installs PACKAGE when
# none of the PATHs exists (a command name is looked up on PATH). `make
# test` runs it for Chromium (the console's browser test), `make
# test-cluster` for PostgreSQL. On a system without apt-get it says what to
# install and fails.
set -eu

pkg=$1
shift
for want in "$@"; do
	if [ -e "$want" ] || command -v "$want" >/dev/null 2>&1; then
		exit 0
	fi
done
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-debian: no $pkg and no apt-get; install $pkg" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "ensure-debian: installing $pkg needs root: run 'apt-get install $pkg' as root" >&2
		exit 1
	fi
	SUDO="sudo"
fi
echo "ensure-debian: installing $pkg with apt-get (once; a minute or two)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "$pkg" >/dev/null
