#!/usr/bin/env bash
# Build the Linux bundle of coopos (PyInstaller, one folder) and the archive sellers get:
#
#   installer/build-linux.sh                  # with .venv (made if missing)
#   PYTHON=/path/to/python installer/build-linux.sh   # with a Python that has coopos
#
# Output: dist/coopos-VERSION-linux-ARCH.tar.gz, holding coopos-VERSION/ with the program
# (coopos and _internal/), coopos.desktop, coopos.png, install.sh, uninstall.sh and
# INSTALL.md.  The bundle itself is left in build/bundle/coopos/.  The frozen program
# runs its self-test before the archive is made: a broken bundle is never packed.
#
# COOPOS_BUILD_DIR and COOPOS_DIST_DIR move build/ and dist/ (the bundle test builds in
# a temporary folder).  No AppImage: see docs/install.md ("Why no AppImage").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${COOPOS_BUILD_DIR:-$ROOT/build}
DIST=${COOPOS_DIST_DIR:-$ROOT/dist}

if [ -z "${PYTHON:-}" ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    PYTHON=.venv/bin/python
    "$PYTHON" -m pip install -q -e .
fi
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || "$PYTHON" -m pip install -q 'pyinstaller>=6.5'

VERSION=$("$PYTHON" -c 'import coopos; print(coopos.__version__)')
ARCH=$(uname -m)
NAME=coopos-$VERSION
echo "== coopos $VERSION for linux-$ARCH"

# Qt's xcb and wayland plugins need these; PyInstaller copies them into the bundle only
# if this machine has them (else the user's machine must): warn, never fail silently.
missing=()
for lib in libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxkbcommon-x11.so.0 \
    libwayland-cursor.so.0 libwayland-egl.so.1; do
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "WARNING: not on this machine, so not in the bundle: ${missing[*]}" >&2
    echo "  (Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" \
        "libxkbcommon-x11-0 libwayland-cursor0 libwayland-egl1)" >&2
fi

"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$BUILD/bundle" --workpath "$BUILD/pyinstaller" installer/coopos.spec
BUNDLE=$BUILD/bundle/coopos

echo "== self-test of the frozen app"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
QT_QPA_PLATFORM=offscreen COOPOS_DATA_DIR="$SCRATCH/data" COOPOS_LOG_DIR="$SCRATCH/logs" \
    "$BUNDLE/coopos" --self-test

echo "== archive"
STAGE=$BUILD/stage/$NAME
rm -rf "$BUILD/stage"
mkdir -p "$STAGE" "$DIST"
cp -a "$BUNDLE/." "$STAGE/"
cp installer/linux/coopos.desktop installer/linux/install.sh installer/linux/uninstall.sh "$STAGE/"
chmod +x "$STAGE/install.sh" "$STAGE/uninstall.sh"
cp resources/icons/coopos.png "$STAGE/coopos.png"
cp docs/install.md "$STAGE/INSTALL.md"
echo "$VERSION" > "$STAGE/VERSION"
ARCHIVE=$DIST/$NAME-linux-$ARCH.tar.gz
tar -C "$BUILD/stage" -czf "$ARCHIVE" "$NAME"
echo "bundle:  $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
echo "archive: $ARCHIVE ($(du -sh "$ARCHIVE" | cut -f1))"
