#!/usr/bin/env bash
# Regenerates every PNG in this folder and the Windows icon icon.ico with ImageMagick 6
# (`apt-get install imagemagick`).
# The app icon is a blue rounded square with a white "check in a speech bubble"-like mark; the
# tray icons are filled circles whose colour and glyph say the health: ok (green check),
# warning (amber "!"), problem (red cross), unknown (grey "?"). Glyphs are drawn with lines,
# not fonts, so the output does not depend on the fonts installed.
set -euo pipefail
cd "$(dirname "$0")"
IM=${IM:-/usr/bin/convert}

# Draw at 512 px and scale down: one drawing, crisp at every size.
app() {
  "$IM" -size 512x512 xc:none \
    -fill '#1d4ed8' -draw 'roundrectangle 16,16 496,496 96,96' \
    -fill none -stroke white -strokewidth 44 -draw 'line 150,270 225,345' \
    -draw 'line 225,345 370,180' \
    "PNG32:$1"
}

tray() { # name colour glyph
  local name=$1 colour=$2 glyph=$3 draw
  case $glyph in
    check) draw=(-fill none -stroke white -strokewidth 56 -draw 'line 140,270 220,350' -draw 'line 220,350 375,175') ;;
    bang) draw=(-fill white -stroke none -draw 'roundrectangle 226,96 286,316 24,24' -draw 'circle 256,392 256,426') ;;
    cross) draw=(-fill none -stroke white -strokewidth 56 -draw 'line 166,166 346,346' -draw 'line 346,166 166,346') ;;
    question) draw=(-fill none -stroke white -strokewidth 52 -draw 'arc 170,100 342,272 180,40' -draw 'line 322,241 256,290' -draw 'line 256,290 256,320' -stroke none -fill white -draw 'circle 256,392 256,424') ;;
  esac
  "$IM" -size 512x512 xc:none -fill "$colour" -draw 'circle 256,256 256,16' "${draw[@]}" /tmp/deskside-tray-$$.png
  for s in 32 64; do
    "$IM" /tmp/deskside-tray-$$.png -resize ${s}x${s} "PNG32:tray/$name-$s.png"
  done
  rm -f /tmp/deskside-tray-$$.png
}

app /tmp/deskside-app-$$.png
"$IM" /tmp/deskside-app-$$.png -resize 32x32 PNG32:32x32.png
"$IM" /tmp/deskside-app-$$.png -resize 128x128 PNG32:128x128.png
"$IM" /tmp/deskside-app-$$.png -resize 256x256 PNG32:128x128@2x.png
"$IM" /tmp/deskside-app-$$.png PNG32:icon.png
# Windows: the exe's resource icon (tauri-build) and the installer; every size Explorer asks for.
"$IM" icon.png -define icon:auto-resize=256,128,64,48,32,24,16 icon.ico
rm -f /tmp/deskside-app-$$.png

tray ok '#16a34a' check
tray warning '#d97706' bang
tray problem '#dc2626' cross
tray unknown '#6b7280' question
