#!/usr/bin/env bash
# Installs what Palisade needs on Debian 12 and is missing. Safe to run again:
# it installs nothing that is already there. Run as root (or with sudo).
#
#   libopencv-dev, pkg-config     camera analytics (gocv, OpenCV 4.6)
#   libavcodec-dev, libswscale-dev H.264 decoding through cgo
#   ffmpeg                        an independent RTSP peer for the camera tests
#   gcc, git, ca-certificates     cgo, go modules
set -euo pipefail

packages=(gcc git ca-certificates pkg-config libopencv-dev libavcodec-dev libswscale-dev ffmpeg)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "==> Debian packages: all present"
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "Go is not installed: install Go 1.26 (https://go.dev/dl) and run this again" >&2
    exit 1
  fi
fi
echo "==> $(go version)"
echo "==> fetching Go modules"
go mod download
