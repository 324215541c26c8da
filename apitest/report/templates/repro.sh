#!/bin/sh
# Replays, against a live API, calls an apitest run made (apitest repro REPORT CASE-ID).
# Ids and other values are read from the answers this replay gets, not the recorded ones;
# delays and validation-delays are waited as the plan did; what it creates is deleted at the
# end, even when it stops early.
#
#   APITEST_BASE_URL      where to send the calls (default: the run's target, @TARGET@)
#   APITEST_ACCESS_TOKEN  the access token to send; unset, one is fetched with
#                         APITEST_CLIENT_ID and APITEST_CLIENT_SECRET (client credentials)
#
# Exit status: 0 every answer as expected (the status the run got where its case passed, one
# the spec declares for the case otherwise, and every record read back as written), 1 an
# answer differs or a record could not be deleted, 2 curl, python3 or credentials missing,
# 3 the API could not be reached. Needs curl and python3.
set -eu
: "${APITEST_BASE_URL:=@TARGET@}"
base=${APITEST_BASE_URL%/}
_step=start _status=000 _pending=0
_fail() { echo "apitest repro: $2" >&2; exit "$1"; }
command -v curl >/dev/null 2>&1 || _fail 2 "curl is needed (install it)"
command -v python3 >/dev/null 2>&1 || _fail 2 "python3 is needed (install it)"
_PY='@HELPER@'
_py() { python3 -c "$_PY" "$@"; }
tmp=$(mktemp -d)
# One call: the answer's body in $tmp/NAME, its status in $_status.
_call() {
  _name=$1; shift
  _status=$(curl -sS -o "$tmp/$_name" -w '%{http_code}' "$@") ||
    _fail 3 "$_step: no answer from $base (curl failed)"
}
# The same, never stopping the script (for the cleanup at the end).
_try() {
  _name=$1; shift
  _status=$(curl -sS -o "$tmp/$_name" -w '%{http_code}' "$@") || _status=000
}
# Deletes what the replayed case made, where a negative case's step says how; run first by
# the cleanup trap.
_undo() { :; }
# The status must match one of the patterns (a code, or 2?? for any success).
_expect() {
  for _want in "$@"; do
    case $_status in $_want) echo "$_step: $_status" >&2; return 0 ;; esac
  done
  _fail 1 "$_step answered $_status, expected $*: $(head -c 400 "$tmp/$_name")"
}
# VAR_t, VAR_u, VAR_q, VAR_s: the value at PATH of an answer (text, URL, query, JSON string).
_capture() {
  _out=$(_py capture "$tmp/$1" "$2" "$3") || _fail 1 "$_step: $3 not in the answer"
  eval "$_out"
}
# The record read back holds what was written (or is gone after a delete).
_holds() {
  _py holds "$tmp/$1" "$2" "$3" "$4" || _fail 1 "$_step: the read-back check failed"
}
# Wait the step's delay, or the validation-delay of the last write if the step uses its record.
_wait() {
  _ms=$1
  if [ "$2" = 1 ]; then
    if [ "$_pending" -gt "$_ms" ]; then _ms=$_pending; fi
    _pending=0
  fi
  if [ "$_ms" -gt 0 ]; then sleep "$((_ms / 1000)).$(printf '%03d' $((_ms % 1000)))"; fi
}
