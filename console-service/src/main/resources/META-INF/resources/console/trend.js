// Draws the control page's pass/fail trend with uPlot (served from its webjar) from the points the server embedded.
(function () {
  var el = document.getElementById('trend');
  if (!el || typeof uPlot === 'undefined') { return; }
  var points = JSON.parse(el.getAttribute('data-points') || '[]');
  if (!points.length) { el.textContent = 'No executions in the period.'; return; }
  var data = [points.map(function (p) { return p.at; }), points.map(function (p) { return p.passes; }),
              points.map(function (p) { return p.failures; })];
  new uPlot({
    width: Math.min(900, el.clientWidth || 900), height: 240,
    series: [{}, { label: 'passes', stroke: '#0b6b2b', width: 2 }, { label: 'failures', stroke: '#a40000', width: 2 }],
    axes: [{}, { label: 'executions' }]
  }, data, el);
})();
