#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# package_test.sh BUILD_DIR: builds the Debian package with CPack, installs
# it with dpkg -i, checks what a user would (aio-audit --version on PATH, its
# man pages, its completion, the BPF uprobe on the installed binary), and
# purges it, leaving the system as it was. Needs root; skips when an
# aio-audit package is already installed (it is not this test's to replace).
set -euo pipefail
build=$1
skip() { echo "[  SKIPPED ] $*"; exit 0; }
((EUID == 0)) || skip "needs root (dpkg -i)"
for tool in cpack dpkg-shlibdeps man jq; do
	command -v "$tool" >/dev/null || skip "$tool is missing (scripts/install-deps.sh build test)"
done
if [[ $(dpkg-query -W -f='${Status}' aio-audit 2>/dev/null || true) == "install ok installed" ]]; then
	skip "an aio-audit package is already installed here"
fi
[[ ! -e /usr/bin/aio-audit ]] || skip "/usr/bin/aio-audit exists and is not from a package"

work=$(mktemp -d /var/tmp/aio-audit-package.XXXXXX)
installed=0
cleanup() {
	if ((installed)); then dpkg --purge aio-audit >/dev/null; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(echo "$work"/aio-audit_*.deb)
[[ -f $deb ]] || fail "no .deb in $work"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# dpkg-shlibdeps found the libraries the binary links, with versions.
for lib in libbpf1 libaio1 liburing2 libelf1 libc6 libstdc++6; do
	[[ $depends == *"$lib ("* || $depends == *"$lib,"* || $depends == *"$lib" ]] || fail "Depends lacks $lib"
done
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/aio-audit ./usr/share/man/man8/aio-audit.8 ./usr/share/man/man8/aio-audit-trace.8 \
	./usr/share/bash-completion/completions/aio-audit ./usr/share/zsh/vendor-completions/_aio-audit \
	./usr/share/doc/aio-audit/usage.md; do
	grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done

dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
installed=1
version=$(env -i PATH=/usr/bin:/bin aio-audit --version)
echo "$version"
[[ $version == "aio-audit "*"(commit "* ]] || fail "--version: $version"
grep -q '^libbpf ' <<<"$version" || fail "--version names no libbpf"
grep -q "^kernel $(uname -r) " <<<"$version" || fail "--version names no kernel"
[[ $(aio-audit probe --version) == "$version" ]] || fail "probe --version differs"
[[ $(man -w aio-audit) == /usr/share/man/man8/aio-audit.8* ]] || fail "man -w aio-audit: $(man -w aio-audit)"
[[ $(man -w aio-audit-probe) == /usr/share/man/man8/aio-audit-probe.8* ]] || fail "man -w aio-audit-probe"
page=$(MANWIDTH=80 man aio-audit 2>/dev/null)
grep -q "EXIT STATUS" <<<"$page" || fail "man aio-audit does not render"
# The installed (stripped) binary still finds its own uprobe target.
doctor=$(aio-audit doctor --json --no-mount) || [[ $? == 3 ]] || fail "doctor on the installed binary"
jq -e '.capabilities[] | select(.id == "bpf.uprobe") | .status == "yes"' <<<"$doctor" >/dev/null ||
	fail "the installed binary cannot put a uprobe on itself"

dpkg --purge aio-audit >/dev/null
installed=0
[[ ! -e /usr/bin/aio-audit && ! -e /usr/share/man/man8/aio-audit.8 ]] || fail "files left after purge"
echo "package test: ok"
