#!/bin/sh
# Install coopos for this user (no administrator password needed):
#   program    ~/.local/lib/coopos/        (replaced by a newer version)
#   command    ~/.local/bin/coopos
#   menu entry ~/.local/share/applications/coopos.desktop, icon in ~/.local/share/icons
# Your data (database, backups) in ~/.local/share/coopos and the logs in
# ~/.local/state/coopos are never touched: a newer version opens them and upgrades the
# database in place.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
PREFIX=${COOPOS_PREFIX:-$HOME/.local}
TARGET=$PREFIX/lib/coopos
VERSION=$(cat "$HERE/VERSION" 2>/dev/null || echo "?")

if [ ! -x "$HERE/coopos" ] || [ ! -d "$HERE/_internal" ]; then
    echo "Run install.sh from the unpacked coopos folder." >&2
    exit 1
fi

echo "Installing coopos $VERSION into $TARGET"
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$DATA_HOME/applications" \
    "$DATA_HOME/icons/hicolor/256x256/apps"
# Copy beside, then swap: a failed copy leaves the installed version working.
rm -rf "$TARGET.new"
mkdir -p "$TARGET.new"
cp -a "$HERE/coopos" "$HERE/_internal" "$HERE/VERSION" "$HERE/uninstall.sh" "$TARGET.new/"
rm -rf "$TARGET.old"
if [ -d "$TARGET" ]; then mv "$TARGET" "$TARGET.old"; fi
mv "$TARGET.new" "$TARGET"
rm -rf "$TARGET.old"

ln -sf "$TARGET/coopos" "$PREFIX/bin/coopos"
cp "$HERE/coopos.png" "$DATA_HOME/icons/hicolor/256x256/apps/coopos.png"
sed "s|@EXEC@|$TARGET/coopos|" "$HERE/coopos.desktop" > "$DATA_HOME/applications/coopos.desktop"
chmod 644 "$DATA_HOME/applications/coopos.desktop"
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$DATA_HOME/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 \
    && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" || true

echo "Done. Start coopos from the menu (Office), or run: $PREFIX/bin/coopos"
echo "To check the installation: $PREFIX/bin/coopos --self-test"
