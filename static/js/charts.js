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
  document.addEventListener("DOMContentLoaded", function () {
    draw("trend-chart", "trend-data", [
      { key: "actual", label: document.documentElement.lang === "es" ? "Real" : "Actual", color: "#23407a" },
      { key: "target", label: document.documentElement.lang === "es" ? "Objetivo" : "Target", color: "#b3261e", dash: [6, 4] }
    ]);
    draw("cost-chart", "cost-data", [
      { key: "cost", label: document.documentElement.lang === "es" ? "Coste de no mejorar" : "Cost of not improving", color: "#b3261e" }
    ]);
  });
})();
