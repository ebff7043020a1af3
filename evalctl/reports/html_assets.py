"""The inline stylesheet and script of report.html, kept apart from the markup code."""

from __future__ import annotations

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --pass:#1a7f37; --fail:#cf222e;
  --warn:#9a6700; --bar:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink);
  background:#fff; }
header { padding:20px 32px; background:var(--bg); border-bottom:1px solid var(--line); }
header h1 { margin:0 0 4px; font-size:22px; }
main { padding:8px 32px 40px; max-width:1200px; }
h2 { font-size:18px; margin:28px 0 10px; }
.meta { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
  color:#fff; background:var(--muted); }
.badge.pass, .badge.passed { background:var(--pass); } .badge.fail, .badge.failed { background:var(--fail); }
.badge.error { background:var(--warn); } .badge.skipped { background:#8c959f; }
.badge.labelled { background:#57606a; } .label-bar { display:inline-block; height:10px; background:#57606a; }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(380px, 1fr)); gap:16px; }
.evaluator { border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.evaluator h3 { margin:0 0 6px; font-size:15px; word-break:break-all; }
.stats { display:flex; gap:18px; margin-bottom:6px; }
.stats div b { display:block; font-size:18px; }
.stats div span { color:var(--muted); font-size:12px; }
.stats em { font-style:normal; } em.pass { color:var(--pass); } em.fail { color:var(--fail); }
.chart .bar { fill:var(--bar); } .chart .axis { stroke:#8c959f; }
.chart .average { stroke:var(--ink); stroke-width:2; }
.chart .threshold { stroke:var(--fail); stroke-width:2; stroke-dasharray:5 3; }
.chart .tick { font-size:10px; fill:var(--muted); text-anchor:middle; }
.chart .empty { font-size:12px; fill:var(--muted); text-anchor:middle; }
.legend { color:var(--muted); font-size:12px; }
ul.gates { padding-left:18px; } ul.gates li { margin:2px 0; }
.cluster { border-left:3px solid var(--warn); padding:4px 12px; margin:10px 0; }
.cluster.failure { border-color:var(--fail); }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--bg); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
details.session { border:1px solid var(--line); border-radius:6px; margin:6px 0; }
details.session summary { cursor:pointer; padding:6px 10px; }
details.session table { margin:0 0 6px; }
.controls { display:flex; gap:16px; align-items:center; margin-bottom:8px; }
.controls input[type=search] { padding:4px 8px; width:280px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
"""

# Filters the session list in place; works offline, and the page reads fine without it.
SCRIPT = """
(function () {
  var search = document.getElementById('session-search');
  var problems = document.getElementById('problems-only');
  function apply() {
    var text = search.value.toLowerCase();
    document.querySelectorAll('details.session').forEach(function (el) {
      var hit = el.dataset.search.indexOf(text) >= 0;
      var bad = ['passed', 'labelled'].indexOf(el.dataset.status) < 0;
      el.hidden = !(hit && (!problems.checked || bad));
    });
  }
  search.addEventListener('input', apply);
  problems.addEventListener('change', apply);
})();
"""
