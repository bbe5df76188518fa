#!/bin/sh
# Build a release archive of AI Lab for Linux: the onedir bundle + install.sh + launcher + icons.
#
#   packaging/make_release.sh                # full flavour (torch + onnxruntime)
#   AI_LAB_FLAVOUR=lite packaging/make_release.sh
#   packaging/make_release.sh --no-build     # archive what is already in $DIST/ai-lab
#
# Environment: AI_LAB_FLAVOUR (full|lite), ZSTD_LEVEL (default 12), DIST (bundle folder, default dist/<flavour>), OUT (archives,
# default dist/release/), PYTHON (default python3), SMOKE=0 to skip running the bundle's --smoke-test.
# Writes $OUT/ai-lab-<version>-<flavour>-linux-<arch>.tar.zst (tar.gz when zstd is not installed).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FLAVOUR=${AI_LAB_FLAVOUR:-full}
PYTHON=${PYTHON:-python3}
DIST=${DIST:-"$ROOT/dist/$FLAVOUR"}
OUT=${OUT:-"$ROOT/dist/release"}
BUILD=1
[ "${1:-}" = "--no-build" ] && BUILD=0

if [ "$BUILD" = 1 ]; then
    echo "== building the $FLAVOUR bundle into $DIST"
    AI_LAB_FLAVOUR=$FLAVOUR "$PYTHON" -m PyInstaller build.spec --noconfirm \
        --distpath "$DIST" --workpath "$ROOT/build/pyinstaller-$FLAVOUR"
fi
BIN="$DIST/ai-lab/ai-lab"
[ -x "$BIN" ] || { echo "make_release.sh: $BIN not found" >&2; exit 1; }

if [ "${SMOKE:-1}" = 1 ]; then
    echo "== smoke test"
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$BIN" --smoke-test
fi

VERSION=$("$BIN" --version | awk '{print $2}')
ARCH=$(uname -m)
NAME="ai-lab-$VERSION-$FLAVOUR-linux-$ARCH"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/$NAME/icons"
cp -a "$DIST/ai-lab" "$STAGE/$NAME/ai-lab"
cp packaging/linux/install.sh packaging/linux/ai-lab.desktop "$STAGE/$NAME/"
cp assets/icons/ai-lab-*.png assets/icons/ai-lab.svg "$STAGE/$NAME/icons/"
cat > "$STAGE/$NAME/README.txt" <<TXT
AI Lab $VERSION ($FLAVOUR build) for Linux $ARCH

Install for your user (no root):   ./install.sh
Then start "AI Lab" from the applications menu, or run ~/.local/bin/ai-lab.
Run without installing:            ./ai-lab/ai-lab
Check that it works:               ./ai-lab/ai-lab --smoke-test
Remove:                            ./install.sh --uninstall
TXT

mkdir -p "$OUT"
if command -v zstd >/dev/null 2>&1; then
    ARCHIVE="$OUT/$NAME.tar.zst"
    tar -C "$STAGE" -cf - "$NAME" | zstd -q -T0 "-${ZSTD_LEVEL:-12}" -o "$ARCHIVE" -f
else
    ARCHIVE="$OUT/$NAME.tar.gz"
    tar -C "$STAGE" -czf "$ARCHIVE" "$NAME"
fi
echo "== wrote $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1); unpacked $(du -sh "$STAGE/$NAME" | cut -f1))"
