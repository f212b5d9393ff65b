#!/bin/bash
# Shows that two builds write the same outputs: every command run on the demo and on generated
# data with each binary, then every table, report and printout compared byte for byte, and every
# manifest compared without the fields that name the build and the wall times (program, phases)
# and the demo's temporary input paths. Workbooks differ only in their creation time.
#
#   bash benches/same_outputs.sh OLD_BINARY NEW_BINARY
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT; echo "work: $WORK" >&2

run() {
  local B=$1 D=$2
  mkdir -p "$D"; cd "$D"
  local G="--groups dgen/groups.parquet --averages dgen/averages.parquet --institutions dgen/institutions.parquet --funds dgen/funds.parquet"
  $B -q demo --out demo-csv
  $B -q demo --out demo-pq --format parquet
  $B -q generate --rows 200000 --institutions 800 --files 3 --seed 7 --out gen
  $B -q settle --claims gen/claims --budgets gen/budgets.parquet --interim gen/interim.parquet --out settle
  $B -q aggregate --claims gen/claims --out agg.parquet
  $B -q settle --aggregates agg.parquet --budgets gen/budgets.parquet --interim gen/interim.parquet --out settle-agg --format csv
  printf '%s\n' '[[scenario]]' 'name = "more budget"' 'budget = [{ sector = "hospital", scale = "1.02" }]' \
    '[[scenario]]' 'name = "exact pay"' 'config = { point_value = { pay_with = "exact" } }' 'volume = [{ scale = "1.05" }]' > sc.toml
  $B -q scenario --claims gen/claims --budgets gen/budgets.parquet --interim gen/interim.parquet --scenarios sc.toml --settlements --out scenario
  $B -q report settle --out settle.html
  $B -q report scenario --out scenario.html
  $B -q budget --spec "$ROOT/data/examples/budget.toml" --out budget
  $B -q dip generate --cases 300000 --hospitals 200 --regions 4 --groups 800 --files 2 --seed 5 --out dgen
  $B -q dip settle --cases dgen/cases $G --out dsettle
  $B -q dip presettle --cases dgen/cases --groups dgen/groups.parquet --averages dgen/averages.parquet --institutions dgen/institutions.parquet --funds dgen/funds.parquet --month 2026-06 --out dpre
  $B -q dip budget --spec "$ROOT/data/examples/dip-budget.toml" --history "$ROOT/data/examples/dip-history.csv" --out dbudget --format csv
  $B -q dip scenario --cases dgen/cases $G --scenarios "$ROOT/data/demo/dip/scenarios.toml" --hospitals --out dscenario
  $B -q report dsettle --out dsettle.html
  $B -q report dbudget --out dbudget.html
  $B -q report dscenario --out dscenario.html
  $B -q export dsettle --out dsettle.xlsx
  $B compare settle settle-agg > compare.txt 2>&1 || true
  $B -q config --show --dip | tail -n +2 > config.txt
}

# both builds run in the same directory (manifests and reports name the paths they read)
(run "$1" "$WORK/run") && mv "$WORK/run" "$WORK/old"
(run "$2" "$WORK/run") && mv "$WORK/run" "$WORK/new"
python3 - "$WORK/old" "$WORK/new" <<'PY'
import filecmp, json, os, re, sys
old, new = sys.argv[1], sys.argv[2]
def strip(d):
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in ("program", "phases")}
    if isinstance(d, list):
        return [strip(x) for x in d]
    if isinstance(d, str):
        d = re.sub(r"dianzhi-demo-inputs-[A-Za-z0-9]+", "TMP", d)
        return re.sub(r"\.dianzhi-tmp-[A-Za-z0-9]+", ".dianzhi-tmp-TMP", d)
    return d
files = sorted(os.path.relpath(os.path.join(r, f), old) for r, _, fs in os.walk(old) for f in fs)
bad = same = 0
for f in files:
    a, b = os.path.join(old, f), os.path.join(new, f)
    if not os.path.exists(b):
        print("missing in new:", f); bad += 1; continue
    if f.endswith(".xlsx"):
        continue
    if f.endswith("manifest.json"):
        ok = strip(json.load(open(a))) == strip(json.load(open(b)))
    elif f.endswith(".html"):
        ok = strip(open(a, encoding="utf-8").read()) == strip(open(b, encoding="utf-8").read())
    else:
        ok = filecmp.cmp(a, b, shallow=False)
    if ok:
        same += 1
    else:
        print("differs:", f); bad += 1
extra = sorted(os.path.relpath(os.path.join(r, f), new) for r, _, fs in os.walk(new) for f in fs)
bad += len(set(extra) - set(files))
print(f"{same} files the same, {bad} different or missing (workbooks skipped: their creation time)")
sys.exit(1 if bad else 0)
PY
