#!/usr/bin/env bash
# Installs the Debian packages parlab builds and tests with, and only those that are missing.
# Idempotent: a machine that has everything hears so and nothing is installed.
set -euo pipefail

packages=(
  make g++ cmake pkg-config git ca-certificates
  libtbb-dev libbenchmark-dev libgtest-dev libgmock-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libhwloc-dev
  gnuplot-nox python3 clang-format libasio-dev libopenmpi-dev openmpi-bin
  procps  # ps, pgrep, pkill: the tests look for processes left behind (minbase lacks it)
  munge slurmctld slurmd slurm-client
  clang libomp-dev libclang-rt-dev  # make tsan, make fuzz: TSan, libFuzzer, libomp, Archer
)
# Optional extras named on the command line (for example: install-deps.sh clang-format libopenmpi-dev).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present, nothing to install."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing packages: ${missing[*]}; apt-get is not available here, install them by hand." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: missing packages: ${missing[*]}; not root and no sudo, install them as root." >&2
    exit 1
  fi
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get update -qq; then
  echo "install-deps: 'apt-get update' failed; check the network or the apt sources." >&2
  exit 1
fi
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "install-deps: 'apt-get install ${missing[*]}' failed." >&2
  exit 1
fi
echo "install-deps: done."
