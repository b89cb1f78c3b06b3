/* Draw the analysis pages' charts with Chart.js (static/vendor/chartjs).
 *
 * Each <canvas data-chart="ID"> names a <script type="application/json" id="ID"> element that the
 * server renders with Django's json_script filter: data only, no code (the CSP allows no inline
 * script). Shapes (tallies/selectors/analysis/charts.py): {kind: "line" | "bar", x, y, labels,
 * series: [{label, data}]} or {kind: "bubble", x, y, series: [{label, points: [[x, y, n], ...]}]}.
 * The table next to each chart holds the same figures.
 */
(function () {
  "use strict";

  var PALETTE = ["#0b57d0", "#a8071a", "#1a7f37", "#b25e09", "#6f42c1", "#0f7b8a", "#5c6670", "#c2185b"];

  function toNumber(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function scales(spec) {
    return {
      x: { title: { display: true, text: spec.x } },
      y: { title: { display: true, text: spec.y }, beginAtZero: true }
    };
  }

  function series(spec) {
    var dense = spec.labels.length > 100;
    return spec.series.map(function (one, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: one.label,
        data: one.data.map(toNumber),
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 1.5,
        pointRadius: dense ? 0 : 2,
        spanGaps: true
      };
    });
  }

  function lineOrBar(spec) {
    return {
      type: spec.kind,
      data: { labels: spec.labels, datasets: series(spec) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: scales(spec)
      }
    };
  }

  function bubble(spec) {
    var largest = 1;
    spec.series.forEach(function (one) {
      one.points.forEach(function (point) { largest = Math.max(largest, point[2]); });
    });
    var datasets = spec.series.map(function (one, index) {
      return {
        label: one.label,
        data: one.points.map(function (point) {
          return { x: point[0], y: point[1], r: 0.5 + 5 * Math.sqrt(point[2] / largest), n: point[2] };
        }),
        backgroundColor: PALETTE[index % PALETTE.length] + "66",
        borderWidth: 0,
        clip: 6
      };
    });
    var options = { animation: false, maintainAspectRatio: false, scales: scales(spec) };
    options.scales.x.min = 0;
    options.scales.x.max = 100;
    options.scales.y.max = 100;
    options.plugins = {
      tooltip: {
        callbacks: {
          label: function (item) {
            var raw = item.raw;
            return raw.x + " %, " + raw.y + " %: " + raw.n;
          }
        }
      }
    };
    return { type: "bubble", data: { datasets: datasets }, options: options };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    new window.Chart(canvas, spec.kind === "bubble" ? bubble(spec) : lineOrBar(spec));
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.Chart === "undefined") {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  });
})();
