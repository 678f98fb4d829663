#!/usr/bin/env bash
# Installs Azurite's blob emulator (npm package azurite), which the Azure
# tests of drivertest start on 127.0.0.1. Idempotent: does nothing when
# azurite-blob is already on PATH; installs Node.js and npm with apt-get
# first if they are missing.
set -euo pipefail

AZURITE_VERSION="${AZURITE_VERSION:-3.35.0}"

if command -v azurite-blob >/dev/null 2>&1; then
  echo "azurite: $(command -v azurite-blob) ($(azurite-blob --version 2>/dev/null || echo unknown version))"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "azurite: installing nodejs and npm with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi

echo "azurite: npm install -g azurite@${AZURITE_VERSION} (node $(node --version))"
$sudo npm install -g --no-fund --no-audit "azurite@${AZURITE_VERSION}" >/dev/null

if ! command -v azurite-blob >/dev/null 2>&1; then
  echo "azurite: azurite-blob is not on PATH after install (npm prefix: $(npm prefix -g))" >&2
  exit 1
fi
echo "azurite: $(command -v azurite-blob) ($(azurite-blob --version))"
