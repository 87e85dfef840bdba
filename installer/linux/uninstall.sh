#!/bin/sh
# Remove coopos for this user.  Your data (database, backups) and logs are KEPT unless
# you add --delete-data (asked again before anything is deleted).
set -eu
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
STATE_HOME=${XDG_STATE_HOME:-$HOME/.local/state}
PREFIX=${COOPOS_PREFIX:-$HOME/.local}

rm -rf "$PREFIX/lib/coopos"
if [ -L "$PREFIX/bin/coopos" ]; then rm -f "$PREFIX/bin/coopos"; fi
rm -f "$DATA_HOME/applications/coopos.desktop" "$DATA_HOME/icons/hicolor/256x256/apps/coopos.png"
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$DATA_HOME/applications" || true
echo "coopos is removed."

if [ "${1:-}" = "--delete-data" ]; then
    printf "Delete ALL sales, stock and backups in %s? Type yes: " "$DATA_HOME/coopos"
    read -r answer
    if [ "$answer" = "yes" ]; then
        rm -rf "$DATA_HOME/coopos" "$STATE_HOME/coopos"
        echo "Your data was deleted."
        exit 0
    fi
fi
echo "Your data was kept in $DATA_HOME/coopos (logs in $STATE_HOME/coopos)."
