#!/bin/sh
# avalanche-node-backup: the host side of a restore, run on the node host itself.
#
# The runner uploads the new files as .<file>.new-<run> in the staking directory, then starts this
# program detached from its SSH session (setsid), so that whatever happens to the connection or to
# the runner, the host finishes what it started:
#
#   keep the current files -> stop the node -> put the new files in place -> start the node ->
#   wait for the local API to report the expected NodeID and BLS key -> on anything else, put
#   every previous file back and start the node again.
#
# Usage:  sh restore-transaction.sh run      (detached; everything in the ANB_* environment below)
#         sh restore-transaction.sh recover  (synchronous: rolls back unfinished journals)
#
# Environment (set by the runner):
#   ANB_DIR        the staking directory            ANB_RUN       this run's id
#   ANB_PREV       this run's directory: previous files and this journal (as root under
#                  ANB_STATE, /var/lib/avalanche-node-backup/<id>; else <staking dir>.previous-<run>)
#   ANB_STATE      root's directory of this staking directory's restores ('' when not root)
#   ANB_LOGIN_USER user to run stop/start commands as (empty: this program's user)
#   ANB_SERVICE    systemd unit;  ANB_STOP / ANB_START  commands that replace systemctl
#   ANB_WAIT       seconds to wait for the new identity (the previous one, after a rollback, gets
#                  this or 30 s, whichever is longer: it must be seen back, not assumed)
#   ANB_NODE_ID    NodeID the new files give;   ANB_BLS  BLS public key (0x…)
#   ANB_OLD_NODE_ID  NodeID the node reported before (may be empty)
#   ANB_API        the node's API as seen here (http://127.0.0.1:9650)
#   ANB_OLD / ANB_NEW  sha256 of staker.crt staker.key signer.key, '-' for a missing file:
#                  what the runner saw before, and what it uploaded
#   ANB_LOCK       lock file (one restore at a time);  ANB_LOCK_WAIT  seconds to wait for it
#
# Journal ($ANB_PREV/restore.journal): one event a line, appended and synced before the step it
# announces and after it ends, so that after a crash it says exactly which files are new:
# Each line starts with the time in milliseconds since the epoch, then the event:
#   journal 1 | run ID | pid N | lock held | old FILE SHA|- | new FILE SHA
#   active-before yes|no | step NAME begin|done | file FILE new|old|removed | answer NODEID BLS|-
#   fail REASON | end RESULT [DETAIL]
# RESULT: restored, rolled-back, refused (nothing was changed), stuck (files could not all be
# put back: see the file lines), recovered (a later run rolled this one back).

set -u
trap '' HUP PIPE INT
PATH=$PATH:/usr/sbin:/sbin # runuser, and systemctl on some systems, live there
export PATH

FILES='staker.key signer.key staker.crt' # install order: see install_file
TEST_DIR=/run/avalanche-node-backup-test # exists only on the project's test hosts

dir=${ANB_DIR:?} run=${ANB_RUN:-} prev=${ANB_PREV:-}
journal=$prev/restore.journal

# Milliseconds since the epoch (GNU date; whole seconds elsewhere).
now_ms() {
  t=$(date +%s%3N 2>/dev/null)
  case $t in '' | *[!0-9]*) t=$(($(date +%s) * 1000)) ;; esac
  echo "$t"
}

note() {
  printf '%s %s\n' "$(now_ms)" "$*" >>"$journal" && sync "$journal" 2>/dev/null
}

# Several events at once, one a line on stdin: one write, one sync.
note_all() {
  t=$(now_ms)
  sed "s/^/$t /" >>"$journal" && sync "$journal" 2>/dev/null
}

# The journal has this event (without its time).
noted() {
  grep -q "^[0-9]* $1\$" "$journal"
}

# One line, no control characters: error text from commands goes into the journal.
oneline() {
  tr -c '[:print:]' ' ' | cut -c1-300
}

# Tests pause the program at a named point (fault injection); never active on a real host.
pause() {
  [ -f "$TEST_DIR/pause" ] && grep -qx "$1" "$TEST_DIR/pause" || return 0
  : >"$TEST_DIR/reached-$1"
  n=0
  while [ ! -e "$TEST_DIR/continue-$1" ] && [ "$n" -lt 12000 ]; do
    sleep 0.05
    n=$((n + 1))
  done
}

control() {
  if [ -n "${ANB_STOP:-}" ]; then
    cmd=$ANB_STOP
    [ "$1" = start ] && cmd=$ANB_START
    if [ -n "${ANB_LOGIN_USER:-}" ]; then
      runuser -u "$ANB_LOGIN_USER" -- sh -c "$cmd" 2>&1
    else
      sh -c "$cmd" 2>&1
    fi
  else
    systemctl "$1" "$ANB_SERVICE" 2>&1
  fi 9>&- # the lock's descriptor stays here, not in the node's processes
}

# systemd's view: active, activating (crash-looping between restarts), failed, inactive.
unit_state() {
  if [ -n "${ANB_STOP:-}" ]; then echo unknown; else systemctl is-active "$ANB_SERVICE" 2>/dev/null; fi
}

# info.getNodeID on the local API: prints "NODEID BLS" (BLS '-' before v1.8.6), or nothing.
ask() {
  body='{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}'
  if command -v curl >/dev/null 2>&1; then
    out=$(curl -s -m 2 -H 'content-type: application/json' --data "$body" "$ANB_API/ext/info" 2>/dev/null)
  else
    out=$(wget -q -T 2 -t 1 -O - --header='content-type: application/json' --post-data="$body" "$ANB_API/ext/info" 2>/dev/null)
  fi
  out=$(printf '%s' "$out" | tr -d '\n\r')
  id=$(printf '%s' "$out" | sed -n 's/.*"nodeID"[[:space:]]*:[[:space:]]*"\(NodeID-[1-9A-HJ-NP-Za-km-z]\{1,64\}\)".*/\1/p')
  bls=$(printf '%s' "$out" | sed -n 's/.*"publicKey"[[:space:]]*:[[:space:]]*"\(0x[0-9a-f]\{96\}\)".*/\1/p')
  [ -n "$id" ] && printf '%s %s\n' "$id" "${bls:--}"
}

# Waits for the node to answer. $1: NodeID wanted (empty: any), $2: BLS key wanted (empty: any),
# $3: seconds (default ANB_WAIT).
# Returns 0 when it answers as wanted, 1 with another identity, 2 on time-out, 3 when it exits.
wait_for() {
  deadline=$(($(date +%s) + ${3:-$ANB_WAIT}))
  seen_active=no
  while :; do
    answer=$(ask)
    if [ -n "$answer" ]; then
      note "answer $answer"
      set -- "${1:-${answer% *}}" "${2:-${answer#* }}"
      [ "${answer% *}" = "$1" ] || return 1
      [ "${answer#* }" = - ] || [ "${answer#* }" = "$2" ] || return 1
      return 0
    fi
    # Restart=always restarts a node that exits: 'activating' in between is a crash loop.
    case $(unit_state) in
    active) seen_active=yes ;;
    failed | inactive) return 3 ;;
    activating) [ "$seen_active" = yes ] && return 3 ;;
    esac
    [ "$(date +%s)" -ge "$deadline" ] && return 2
    sleep 0.05
  done
}

sha_of() {
  if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo -; fi
}

field() { # field N of a space-separated list
  echo "$2" | cut -d' ' -f"$1"
}

index_of() {
  case $1 in staker.crt) echo 1 ;; staker.key) echo 2 ;; signer.key) echo 3 ;; esac
}

# Puts one file of the new set in place (rename: atomic). Order staker.key, signer.key, staker.crt:
# until staker.crt is new, the old certificate does not match the new key and the node refuses to
# start, so no start in between (a reboot, say) can run a mix of the two identities.
install_file() {
  err=$(mv -f "$dir/.$1.new-$run" "$dir/$1" 2>&1) || {
    note "fail cannot put $1 in place: $(printf '%s' "$err" | oneline)"
    return 1
  }
  note "file $1 new"
}

# The sha256 ('-' for none) a file had before (old) or was uploaded with (new), from ANB_OLD /
# ANB_NEW (in `recover`, from the journal's old and new lines).
sha_was() { # old|new FILE
  if [ "$1" = old ]; then field "$(index_of "$2")" "$ANB_OLD"; else field "$(index_of "$2")" "$ANB_NEW"; fi
}

# Puts the previous files back, in the reverse order: staker.crt first, so that while signer.key
# changes the certificate and the key again do not match. What each file is now is measured (its
# hash), not taken from the journal, so this can run again after any interruption: a file that is
# already the previous one stays; a new one goes back to its kept copy (a rename) or is removed when
# there was none before. The first file that cannot be put back stops it there, in a state the
# node refuses to start on: never a mix it could run.
restore_previous() {
  for f in staker.crt signer.key staker.key; do
    now=$(sha_of "$dir/$f")
    old=$(sha_was old "$f")
    [ "$now" = "$old" ] && continue
    if [ "$now" != "$(sha_was new "$f")" ]; then
      note "fail $f is neither the previous nor the new file: left as it is"
      return 1
    fi
    if [ "$old" = - ]; then
      err=$(rm -f "$dir/$f" 2>&1) || {
        note "fail cannot remove the new $f: $(printf '%s' "$err" | oneline)"
        return 1
      }
      note "file $f removed"
    elif [ "$(sha_of "$dir/.$f.old-$run")" = "$old" ]; then
      err=$(mv -f "$dir/.$f.old-$run" "$dir/$f" 2>&1) || {
        note "fail cannot put the previous $f back: $(printf '%s' "$err" | oneline)"
        return 1
      }
      note "file $f old"
    else
      note "fail the kept copy of the previous $f is missing: put it back from $prev"
      return 1
    fi
  done
}

cleanup() {
  for f in $FILES; do rm -f "$dir/.$f.new-$run" "$dir/.$f.old-$run"; done
}

finish() {
  note "end $*"
  exit 0
}

rollback() {
  note "step rollback begin"
  out=$(control stop) || note "fail stopping the node for the rollback: $(printf '%s' "$out" | oneline)"
  pause during-rollback
  if ! restore_previous; then
    note "step rollback failed"
    finish stuck "a previous file could not be put back; the node was not started (see the file lines)"
  fi
  cleanup
  note "step rollback done"
  if [ "$active_before" = yes ]; then
    note "step restart begin"
    out=$(control start) || {
      note "fail starting the node again: $(printf '%s' "$out" | oneline)"
      finish rolled-back "previous files back; the node did not start"
    }
    note "step restart done"
    note "step recheck begin"
    recheck=$((ANB_WAIT > 30 ? ANB_WAIT : 30))
    if wait_for "${ANB_OLD_NODE_ID:-}" "" "$recheck"; then
      note "step recheck done"
      finish rolled-back "previous files back; the node answers again"
    fi
    note "step recheck failed"
    finish rolled-back "previous files back; the node did not answer again within $recheck s"
  fi
  finish rolled-back "previous files back; the node was not running before and was left stopped"
}

refuse() {
  note "fail $*"
  cleanup
  finish refused "$*"
}

# Keeps the current files twice, before anything stops: as hard links (or copies) beside them,
# .<file>.old-<run>, which a rollback renames back without needing any disk space, and in the
# previous-files directory, which stays for the operator.
keep_current() {
  for f in $FILES; do
    [ -e "$dir/$f" ] || continue
    ln "$dir/$f" "$dir/.$f.old-$run" 2>/dev/null ||
      cp -P -p "$dir/$f" "$dir/.$f.old-$run" 2>/dev/null ||
      refuse "cannot keep a copy of $f beside it (disk full?)"
    # -P: a link in the staking directory is copied as a link, never followed by root.
    ln "$dir/$f" "$prev/$f" 2>/dev/null || cp -P -p "$dir/$f" "$prev/$f" 2>/dev/null ||
      refuse "cannot keep a copy of $f in $prev (disk full?)"
  done
}

check_hashes() {
  for f in $FILES; do
    i=$(index_of "$f")
    want=$(field "$i" "$ANB_OLD")
    [ "$(sha_of "$dir/$f")" = "$want" ] ||
      refuse "host-changed: $f is not what the runner saw (another restore ran meanwhile?)"
    want=$(field "$i" "$ANB_NEW")
    [ "$(sha_of "$dir/.$f.new-$run")" = "$want" ] || refuse "the uploaded $f is damaged or missing"
  done
}

transaction() {
  # One write: a journal is never seen without the pid that tells a running restore from one
  # cut short (another run looking at the host meanwhile would "recover" this one otherwise).
  printf 'journal 1\nrun %s\npid %s\n' "$run" "$$" | note_all
  # Root's lock directory is root's alone (mode 0700): no other user can hold or plant the lock.
  [ "$(id -u)" != 0 ] || [ -d "${ANB_LOCK%/*}" ] || mkdir -m 700 "${ANB_LOCK%/*}" 2>/dev/null
  true 2>/dev/null >>"$ANB_LOCK" || refuse "cannot open the lock file $ANB_LOCK"
  exec 9>>"$ANB_LOCK"
  flock -w "${ANB_LOCK_WAIT:-60}" 9 || refuse "busy: another restore held $ANB_LOCK for ${ANB_LOCK_WAIT:-60} s"
  note "lock held"
  check_hashes
  for f in $FILES; do
    i=$(index_of "$f")
    echo "old $f $(field "$i" "$ANB_OLD")"
    echo "new $f $(field "$i" "$ANB_NEW")"
  done | note_all
  keep_current
  active_before=yes
  case $(unit_state) in inactive | failed) active_before=no ;; esac
  note "active-before $active_before"

  note "step stop begin"
  out=$(control stop) || {
    note "fail stopping the node: $(printf '%s' "$out" | oneline)"
    if [ "$active_before" = yes ]; then control start >/dev/null; fi
    cleanup
    finish refused "the node could not be stopped; nothing was changed"
  }
  note "step stop done"
  pause after-stop

  note "step swap begin"
  first=yes
  for f in $FILES; do
    install_file "$f" || rollback
    [ "$first" = yes ] && pause between-renames
    first=no
  done
  chmod 750 "$dir" 2>/dev/null
  note "step swap done"
  pause before-start

  note "step start begin"
  out=$(control start) || {
    note "fail starting the node: $(printf '%s' "$out" | oneline)"
    rollback
  }
  note "step start done"
  pause during-wait

  note "step check begin"
  wait_for "$ANB_NODE_ID" "$ANB_BLS"
  case $? in
  0)
    note "step check done"
    cleanup
    finish restored
    ;;
  1) note "fail the node answers ${answer% *} / ${answer#* }, not $ANB_NODE_ID / $ANB_BLS" ;;
  2) note "fail the node did not answer info.getNodeID within $ANB_WAIT s" ;;
  3) note "fail the node exited after starting ($(unit_state)): it does not accept these files" ;;
  esac
  note "step check failed"
  rollback
}

# A journal without an end whose program is gone (a host that lost power mid-restore): finish it
# as its own program would have. Proven already (the check step done): the new identity stays.
# Otherwise every file goes back to the previous set, by hash. Only journals this user wrote (in a
# directory it owns) are trusted: the node's user may own the directory they lie in.
recover() {
  # (A failed redirection of `exec` would end the shell: try it with `true` first.)
  [ "$(id -u)" != 0 ] || [ -d "${ANB_LOCK%/*}" ] || mkdir -m 700 "${ANB_LOCK%/*}" 2>/dev/null
  if ! true 2>/dev/null >>"$ANB_LOCK" || ! exec 9>>"$ANB_LOCK" || ! flock -w "${ANB_LOCK_WAIT:-60}" 9; then
    echo "busy"
    exit 75
  fi
  me=$(id -u)
  for journal in "$dir".previous-*/restore.journal "${ANB_STATE:-/nonexistent}"/previous-*/restore.journal; do
    [ -f "$journal" ] || continue
    grep -q '^[0-9]* end ' "$journal" && continue
    prev=${journal%/restore.journal}
    # A restore still running (or writing its journal this instant) is not ours to roll back.
    pid=$(sed -n 's/^[0-9]* pid //p' "$journal" | head -n1)
    if [ -z "$pid" ] || grep -q restore.sh "/proc/$pid/cmdline" 2>/dev/null; then continue; fi
    run=$(sed -n 's/^[0-9]* run //p' "$journal" | head -n1)
    if [ "$(stat -c %u "$journal")" != "$me" ] || [ "$(stat -c %u "$prev")" != "$me" ] ||
      ! printf '%s' "$run" | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}'; then
      echo "untrusted $journal"
      continue
    fi
    # A line cut short by the power loss: the next one starts on a line of its own.
    [ -z "$(tail -c 1 "$journal")" ] || printf '\n' >>"$journal"
    recover_one
  done
}

recover_one() {
  ANB_OLD=$(for f in staker.crt staker.key signer.key; do sed -n "s/^[0-9]* old $f //p" "$journal" | head -n1; done | tr '\n' ' ')
  ANB_NEW=$(for f in staker.crt staker.key signer.key; do sed -n "s/^[0-9]* new $f //p" "$journal" | head -n1; done | tr '\n' ' ')
  if noted "step check done"; then
    cleanup
    note "end restored the new identity was proven before the host went down; finished by a later run"
    echo "finished $run"
    return
  fi
  if [ "$(echo "$ANB_OLD" | wc -w)" -lt 3 ]; then
    # Cut before the hashes were written: nothing had been changed yet.
    cleanup
    note "end refused nothing had been changed; closed by a later run"
    echo "closed $run"
    return
  fi
  if ! restore_previous; then
    echo "stuck $run"
    return
  fi
  cleanup
  if noted "active-before yes"; then
    control stop >/dev/null
    control start >/dev/null
  fi
  note "end recovered previous files put back by a later run"
  echo "recovered $run"
}

case ${1:-} in
run)
  exec </dev/null >/dev/null 2>&1
  transaction
  ;;
recover) recover ;;
*)
  echo "usage: restore-transaction.sh run|recover" >&2
  exit 2
  ;;
esac
