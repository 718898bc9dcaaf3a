#!/bin/sh
# avalanche-node-backup: what a node host's service manager and running node say about where the
# node takes its identity from. Changes nothing. Values are base64 (they may hold any byte).
#
# Usage: sh discover-host.sh SERVICE systemd|commands
# Output, one fact a line:
#   unit-user B64 | unit-workdir B64 | unit-execstart B64 | unit-env B64 | main-pid N
#   envfile B64(path) B64(content)        each EnvironmentFiles= file that can be read
#   arg B64                               the running node's argv, in order (/proc/PID/cmdline)
#   env B64                               the running node's environment, NAME=VALUE (/proc/PID/environ)
#   cwd B64                               the running node's working directory
#   home B64                              the home of the unit's user (or of the login user)

svc=$1 control=$2
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

user=
if [ "$control" = systemd ] && command -v systemctl >/dev/null 2>&1; then
  user=$(systemctl show -p User --value "$svc" 2>/dev/null)
  echo "unit-user $(b64 "$user")" # empty: no User= (root, and systemd sets no $HOME)
  [ -n "$user" ] || user=root
  echo "unit-workdir $(b64 "$(systemctl show -p WorkingDirectory --value "$svc" 2>/dev/null)")"
  echo "unit-execstart $(b64 "$(systemctl show -p ExecStart --value "$svc" 2>/dev/null)")"
  echo "unit-env $(b64 "$(systemctl show -p Environment --value "$svc" 2>/dev/null)")"
  systemctl show -p EnvironmentFiles --value "$svc" 2>/dev/null | while read -r file _; do
    f=${file#-}
    [ -n "$f" ] && [ -r "$f" ] && echo "envfile $(b64 "$f") $(base64 <"$f" | tr -d '\n')"
  done
  pid=$(systemctl show -p MainPID --value "$svc" 2>/dev/null)
  echo "main-pid ${pid:-0}"
  if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' '\n' <"/proc/$pid/cmdline" | while IFS= read -r a; do echo "arg $(b64 "$a")"; done
    if [ -r "/proc/$pid/environ" ]; then
      # The whole environment: a path may name any variable. It stays in the runner's memory.
      tr '\0' '\n' <"/proc/$pid/environ" | while IFS= read -r e; do echo "env $(b64 "$e")"; done
    fi
    echo "cwd $(b64 "$(readlink "/proc/$pid/cwd" 2>/dev/null)")"
  fi
fi
[ -n "$user" ] || user=$(id -un)
echo "home $(b64 "$(getent passwd "$user" | cut -d: -f6)")"
