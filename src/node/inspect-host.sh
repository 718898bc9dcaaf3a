#!/bin/sh
# avalanche-node-backup: looks at a node host before a restore, verify or backup. Changes nothing.
#
# Usage: sh inspect-host.sh STAKING_DIR SERVICE STATE_DIR FILE...   (FILE: the staking files' names)
# Output, one fact a line (the runner parses these):
#   dir OWNER MODE open|closed  or  dir -  or  dir ?   the staking directory (? : a parent we cannot enter)
#   FILE OWNER MODE SHA256|unreadable  or  FILE -       for each FILE given
#   unit LOADSTATE | user USER | state ACTIVESTATE      systemd's view of SERVICE (when systemctl exists)
#   missing TOOL...                                     commands a restore needs that are not there
#   lockdir DIR                                         where a lock file can be made
#   journal running|unfinished UID PATH                 a restore journal without an end, its owner

dir=$1 svc=$2 state=${3:-/nonexistent}
shift 3

# The nearest existing ancestor decides whether "missing" can be told from "cannot see".
up=$(dirname "$dir")
while [ ! -e "$up" ] && [ "$up" != / ]; do up=$(dirname "$up"); done
if [ -d "$dir" ]; then
  echo "dir $(stat -c '%U %a' "$dir") $([ -x "$dir" ] && echo open || echo closed)"
elif [ -x "$up" ]; then
  echo "dir -"
else
  echo "dir ?"
fi

for f in "$@"; do
  p=$dir/$f
  if [ ! -f "$p" ]; then
    echo "$f -"
  elif [ -r "$p" ]; then
    echo "$f $(stat -c '%U %a' "$p") $(sha256sum <"$p" | cut -d' ' -f1)"
  else
    echo "$f $(stat -c '%U %a' "$p") unreadable"
  fi
done

if command -v systemctl >/dev/null 2>&1; then
  echo "unit $(systemctl show -p LoadState --value "$svc" 2>/dev/null)"
  echo "user $(systemctl show -p User --value "$svc" 2>/dev/null)"
  echo "state $(systemctl is-active "$svc" 2>/dev/null)"
fi

missing=
for c in setsid flock sha256sum; do
  command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
# runuser lives in /usr/sbin, outside a login user's PATH; root's (sudo's) PATH has it.
command -v runuser >/dev/null 2>&1 || [ -x /usr/sbin/runuser ] || [ -x /sbin/runuser ] || missing="$missing runuser"
command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || missing="$missing curl"
echo "missing$missing"

for d in /run/lock /var/lock /tmp; do
  if [ -d "$d" ] && [ -w "$d" ]; then
    echo "lockdir $d"
    break
  fi
done

for j in "$dir".previous-*/restore.journal "$state"/previous-*/restore.journal; do
  [ -f "$j" ] || continue
  grep -q '^[0-9]* end ' "$j" && continue
  pid=$(sed -n 's/^[0-9]* pid //p' "$j" | head -n1)
  state=unfinished
  # No pid yet: the journal is being created this instant (nothing was changed before the pid).
  if [ -z "$pid" ] || grep -q restore.sh "/proc/$pid/cmdline" 2>/dev/null; then state=running; fi
  echo "journal $state $(stat -c %u "$j") $j"
done
