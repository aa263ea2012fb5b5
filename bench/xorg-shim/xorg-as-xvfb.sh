#!/bin/sh
# The meeting bench's stand-in for Xvfb: Xorg's dummy driver with a screen mode of XORG_RATE Hz, taking
# the arguments the recorder gives Xvfb. Chromium paces its compositor by the screen's refresh rate
# (XRandR); Xvfb's screen has none, so Chromium draws at 60 Hz. This measures what drawing at the capture
# rate saves (docs/MEETING-COST.md). Needs xserver-xorg-core and xserver-xorg-video-dummy.
set -eu
rate=${XORG_RATE:-30}
size=""
args=""
while [ $# -gt 0 ]; do
  case "$1" in
    -screen) size=${3%x*}; shift 3 ;;
    *) args="$args $1"; shift ;;
  esac
done
w=${size%x*}
h=${size#*x}
# Mode lines carry the pixel clock in kHz: totals that are multiples of 40 and 25 keep the rate exact.
ht=$(( (w + 80 + 39) / 40 * 40 ))
vt=$(( (h + 15 + 24) / 25 * 25 ))
clock=$(awk "BEGIN { printf \"%.3f\", $ht * $vt * $rate / 1000000 }")
dir=$(mktemp -d /tmp/jibri-ts-bench-xorg.XXXXXX)
cat > "$dir/xorg.conf" <<CONF
Section "ServerFlags"
  Option "DontVTSwitch" "true"
  Option "AutoAddDevices" "false"
EndSection
Section "Device"
  Identifier "d"
  Driver "dummy"
  VideoRam $(( w * h * 4 / 1024 + 4096 ))
EndSection
Section "Monitor"
  Identifier "m"
  HorizSync 1.0-1000.0
  VertRefresh 1.0-240.0
  Modeline "bench" $clock $w $((w + 16)) $((w + 48)) $ht $h $((h + 3)) $((h + 8)) $vt
EndSection
Section "Screen"
  Identifier "s"
  Device "d"
  Monitor "m"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Modes "bench"
    Virtual $w $h
  EndSubSection
EndSection
CONF
# shellcheck disable=SC2086 # the recorder's own Xvfb arguments, one word each
/usr/lib/xorg/Xorg -config "$dir/xorg.conf" -logfile "$dir/xorg.log" -novtswitch -sharevts $args &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$dir"; exit 0' TERM INT
wait $pid
rm -rf "$dir"
