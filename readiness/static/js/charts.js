// Results charts: draws every chart container with Plotly (static/vendor/plotly/plotly.min.js).
// A progressive enhancement: each chart's text alternative and data table are already on the
// page (templates/assessments/_chart.html), so without JavaScript or Plotly nothing is lost.
// The figures come from json_script elements: no inline script, a strict CSP holds.
(function () {
  "use strict";

  // No mode bar (its buttons would be keyboard stops in an aria-hidden chart), no logo;
  // responsive: the chart follows its container down to a 320 px wide screen.
  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

  function draw(container) {
    var source = document.getElementById(container.dataset.chartFigure);
    if (!source) return;
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    // Before drawing: the CSS sizes charted containers (app.css), and Plotly reads that size.
    container.classList.add("is-charted");
    window.Plotly.newPlot(container, figure.data, figure.layout, CONFIG).then(
      function () { container.classList.add("is-drawn"); },
      function () { container.classList.add("is-failed"); }
    );
  }

  function drawAll() {
    if (!window.Plotly) return; // plotly.js did not load: the tables stand alone
    document.querySelectorAll("[data-chart-figure]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
