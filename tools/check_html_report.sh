#!/usr/bin/env bash
# ctest html_report: `dnnpart plan --report` opened in headless Chromium must
# render without console errors and hold every chart (docs/reports.md).
# Chromium (Debian's chromium package) is installed by tools/install_deps.sh.
set -euo pipefail
: "${DNNPART:?set DNNPART to the dnnpart binary}"
if ! command -v chromium >/dev/null; then
  echo "html_report: chromium is missing; run tools/install_deps.sh" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints the rendered DOM to stdout and Chromium's log (console messages
# included) to $tmp/log.txt.
render() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --virtual-time-budget=2000 \
    --dump-dom "file://$1" 2>"$tmp/log.txt"
}
console_errors() { grep -E 'CONSOLE|Refused to|Uncaught' "$tmp/log.txt" || true; }

# Control: a page that logs to the console must be caught, or this test could not fail.
printf '<!DOCTYPE html><html><body><script>console.error("dnnpart-control")</script></body></html>' \
  >"$tmp/control.html"
render "$tmp/control.html" >/dev/null
if [[ -z $(console_errors) ]]; then
  echo "html_report: FAIL: a console error on the control page was not seen; Chromium's log format changed?" >&2
  cat "$tmp/log.txt" >&2
  exit 1
fi

p=tests/data/profiles
"$DNNPART" -q plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json \
  --max-cut-tensors 2 --any-order --format json --report "$tmp/report.html" >/dev/null
render "$tmp/report.html" >"$tmp/dom.html"
errors=$(console_errors)
if [[ -n $errors ]]; then
  echo "html_report: FAIL: console messages while rendering the report:" >&2
  echo "$errors" >&2
  exit 1
fi
for id in chart-layers chart-pareto chart-timeline chart-memory chart-links; do
  if ! grep -q "<svg[^>]*id=\"$id\"" "$tmp/dom.html"; then
    echo "html_report: FAIL: the rendered page has no <svg id=\"$id\">" >&2
    exit 1
  fi
done
for mark in 'class="chosen-cut"' 'class="recommended"' 'class="baseline"' 'bottleneck' 'id="settings"'; do
  if ! grep -q "$mark" "$tmp/dom.html"; then
    echo "html_report: FAIL: the rendered page lacks $mark" >&2
    exit 1
  fi
done
echo "html_report: ok (5 charts rendered, no console messages)"
