#!/bin/sh
# Install the AI Lab bundle for the current user (no root needed) and register its launcher.
#
#   ./install.sh              # from an unpacked release archive (the bundle is ./ai-lab/)
#   ./install.sh --uninstall
#
# Where things go (override with PREFIX, or HOME / XDG_DATA_HOME, e.g. to install into a temp dir):
#   $PREFIX/share/ai-lab/                 the onedir bundle (binary: ai-lab)
#   $PREFIX/bin/ai-lab                    a symlink to it
#   $DATA/applications/ai-lab.desktop     the launcher (basename = the app's desktop file name)
#   $DATA/icons/hicolor/<size>/apps/ai-lab.png and scalable/apps/ai-lab.svg
# PREFIX defaults to ~/.local; DATA is $XDG_DATA_HOME when set and PREFIX is the default, else $PREFIX/share.
# BUNDLE=path/to/ai-lab (the folder holding the ai-lab binary) overrides where the bundle is taken from.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-"$HOME/.local"}
if [ "$PREFIX" = "$HOME/.local" ] && [ -n "${XDG_DATA_HOME:-}" ]; then
    DATA=$XDG_DATA_HOME
else
    DATA="$PREFIX/share"
fi
APPDIR="$PREFIX/share/ai-lab"
BINDIR="$PREFIX/bin"

find_first() {  # first existing path among the arguments
    for p in "$@"; do [ -e "$p" ] && { echo "$p"; return 0; }; done
    return 1
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APPDIR"
    rm -f "$BINDIR/ai-lab" "$DATA/applications/ai-lab.desktop" "$DATA/icons/hicolor/scalable/apps/ai-lab.svg"
    for s in 16 32 48 64 128 256; do rm -f "$DATA/icons/hicolor/${s}x${s}/apps/ai-lab.png"; done
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
    echo "AI Lab removed from $PREFIX"
    exit 0
fi

BUNDLE=${BUNDLE:-$(find_first "$HERE/ai-lab" "$HERE/../dist/ai-lab" || true)}
if [ -z "$BUNDLE" ] || [ ! -x "$BUNDLE/ai-lab" ]; then
    echo "install.sh: no bundle found (looked for ./ai-lab/ai-lab and ../dist/ai-lab/ai-lab); set BUNDLE=" >&2
    exit 1
fi
DESKTOP=$(find_first "$HERE/ai-lab.desktop" "$HERE/linux/ai-lab.desktop") || { echo "install.sh: ai-lab.desktop missing" >&2; exit 1; }
ICONS=$(find_first "$HERE/icons" "$BUNDLE/_internal/assets/icons") || { echo "install.sh: icons missing" >&2; exit 1; }

mkdir -p "$APPDIR" "$BINDIR" "$DATA/applications"
# Replace the previous version atomically enough: copy next to it, then swap.
rm -rf "$APPDIR.new"
cp -a "$BUNDLE" "$APPDIR.new"
rm -rf "$APPDIR"
mv "$APPDIR.new" "$APPDIR"
ln -sfn "$APPDIR/ai-lab" "$BINDIR/ai-lab"

# Exec= gets the absolute path, so the launcher works even when ~/.local/bin is not on PATH.
sed -e "s|^Exec=.*|Exec=$APPDIR/ai-lab|" -e "s|^TryExec=.*|TryExec=$APPDIR/ai-lab|" \
    "$DESKTOP" > "$DATA/applications/ai-lab.desktop"
chmod 644 "$DATA/applications/ai-lab.desktop"

for s in 16 32 48 64 128 256; do
    if [ -f "$ICONS/ai-lab-$s.png" ]; then
        mkdir -p "$DATA/icons/hicolor/${s}x${s}/apps"
        cp "$ICONS/ai-lab-$s.png" "$DATA/icons/hicolor/${s}x${s}/apps/ai-lab.png"
    fi
done
if [ -f "$ICONS/ai-lab.svg" ]; then
    mkdir -p "$DATA/icons/hicolor/scalable/apps"
    cp "$ICONS/ai-lab.svg" "$DATA/icons/hicolor/scalable/apps/ai-lab.svg"
fi

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$DATA/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
fi

echo "AI Lab installed in $APPDIR"
echo "  launcher: $DATA/applications/ai-lab.desktop (find \"AI Lab\" in the applications menu)"
case ":$PATH:" in
    *":$BINDIR:"*) echo "  command:  ai-lab" ;;
    *) echo "  command:  $BINDIR/ai-lab ($BINDIR is not on your PATH)" ;;
esac
