#!/bin/sh
# Installs Chromium (the Debian package) for the console's browser test,
# unless it is already there. `make test` runs it before the tests; on a
# system without apt-get it says what to install and fails.
set -eu

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-chromium: no Chromium and no apt-get; install Chromium (or Chrome) and put it on PATH" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "ensure-chromium: installing Chromium needs root: run 'apt-get install chromium' as root" >&2
		exit 1
	fi
	SUDO="sudo"
fi
echo "ensure-chromium: installing Chromium with apt-get (once; a minute or two)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null 2>&1
