#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# man_page_test.sh PWRU MANPAGE: the generated pwru.8 against `pwru --help`.
#   - groff and man render it without a single warning (all warnings on);
#   - it has the sections a man page needs;
#   - every flag --help prints is an entry of OPTIONS, in the group --help
#     puts it in, groups in --help's order;
#   - each flag --help marks "[not available in this build yet]" is marked
#     so in its entry, and no other is;
#   - each "(default X)" of --help is in the flag's entry;
#   - every preset (--list-presets) and plugin (--list-plugins) is named.
set -euo pipefail
pwru=$1 page=$2
fails=0
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	fails=$((fails + 1))
}
for t in groff man col; do
	command -v "$t" >/dev/null || { echo "FAIL: missing $t (scripts/install-deps.sh installs groff-base and man-db)" >&2; exit 1; }
done
[ -s "$page" ] || { echo "FAIL: no man page at $page" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# Rendering: no warnings from groff (-ww: all of them) or from man.
groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff.err" || fail "groff exited with $?"
[ ! -s "$tmp/groff.err" ] || fail "groff warns: $(head -n 5 "$tmp/groff.err")"
MANWIDTH=100 man --warnings -l "$page" 2>"$tmp/man.err" | col -bx >"$tmp/man.txt" || fail "man -l failed"
[ ! -s "$tmp/man.err" ] || fail "man warns: $(head -n 5 "$tmp/man.err")"
[ -s "$tmp/man.txt" ] || { echo "FAIL: man rendered nothing" >&2; exit 1; }

for s in NAME SYNOPSIS DESCRIPTION OPTIONS CONFIGURATION PLUGINS ENVIRONMENT "EXIT STATUS" EXAMPLES FILES "SEE ALSO"; do
	grep -qx "$s" "$tmp/man.txt" || fail "no $s section"
done
grep -qE '^       pwru - trace' "$tmp/man.txt" || fail "NAME is not 'pwru - ...'"

"$pwru" --help >"$tmp/help.txt"
# --help's groups and, per group, its flags: "GROUP<TAB>FLAG".
awk '/^[A-Z][A-Za-z ]*:$/ {g = substr($0, 1, length($0) - 1); next}
	g != "" && g != "Positionals" && /^  -/ {
		n = split($1, names, ","); for (i = 1; i <= n; i++) print g "\t" names[i]
	}' "$tmp/help.txt" >"$tmp/help.flags"
[ "$(wc -l <"$tmp/help.flags")" -ge 50 ] || fail "read only $(wc -l <"$tmp/help.flags") flags from --help"
# The man page's OPTIONS: subsection titles (3 spaces) and entry tags (7 spaces).
awk '/^OPTIONS$/ {on = 1; next} /^[A-Z]/ {on = 0}
	on && /^   [A-Z]/ {g = substr($0, 4); next}
	on && /^       [-a-z]/ {
		tag = substr($0, 8); n = split(tag, w, " ")
		for (i = 1; i <= n; i++) { f = w[i]; sub(/,$/, "", f); if (f ~ /^-/) print g "\t" f; else break }
	}' "$tmp/man.txt" >"$tmp/man.flags"
# Both lists as sets (bash builtins only: this machine spawns processes slowly).
declare -A in_help in_man
while IFS=$'\t' read -r group flag; do in_help["$group	$flag"]=1; done <"$tmp/help.flags"
while IFS=$'\t' read -r group flag; do in_man["$group	$flag"]=1; done <"$tmp/man.flags"
for k in "${!in_help[@]}"; do
	[ -n "${in_man[$k]:-}" ] || fail "${k#*	} (--help group ${k%%	*}) is not an entry of group ${k%%	*} in OPTIONS"
done
for k in "${!in_man[@]}"; do
	[ -n "${in_help[$k]:-}" ] || fail "the man page has ${k#*	} (${k%%	*}), --help does not"
done
help_groups=$(grep -E '^[A-Z][A-Za-z ]*:$' "$tmp/help.txt" | sed 's/:$//' | paste -sd'|')
man_groups=$(awk '/^OPTIONS$/ {on = 1; next} /^[A-Z]/ {on = 0} on && /^   [A-Z]/ {print substr($0, 4)}' "$tmp/man.txt" |
	paste -sd'|')
[ "$help_groups" = "$man_groups" ] || fail "groups differ: --help '$help_groups', man page '$man_groups'"

# Each flag's OPTIONS entry (tag line to the next tag), joined on one line,
# and each flag's --help line.
declare -A entry_of help_of
while IFS=$'\t' read -r flag text; do entry_of[$flag]=$text; done < <(
	awk '/^OPTIONS$/ {on = 1; next} /^[A-Z]/ {if (on) flush(); on = 0; cur = ""}
		on && /^   [A-Z]/ {flush(); cur = ""; next}
		on && /^       [-a-z]/ {
			flush(); split(substr($0, 8), w, " "); cur = w[1]; sub(/,$/, "", cur)
			if (w[2] ~ /^--/) cur = w[2]  # "-h, --help"
			text = ""; next
		}
		on && cur != "" {gsub(/^ +/, ""); gsub(/  +/, " "); text = text " " $0}
		function flush() { if (cur != "") print cur "\t" text; cur = "" }' "$tmp/man.txt")
while IFS= read -r line; do
	read -r first _ <<<"$line"
	help_of[${first#-h,}]=$line
done < <(grep -E '^  (-h,)?--' "$tmp/help.txt")
notyet=0
for flag in "${!help_of[@]}"; do
	line=${help_of[$flag]} text=${entry_of[$flag]:-}
	[ -n "$text" ] || { fail "$flag: no entry text"; continue; }
	if [[ $line == *"[not available in this build yet]"* ]]; then
		notyet=$((notyet + 1))
		[[ $text == *"[not available in this build yet]"* ]] || fail "$flag: not marked as not available yet"
	else
		[[ $text != *"not available in this build yet"* ]] || fail "$flag: marked as not available yet, --help does not"
	fi
	if [[ $line =~ \(default\ ([^\)]*)\) ]]; then
		d=${BASH_REMATCH[1]}
		[[ $text == *"Default: $d."* || $text == *"(default $d)"* ]] || fail "$flag: default '$d' of --help is not in its entry"
	fi
done
# Every cilium/pwru flag is in this build now: then nothing in the page may say otherwise.
if [ "$notyet" = 0 ] && grep -q 'not available in this build yet' "$tmp/man.txt"; then
	fail "the man page marks something as not available yet, --help marks no flag"
fi

"$pwru" --list-presets | awk 'NR > 1 && NF == 2 {print $1}' >"$tmp/presets"
[ -s "$tmp/presets" ] || fail "pwru --list-presets lists nothing"
sed -n '/^CONFIGURATION$/,/^PLUGINS$/p' "$tmp/man.txt" >"$tmp/config.txt"
while read -r p; do
	grep -qE "^       $p( |$)" "$tmp/config.txt" || fail "preset $p is not in CONFIGURATION"
done <"$tmp/presets"
"$pwru" --list-plugins | awk 'NR > 1 && NF == 5 {print $1, $2}' >"$tmp/plugins"
[ -s "$tmp/plugins" ] || fail "pwru --list-plugins lists nothing"
sed -n '/^PLUGINS$/,/^ENVIRONMENT$/p' "$tmp/man.txt" >"$tmp/plugins.txt"
while read -r name kind; do
	grep -qE "^       $name \($kind, pwru-$kind-$name\.so\)" "$tmp/plugins.txt" || fail "plugin $kind $name is not in PLUGINS"
done <"$tmp/plugins"

if [ "$fails" -gt 0 ]; then
	echo "man_page_test: $fails failure(s)" >&2
	exit 1
fi
echo "PASS: $(wc -l <"$tmp/help.flags") flags in $(echo "$help_groups" | tr '|' '\n' | wc -l) groups, $notyet marked not available yet, $(wc -l <"$tmp/presets") presets, $(wc -l <"$tmp/plugins") plugins"
