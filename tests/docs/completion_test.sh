#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# completion_test.sh PWRU COMPLETION: the generated bash completion, sourced in
# a bare bash (no bash-completion package), called the way bash calls it
# (COMP_WORDS, COMP_CWORD), its COMPREPLY compared with what pwru says:
#   - "pwru --" offers exactly the flags `pwru --help` prints;
#   - "pwru --outp" offers exactly the --output-p* flags;
#   - enumerated values (--backend, --timestamp, --output-pcapng-linktype),
#     also as --flag=VALUE in one word and as '--flag' '=' 'VALUE';
#   - --config offers the presets of `pwru --list-presets` and files;
#   - --sink offers the sinks of `pwru --list-plugins`, and files after "PLUGIN:";
#   - file-valued flags complete files, boolean flags take =true/=false, and
#     the words of a pcap filter complete nothing.
set -euo pipefail
pwru=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
comp=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
fails=0
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	fails=$((fails + 1))
}
[ -s "$comp" ] || { echo "FAIL: no completion file at $comp" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
# File names to complete, in a directory of their own.
mkdir -p "$tmp/cwd/traces"
touch "$tmp/cwd/trace.json" "$tmp/cwd/trace.pcapng" "$tmp/cwd/drops-mine.toml"

# complete WORD...: COMPREPLY (sorted, space-separated) for the last word.
complete_words() {
	(cd "$tmp/cwd" && timeout 20 bash --norc --noprofile -c '
		set -u
		source "$1" || exit 3
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pwru || exit 4
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort | paste -sd" "' _ "$comp" "$pwru" "$@")
}
# expect "WORDS" WANT: the completion of WORDS (space-separated; a trailing
# space means an empty last word) is exactly WANT.
expect() {
	local line=$1 want=$2 got words
	read -r -a words <<<"$line"
	[[ $line == *" " ]] && words+=("")
	got=$(complete_words "${words[@]}") || { fail "'pwru $line': completion failed ($?)"; return; }
	[ "$got" = "$want" ] || fail "'pwru $line<TAB>' gives '$got', expected '$want'"
}

help_flags=$("$pwru" --help | awk '/^  -/ {n = split($1, f, ","); for (i = 1; i <= n; i++) print f[i]}' | sort | paste -sd' ')
[ "$(wc -w <<<"$help_flags")" -ge 50 ] || fail "read only $(wc -w <<<"$help_flags") flags from --help"
long_flags=$(tr ' ' '\n' <<<"$help_flags" | grep -- '^--' | paste -sd' ')
expect "-" "$help_flags"
expect "--" "$long_flags"
expect "--outp" "$(tr ' ' '\n' <<<"$long_flags" | grep -- '^--outp' | paste -sd' ')"
[[ " $long_flags " == *" --output-pcapng "* && " $long_flags " == *" --output-file "* ]] ||
	fail "--help has no --output-pcapng/--output-file (the --outp case would prove little)"
expect "--backend " "auto kprobe kprobe-multi tracepoint"
expect "--backend k" "kprobe kprobe-multi"
expect "--backend=" "--backend=auto --backend=kprobe --backend=kprobe-multi --backend=tracepoint"
expect "--backend = t" "tracepoint"
expect "--backend = " "auto kprobe kprobe-multi tracepoint"
expect "--timestamp " "absolute current none relative"
expect "--output-pcapng-linktype " "auto ethernet"
expect "--output-meta=" "--output-meta=false --output-meta=true"
expect "--output-meta = f" "false"
expect "--output-meta " ""
expect "host 198.51.100.10 and " ""
expect "--output-file tr" "trace.json trace.pcapng traces"
expect "--output-pcapng traces/" ""
expect "--ready-file d" "drops-mine.toml"

presets=$("$pwru" --list-presets | awk 'NR > 1 && NF == 2 {print $1}' | sort | paste -sd' ')
[ -n "$presets" ] || fail "pwru --list-presets lists no preset"
got=$(complete_words --config "")
for p in $presets; do [[ " $got " == *" $p "* ]] || fail "'pwru --config <TAB>' gives '$got', no preset $p"; done
[[ " $got " == *" trace.json "* ]] || fail "'pwru --config <TAB>' offers no files: '$got'"
expect "--config dr" "drops drops-mine.toml"
expect "--config ./dr" "./drops-mine.toml"

sinks=$("$pwru" --list-plugins | awk 'NR > 1 && NF == 5 && $2 == "sink" {print $1}' | sort | paste -sd' ')
[ -n "$sinks" ] || fail "pwru --list-plugins lists no sink"
expect "--sink " "$sinks"
expect "--sink js" "json"
expect "--sink json:tr" "json:trace.json json:trace.pcapng json:traces"
expect "--sink json : tr" "trace.json trace.pcapng traces"
expect "--plugin-doc sink:p" "sink:pcapng"

if [ "$fails" -gt 0 ]; then
	echo "completion_test: $fails failure(s)" >&2
	exit 1
fi
echo "PASS: $(wc -w <<<"$help_flags") flags, presets: $presets, sinks: $sinks"
