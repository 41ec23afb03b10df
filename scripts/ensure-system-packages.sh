#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Chromium for the browser test,
# the Pango libraries WeasyPrint renders the minutes PDF with, and gettext (msgfmt).
# Installed from Debian's packages when missing (PostgreSQL and Redis are handled by
# with-services.sh).
set -euo pipefail
missing=()
# Read the lists into variables first: `grep -q` closing a pipe early would make
# pipefail report the package as missing.
libraries=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list 2>/dev/null || true)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[[ $libraries == *libpango-1.0.so* ]] || missing+=(libpango-1.0-0)
[[ $libraries == *libpangoft2-1.0.so* ]] || missing+=(libpangoft2-1.0-0)
[[ ${fonts,,} == *dejavu* ]] || missing+=(fonts-dejavu-core)
# msgfmt: the image build test runs the Dockerfile's compilemessages step.
command -v msgfmt >/dev/null || missing+=(gettext)
if ((${#missing[@]} == 0)); then
    exit 0
fi
echo "[system] installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[system] need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo -n)
fi
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
