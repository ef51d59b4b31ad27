#!/usr/bin/env bash
# fetch-and-build.sh: builds TA-Lib's C library (the reference for bench/indicators_bench.cpp) from the
# C sources shipped in the npm package `talib`, into a directory OUTSIDE the repository's sources.
# Nothing from TA-Lib is copied into the repo; the package is fetched with npm's own client.
#
#   bench/talib/fetch-and-build.sh OUT_DIR
#
# Result:  OUT_DIR/lib/libta_lib.a   (ta_common + ta_func, compiled with the system C compiler)
#          OUT_DIR/include/ta_*.h     (ta_func.h, ta_common.h, ta_defs.h, ...)
#          OUT_DIR/VERSION            (npm package version, TA-Lib version, compiler, flags)
# Environment (all optional):
#   TALIB_NPM_VERSION  npm package version (default: the pinned 2.0.5, TA-Lib 0.6.0-dev C sources)
#   TALIB_CACHE_DIR    where the npm tarball is kept (default: $XDG_CACHE_HOME/nifty-talib or
#                      ~/.cache/nifty-talib); a tarball already there is reused, no network needed
#   CC                 C compiler (default: cc)
#   TALIB_CFLAGS       optimisation flags (default: -O3, the same level as our CMake Release build;
#                      TA-Lib's own Linux makefile uses -O2)
#   JOBS               parallel compile jobs (default: 2)
# Exit status non-zero (with a message on stderr) if npm or the compiler fails: the CMake option
# NIFTY_BENCH_TALIB then skips the TA-Lib benchmark and everything else still builds.
set -euo pipefail

out_dir=${1:?usage: fetch-and-build.sh OUT_DIR}
version=${TALIB_NPM_VERSION:-2.0.5}
# sha1 of talib-2.0.5.tgz as published by the registry (npm view talib@2.0.5 dist.shasum).
pinned_sha1=a0baf6558f7ef23ea7d67933293dad13b542327e
cache_dir=${TALIB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nifty-talib}
cc=${CC:-cc}
cflags=${TALIB_CFLAGS:--O3}
jobs=${JOBS:-2}

mkdir -p "$out_dir" "$cache_dir"
out_dir=$(cd "$out_dir" && pwd)
stamp="npm talib@$version; $cc $("$cc" -dumpfullversion 2>/dev/null || echo '?'); flags: $cflags"
if [[ -f "$out_dir/lib/libta_lib.a" && -f "$out_dir/STAMP" && "$(cat "$out_dir/STAMP")" == "$stamp" ]]; then
  echo "fetch-and-build.sh: $out_dir/lib/libta_lib.a is up to date ($stamp)"
  exit 0
fi

tarball="$cache_dir/talib-$version.tgz"
if [[ ! -f "$tarball" ]]; then
  command -v npm >/dev/null || { echo "fetch-and-build.sh: npm not found" >&2; exit 2; }
  echo "fetch-and-build.sh: npm pack talib@$version -> $cache_dir"
  (cd "$cache_dir" && npm pack "talib@$version" --silent >/dev/null) ||
    { echo "fetch-and-build.sh: 'npm pack talib@$version' failed (registry unreachable?)" >&2; exit 3; }
fi
if [[ "$version" == 2.0.5 ]]; then
  got=$(sha1sum "$tarball" | cut -d' ' -f1)
  if [[ "$got" != "$pinned_sha1" ]]; then
    echo "fetch-and-build.sh: $tarball has sha1 $got, expected $pinned_sha1" >&2
    exit 4
  fi
fi

src_dir="$out_dir/src"
rm -rf "$src_dir" "$out_dir/obj" "$out_dir/lib" "$out_dir/include"
mkdir -p "$src_dir" "$out_dir/obj" "$out_dir/lib" "$out_dir/include"
tar xzf "$tarball" -C "$src_dir"

# Find the C library inside the package (package/src/lib in 2.0.x) by its public header.
func_h=$(find "$src_dir" -path '*/include/ta_func.h' | head -n 1)
[[ -n "$func_h" ]] || { echo "fetch-and-build.sh: no include/ta_func.h in the package" >&2; exit 5; }
lib_root=$(dirname "$(dirname "$func_h")")
[[ -d "$lib_root/src/ta_func" && -d "$lib_root/src/ta_common" ]] ||
  { echo "fetch-and-build.sh: no src/ta_func or src/ta_common under $lib_root" >&2; exit 5; }

# The same sources and defines as TA-Lib's own make/csr/linux/g++ build of ta_common + ta_func
# (ta_abstract and ta_libc are not needed for direct TA_xxx calls).
sources=("$lib_root"/src/ta_common/*.c "$lib_root"/src/ta_func/*.c)
echo "fetch-and-build.sh: compiling ${#sources[@]} files with $cc $cflags (jobs: $jobs)"
printf '%s\n' "${sources[@]}" |
  xargs -P "$jobs" -I{} sh -c '
    f="$1"; o="$2/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
    exec "$3" $4 -pipe -fPIC -w -fno-strict-aliasing -DTA_SINGLE_THREAD \
      -I"$5/src/ta_common" -I"$5/src/ta_func" -I"$5/include" -c "$f" -o "$o"' \
    _ {} "$out_dir" "$cc" "$cflags" "$lib_root"
ar rcs "$out_dir/lib/libta_lib.a" "$out_dir"/obj/*.o
cp "$lib_root"/include/ta_*.h "$out_dir/include/"

ta_version=$(sed -n 's/^#define \(MAJOR\|MINOR\|BUILD\|EXTRA\) "\(.*\)"/\2/p' "$lib_root/src/ta_common/ta_version.c" | paste -sd. -)
echo "npm talib@$version; TA-Lib C sources $ta_version; $("$cc" --version | head -n 1); flags: $cflags -fno-strict-aliasing -DTA_SINGLE_THREAD" >"$out_dir/VERSION"
echo "$stamp" >"$out_dir/STAMP"
echo "fetch-and-build.sh: built $out_dir/lib/libta_lib.a ($(cat "$out_dir/VERSION"))"
