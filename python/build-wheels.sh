#!/bin/sh
# Builds the manylinux_2_28 wheels for x86_64 and aarch64 into target/wheels/ (the binary in
# each is cross-compiled with zig, so any Linux x86_64 host with Rust will do).
# Usage: python/build-wheels.sh   (needs: pip install 'maturin[zig]', and
#        rustup target add x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)
set -eu
cd "$(dirname "$0")"
for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
  env -u CARGO_BUILD_TARGET -u RUSTFLAGS maturin build --release --target "$target" \
    --compatibility manylinux_2_28 --zig --out ../target/wheels
done
