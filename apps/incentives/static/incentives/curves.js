// Draws each bonus component's payout curve from the JSON beside its canvas; the same
// points are in the table under it. No inline script: the page's CSP allows static files only.
(function () {
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var points = data.x.map(function (x, i) { return { x: x, y: data.y[i] }; });
    var label = document.documentElement.lang === "es" ? "Pago %" : "Payout %";
    new Chart(canvas, {
      type: "line",
      data: { datasets: [{ label: label, data: points, borderColor: "#23407a", backgroundColor: "#23407a",
                           stepped: false, tension: 0, pointRadius: 3 }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
                 locale: document.documentElement.lang || "en",
                 scales: { x: { type: "linear", reverse: !!data.reverse }, y: { beginAtZero: true } },
                 plugins: { legend: { display: false } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.payout-curve").forEach(draw);
  });
})();
