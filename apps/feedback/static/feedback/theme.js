// The theme page's weekly counts with the spike threshold; the same numbers are in the table.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("theme-chart");
    var source = document.getElementById("theme-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var es = document.documentElement.lang === "es";
    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: es ? "Elementos" : "Items", data: data.count, backgroundColor: "#23407a" },
          { type: "line", label: es ? "Umbral de pico (2× media)" : "Spike threshold (2× mean)", data: data.threshold,
            borderColor: "#b3261e", borderDash: [6, 4], pointRadius: 0, fill: false }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 locale: document.documentElement.lang || "en",
                 plugins: { legend: { position: "bottom" } } }
    });
  });
})();
