#!/bin/sh
# fpm's command line for electron-builder's deb target, built with dpkg-deb (see fpm-dpkg.ts).
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../node_modules/.bin/tsx" "$here/fpm-dpkg.ts" "$@"
