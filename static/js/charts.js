// Draws every chart whose data sits in a <script type="application/json"> next to it.
// The same numbers are always in a table beside the chart.
(function () {
  function draw(canvasId, dataId, series) {
    var canvas = document.getElementById(canvasId);
    var source = document.getElementById(dataId);
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: series.map(function (s) {
          return { label: s.label, data: data[s.key], borderColor: s.color, backgroundColor: s.color,
                   borderDash: s.dash || [], spanGaps: true, tension: 0.2, pointRadius: 3 };
        })
      },
      // Axis numbers in the reader's locale (Intl): "1.234,5" in Spanish, "1,234.5" in English.
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 locale: document.documentElement.lang || "en",
                 plugins: { legend: { position: "bottom" } } }
    });
  }
  // Driver evidence: each month's difference from its group's mean, the driver across and
  // the parent up, with the fitted slope as a line through 0.
  function scatter(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-scatter"));
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var xs = data.points.map(function (p) { return p.x; });
    var low = Math.min.apply(null, xs), high = Math.max.apply(null, xs);
    var es = document.documentElement.lang === "es";
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: es ? "Meses" : "Months", data: data.points, backgroundColor: "#23407a", pointRadius: 2 },
          { type: "line", label: es ? "Pendiente ajustada" : "Fitted slope", borderColor: "#b3261e",
            pointRadius: 0, data: [{ x: low, y: data.slope * low }, { x: high, y: data.slope * high }] }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } },
                 scales: { x: { title: { display: true, text: data.x_label } },
                           y: { title: { display: true, text: data.y_label } } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-scatter]"), scatter);
    draw("trend-chart", "trend-data", [
      { key: "actual", label: document.documentElement.lang === "es" ? "Real" : "Actual", color: "#23407a" },
      { key: "target", label: document.documentElement.lang === "es" ? "Objetivo" : "Target", color: "#b3261e", dash: [6, 4] }
    ]);
    draw("cost-chart", "cost-data", [
      { key: "cost", label: document.documentElement.lang === "es" ? "Coste de no mejorar" : "Cost of not improving", color: "#b3261e" }
    ]);
  });
})();
