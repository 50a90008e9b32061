# The release configuration (sourced, not run; by tools/build-release.sh and the test suite):
# a static-pie executable for this machine's own target. The triple is named explicitly so
# that RUSTFLAGS reach only the target's crates, not build scripts and proc-macros (which
# cannot be linked statically). Static-pie keeps address-space randomisation and full RELRO,
# and saves every start the loading of libgcc_s and libc (libgcc_s's constructor alone runs
# CPUID, which traps to the hypervisor in a virtual machine).
CARGO_BUILD_TARGET=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static"
