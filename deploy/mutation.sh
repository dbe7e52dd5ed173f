#!/usr/bin/env bash
# `make mutation`: mutation testing of the pure ground floor (questionnaires/scoring.py,
# questionnaires/recommendations.py, assessments/benchmarks.py, assessments/disclosure.py) with mutmut, configured in
# pyproject.toml ([tool.mutmut]). Prints the score (killed / total, per module and overall) and
# every mutant that was not killed; exits non-zero below $MUTATION_MIN_SCORE percent.
#
# mutmut runs from a venv of its own ($MUTATION_VENV, on the interpreter of $VENV): the dev lock
# plus mutmut. mutmut is not in the hash-locked requirements-dev.txt because its dependency
# libcst needs pyyaml-ft on Python 3.13 only, which a lock compiled on 3.12 cannot hold (see
# pyproject.toml, the `mutation` extra). So it is installed pinned (==) but without hashes, and
# its own dependencies (libcst, textual, coverage, click, setproctitle) resolve freely; pytest and
# everything the tests import come from the hash-checked lock, installed first.
#
# Every run starts from an empty mutants/ folder: mutmut keeps the verdicts of functions whose
# source did not change, even when the tests did, so a kept folder could report a mutant as
# surviving after a new test kills it.
#
#   make mutation                        # about a minute on two cores, once the venv exists
#   MUTATION_MIN_SCORE=95 make mutation
#   .venv-mutation/bin/mutmut show NAME  # after a run: what a mutant not killed changed
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
MUTATION_VENV="${MUTATION_VENV:-.venv-mutation}"
MUTATION_MIN_SCORE="${MUTATION_MIN_SCORE:-90}"
MUTMUT_VERSION=3.8.1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || die "no $VENV: run 'make setup-dev' first"

# --- the venv --------------------------------------------------------------------------
# The interpreter behind $VENV (not $VENV's own python, so the new venv does not chain to it).
py="$("$VENV/bin/python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
wanted="mutmut==$MUTMUT_VERSION $("$py" --version 2>&1) $(sha256sum requirements-dev.txt | cut -c1-16)"
if [ "$(cat "$MUTATION_VENV/.installed" 2>/dev/null)" != "$wanted" ]; then
  say "Installing the dev lock and mutmut $MUTMUT_VERSION in $MUTATION_VENV ($("$py" --version 2>&1))"
  rm -rf "$MUTATION_VENV"
  "$py" -m venv "$MUTATION_VENV"
  "$MUTATION_VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.txt
  # Pinned, not hash-locked: see the header.
  "$MUTATION_VENV/bin/python" -m pip install -q --disable-pip-version-check "mutmut==$MUTMUT_VERSION"
  echo "$wanted" > "$MUTATION_VENV/.installed"
fi
mutmut="$MUTATION_VENV/bin/mutmut"

# --- the run ---------------------------------------------------------------------------
rm -rf mutants
say "Mutation testing (mutmut $MUTMUT_VERSION, $(nproc) workers)"
start=$SECONDS
# mutmut's own progress line redraws itself; its verdicts are read back below.
"$mutmut" run || die "mutmut run failed (see above); set debug = true in [tool.mutmut] for pytest's output"
elapsed=$((SECONDS - start))

# --- the score -------------------------------------------------------------------------
# `mutmut results --all true` lists every mutant as "    module.x_function__mutmut_N: status".
# Killed: the selected tests failed (or timed out: the mutant made them hang). Everything else
# (survived, no tests, suspicious, segfault, not checked) counts against the score.
"$mutmut" results --all true > mutants/results.txt
echo
awk -v min="$MUTATION_MIN_SCORE" -v elapsed="$elapsed" -v mutmut="$mutmut" '
  /: / {
    name = $1; sub(/:$/, "", name); status = $0; sub(/^[^:]*: /, "", status)
    module = name; sub(/\.x(_|ǁ).*$/, "", module)
    if (!(module in total)) order[++modules] = module
    total[module]++; all++
    if (status == "killed" || status == "timeout") { killed[module]++; kills++ }
    else survivors[++lost] = name " (" status ")"
  }
  END {
    if (all == 0) { print "no mutants in mutmut'"'"'s results"; exit 1 }
    printf "Mutation score (killed / total):\n"
    for (i = 1; i <= modules; i++) {
      m = order[i]
      printf "  %-36s %4d / %-4d %5.1f %%\n", m, killed[m], total[m], 100 * killed[m] / total[m]
    }
    score = 100 * kills / all
    printf "  %-36s %4d / %-4d %5.1f %%   (minimum %s %%, %d s)\n", "overall", kills, all, score, min, elapsed
    if (lost) {
      printf "\nNot killed (%d): see one with %s show NAME\n", lost, mutmut
      for (i = 1; i <= lost; i++) print "  " survivors[i]
    }
    exit (score + 0 < min + 0) ? 1 : 0
  }
' mutants/results.txt || die "fewer than $MUTATION_MIN_SCORE % of the mutants were killed"
