#!/usr/bin/env bash
# Fetches the published Noise test vectors of flynn/noise (BSD-3-Clause) at test time, from the Debian package
# golang-github-flynn-noise-dev, so that no vector file is committed. usage: fetch-noise-vectors.sh <output dir>
# Prints the path of the vectors file. The file is pinned by SHA-256: a different file fails instead of being used.
# Needs apt-get and dpkg-deb (Debian); runs 'apt-get update' once when the package lists do not know the package.
set -euo pipefail

out_dir=${1:?usage: fetch-noise-vectors.sh <output dir>}
package="golang-github-flynn-noise-dev=1.0.0-2"
inside="usr/share/gocode/src/github.com/flynn/noise/vectors.txt"
sha256="0b8a1305176c95952802b114baa4aa2a3d6e7c33fdf2035b60b8c92058a50d9c"
vectors="$out_dir/flynn-noise-vectors.txt"

is_current() { [ -f "$vectors" ] && echo "$sha256  $vectors" | sha256sum -c --status; }

if is_current; then
  echo "$vectors"
  exit 0
fi

mkdir -p "$out_dir"
exec 9>"$out_dir/.fetch.lock"
flock 9
if is_current; then
  echo "$vectors"
  exit 0
fi

work=$(mktemp -d "$out_dir/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download "$package" >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "fetch-noise-vectors: 'apt-get download $package' failed; run 'apt-get update' as root" >&2; exit 1; }
  apt-get update -q >/dev/null
  apt-get download "$package" >/dev/null 2>"$work/apt.err" || { cat "$work/apt.err" >&2; exit 1; }
fi

dpkg-deb -x ./*.deb "$work/x"
if ! echo "$sha256  $work/x/$inside" | sha256sum -c --status; then
  echo "fetch-noise-vectors: $inside in $package does not have the pinned SHA-256 $sha256" >&2
  exit 1
fi

mv -f "$work/x/$inside" "$vectors"
echo "$vectors"
