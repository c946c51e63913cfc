#!/usr/bin/env bash
# Builds SQLCipher 4.14 (SQLite 3.51.3) as libsqlcipher.so from the community amalgamation that the npm package
# @journeyapps/sqlcipher ships (BSD-3-Clause). Called by AICO.Storage's build; usage: build-sqlcipher.sh <output dir>.
# The result is cached in <output dir> (git-ignored) and rebuilt only when this script changes.
# Beyond the FACTS.md recipe: database, -wal and -shm files are created mode 0600 (SQLITE_DEFAULT_FILE_PERMISSIONS).
# Needs gcc, npm and libssl-dev. Several builds may run at once: one builds, the others wait for it (flock).
set -euo pipefail

out_dir=${1:?usage: build-sqlcipher.sh <output dir>}
package="@journeyapps/sqlcipher@6.0.0"
library="$out_dir/libsqlcipher.so"
stamp="$out_dir/libsqlcipher.stamp"
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)

is_current() { [ -f "$library" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; }

if is_current; then
  exit 0
fi

mkdir -p "$out_dir"
exec 9>"$out_dir/.build.lock"
flock 9
if is_current; then
  exit 0 # another build finished it while this one waited
fi

for tool in gcc npm tar; do
  command -v "$tool" >/dev/null || { echo "build-sqlcipher: '$tool' is required (apt-get install gcc npm libssl-dev)" >&2; exit 1; }
done
[ -f /usr/include/openssl/evp.h ] || { echo "build-sqlcipher: OpenSSL headers are required (apt-get install libssl-dev)" >&2; exit 1; }

work=$(mktemp -d "$out_dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "build-sqlcipher: fetching $package"
(cd "$work" && npm pack "$package" --silent --pack-destination "$work" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/deps/sqlcipher-amalgamation
src="$work/package/deps/sqlcipher-amalgamation"

# A static libcrypto hidden behind --exclude-libs gives a library that needs only libc and libm at run time
# and cannot clash with another OpenSSL loaded into the same process.
crypto=(-lcrypto)
static_crypto=$(gcc -print-file-name=libcrypto.a)
if [ -f "$static_crypto" ]; then
  crypto=(-Wl,--exclude-libs,ALL "$static_crypto")
fi

echo "build-sqlcipher: compiling SQLCipher 4.14 on SQLite $(cat "$src/VERSION.txt" 2>/dev/null || echo "?") (about a minute)"
gcc -O2 -fPIC -shared -D_GNU_SOURCE -include stdint.h -o "$work/libsqlcipher.so" "$src/sqlite3.c" \
  -DSQLITE_HAS_CODEC -DSQLCIPHER_CRYPTO_OPENSSL \
  -DSQLITE_EXTRA_INIT=sqlcipher_extra_init -DSQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown \
  -DSQLITE_TEMP_STORE=2 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_COLUMN_METADATA \
  -DSQLITE_ENABLE_MATH_FUNCTIONS -DNDEBUG -DSQLITE_DEFAULT_FILE_PERMISSIONS=0600 \
  "${crypto[@]}" -lm -lpthread

# Rename last, so a reader never sees a half-written library.
mv -f "$work/libsqlcipher.so" "$library"
echo "$recipe" > "$stamp"
echo "build-sqlcipher: built $library"
