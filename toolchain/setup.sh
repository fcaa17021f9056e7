#!/usr/bin/env bash
# mcuforge set-up for Debian 12 / Ubuntu 24.04 (x86-64 or arm64): installs what is missing.
#   1. system packages: LLVM 19 (clang, lld), QEMU (Arm, RISC-V), gcc, the GNU Arm and RISC-V
#      cross compilers (for their libgcc), picolibc (for its math library) and espeak-ng (spoken
#      keywords for the on-device learning demo);
#   2. the Python environment .venv: torch (CPU build, installed first and pinned), then
#      mcuforge in editable mode with its pinned dependencies.
# A second run finds everything in place and returns in well under a second.
# Works as root, with sudo, or as a user who can sudo; prints what it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(clang-19 lld-19 llvm-19 qemu-system-arm qemu-system-misc gcc make
              gcc-arm-none-eabi gcc-riscv64-unknown-elf
              picolibc-arm-none-eabi picolibc-riscv64-unknown-elf
              espeak-ng)
TORCH_VERSION=2.13.0
VENV=.venv
PYTHON=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- who runs what: root installs packages; the invoking user owns .venv -----------------------
if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=()
    if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then AS_USER=(sudo -u "$SUDO_USER" -H); else AS_USER=(); fi
elif command -v sudo >/dev/null 2>&1; then
    AS_ROOT=(sudo); AS_USER=()
else
    AS_ROOT=(); AS_USER=(); NO_ROOT=1
fi

# --- 1. system packages ------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi

if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them by hand (Debian 12 / Ubuntu 24.04 names)"
    [ -z "${NO_ROOT:-}" ] || die "missing ${missing[*]}: run 'sudo make setup' (installing system packages needs root)"
    say "installing system packages: ${missing[*]}"
    "${AS_ROOT[@]}" apt-get update -qq || die "apt-get update failed (no network or no package sources?)"
    unavailable=()
    for pkg in "${missing[@]}"; do
        candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
        if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then unavailable+=("$pkg"); fi
    done
    [ ${#unavailable[@]} -eq 0 ] || die "no package ${unavailable[*]} in this system's package sources; mcuforge needs Debian 12 (bookworm) or Ubuntu 24.04 or newer, where they exist"
    "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed (see the messages above)"
fi

# --- 2. Python environment ---------------------------------------------------------------------
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$("$PYTHON" --version 2>&1) is too old: mcuforge needs Python 3.11 or newer (set PYTHON=...)"
stamp="$VENV/.mcuforge-installed"
want=$(cat pyproject.toml toolchain/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/mcuforge" ]; then
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "${AS_USER[@]}" "$PYTHON" -m venv "$VENV" || die "could not create $VENV with $PYTHON -m venv"
fi
pip=("${AS_USER[@]}" "$VENV/bin/python" -m pip --disable-pip-version-check)
# torch first and exactly pinned: a later dependency must never pull a CUDA build.
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('torch').split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    say "installing torch==$TORCH_VERSION (CPU build)"
    "${pip[@]}" install -q "torch==$TORCH_VERSION" || die "pip could not install torch==$TORCH_VERSION"
fi
say "installing mcuforge and its Python dependencies into $VENV"
"${pip[@]}" install -q -e '.[dev]' || die "pip could not install mcuforge's dependencies (see above)"
echo "$want" | "${AS_USER[@]}" tee "$stamp" >/dev/null
say "done; check the tools with: $VENV/bin/mcuforge doctor"
