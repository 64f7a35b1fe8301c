#!/bin/sh
# mark.sh PHASE SECONDS: prints "begin TOKEN", works for SECONDS, appends TOKEN to
# $MARKS/PHASE, prints "end TOKEN". TOKEN is unique per attempt (time and pid), so the suite
# can match every marker line against the journal's log events of the attempt that wrote it.
set -eu
token="$(date +%s%N)-$$"
echo "begin $token"
sleep "$2"
echo "$token" >> "$MARKS/$1"
echo "end $token"
