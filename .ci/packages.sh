#!/usr/bin/env bash
# Installs the Debian packages the tests use beyond Go: libturbojpeg0-dev
# for the optional libjpeg-turbo codec (go test -tags turbojpeg); the
# reference encoders and decoders of the formats, which the tests run to
# make fixtures and to check pixels against (libheif-examples: heif-enc,
# heif-convert; libavif-bin: avifenc, avifdec; webp: cwebp, dwebp;
# libjpeg-turbo-progs: jpegtran, djpeg); headless Chromium and its
# WebDriver for the browser test of serve (chromium, chromium-driver); the
# system libraries the native engines load (libheif-dev for libheif.so);
# the peers of the benchmark harness (bench/): python3-pil for Pillow,
# libvips-tools and libvips-dev for libvips (its CLI and, built by the
# harness, a small C program against the library); rabbitmq-server for the
# delivery tests on a real RabbitMQ (started as a plain process on a private
# port by internal/rabbittest, never as a service). Idempotent: installs
# only what dpkg does not already list as installed.
set -euo pipefail

want=(libturbojpeg0-dev python3-pil libvips-tools libvips-dev pkg-config
  libheif-examples libavif-bin webp libheif-dev libjpeg-turbo-progs
  chromium chromium-driver rabbitmq-server)
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "packages: all installed (${want[*]})"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "packages: apt-get install ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
