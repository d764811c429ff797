#!/bin/sh
# Install the Debian packages a make target needs, only those missing.
#   scripts/system-deps.sh run|test
set -eu
# WeasyPrint (documents): Pango, and HarfBuzz's subsetter (without it a Chinese page takes
# seconds: docs/stack-notes.md); Noto CJK, the fonts every document embeds; HanaMin (花园明朝),
# the fallback for rare characters (生僻字) of the CJK extensions Noto does not cover.
need="python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono"
case "${1:-run}" in
  # browser tests; pdftoppm for document pictures; wrk for the load bench (bench/load.py)
  # npm (with Node.js) for axe-core, unless a Node.js with npm is there already
  test) need="$need chromium poppler-utils wrk"
        command -v npm >/dev/null 2>&1 || need="$need npm" ;;
esac
missing=""
for pkg in $need; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
# python3/venv may come from elsewhere (pyenv …): accept a working `python3 -m venv`.
if python3 -m venv --help >/dev/null 2>&1; then
  missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e python3 -e python3-venv -e python3-pip | tr '\n' ' ')
fi
missing=$(echo "$missing" | xargs)
[ -z "$missing" ] && exit 0
echo "installing Debian packages: $missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
