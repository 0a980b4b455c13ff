# Elapsed time from bash's $EPOCHREALTIME stamps in shell arithmetic alone: a fresh Debian has
# no bc (docs/FRESH_MACHINE.md). Sourced by the scripts that time what they run.

# micros STAMP: a stamp or a duration (1733541234.123456, 1.234567) in microseconds.
micros() {
  local whole=${1%[.,]*} part=${1#*[.,]}
  echo $((10#$whole * 1000000 + 10#$part))
}
# seconds_since STAMP: the seconds since STAMP, as 1.234567.
seconds_since() {
  local d=$(($(micros "$EPOCHREALTIME") - $(micros "$1")))
  printf '%d.%06d' $((d / 1000000)) $((d % 1000000))
}
# under DURATION LIMIT: whether DURATION (1.234567) is less than LIMIT whole seconds.
under() { [ "$(micros "$1")" -lt $(($2 * 1000000)) ]; }
