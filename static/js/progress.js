// Progress page charts (Chart.js, vendored) and the roster's clickable rows.
// The figures come from the page's #progress-charts JSON; every chart has a data table
// beside it in the page. Series differ by colour (Okabe-Ito), marker and dash pattern,
// and bars by hatching, so they stay apart for colour-blind readers and in greyscale print.
(function () {
  "use strict";

  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"];
  const MARKERS = ["circle", "triangle", "rect", "rectRot", "star", "crossRot", "cross"];
  const DASHES = [[], [6, 3], [2, 3], [10, 3, 2, 3], [1, 3], [12, 4], [4, 4]];
  const TARGET_COLOUR = "#D55E00";
  let charts = [];

  function lineStyle(index) {
    const i = index % PALETTE.length;
    return {
      borderColor: PALETTE[i], backgroundColor: PALETTE[i], pointStyle: MARKERS[i],
      borderDash: DASHES[i], pointRadius: 4, pointHoverRadius: 6, borderWidth: 2,
      spanGaps: true, tension: 0,
    };
  }

  // A hatch per dataset so grouped bars differ by more than their colour.
  function hatch(index) {
    const colour = PALETTE[index % PALETTE.length];
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const ctx = tile.getContext("2d");
    ctx.fillStyle = colour;
    ctx.globalAlpha = 0.35;
    ctx.fillRect(0, 0, 8, 8);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    const kind = index % 4;
    ctx.beginPath();
    if (kind === 0) { ctx.fillRect(0, 0, 8, 8); }
    if (kind === 1) { ctx.moveTo(0, 8); ctx.lineTo(8, 0); }
    if (kind === 2) { ctx.moveTo(0, 4); ctx.lineTo(8, 4); }
    if (kind === 3) { ctx.arc(4, 4, 1.5, 0, 2 * Math.PI); ctx.fillStyle = colour; ctx.fill(); }
    ctx.stroke();
    return ctx.createPattern(tile, "repeat");
  }

  function baseOptions(extra) {
    return Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8 } } },
    }, extra);
  }

  function altitudeAxis(names) {
    return {
      min: 0, max: names.length - 1,
      ticks: { stepSize: 1, callback: (value) => names[value] || "" },
    };
  }

  function dimensionChart(canvas, data) {
    const series = data.dimensions[Number(canvas.dataset.index)];
    if (!series) return null;
    // One graded round: pad it with an empty slot on each side, so its point sits in the
    // middle and the target still draws as a line across the chart.
    const single = series.labels.length === 1;
    const labels = single ? ["", series.labels[0], ""] : series.labels;
    const values = single ? [null, series.values[0], null] : series.values;
    const target = labels.map(() => data.target);
    return new Chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: [
          Object.assign(lineStyle(0), { label: "Reached", data: values }),
          { label: "Target", data: target, borderColor: TARGET_COLOUR, borderDash: [6, 4],
            borderWidth: 2, pointRadius: 0, pointStyle: "line", backgroundColor: TARGET_COLOUR },
        ],
      },
      options: baseOptions({
        scales: { y: altitudeAxis(data.altitudes), x: { ticks: { maxTicksLimit: 4 } } },
        plugins: {
          legend: { labels: { usePointStyle: true, boxWidth: 6, boxHeight: 6, font: { size: 10 } } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${data.altitudes[item.raw]}` } },
        },
      }),
    });
  }

  function calibrationChart(canvas, data) {
    const c = data.calibration;
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: c.labels,
        datasets: [
          Object.assign(lineStyle(0), { label: "Level gap (self − peer)", data: c.level_gap }),
          Object.assign(lineStyle(1), { label: "Mean rubric gap", data: c.rubric_gap }),
        ],
      },
      options: baseOptions({
        scales: {
          y: { suggestedMin: -2, suggestedMax: 2, ticks: { stepSize: 1 },
               grid: { color: (ctx) => (ctx.tick && ctx.tick.value === 0 ? "#1d2330" : "#d9dee7") } },
          x: { ticks: { maxTicksLimit: 8 } },
        },
      }),
    });
  }

  function selfGradeChart(canvas, data) {
    const s = data.self_grade;
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: s.labels,
        datasets: s.series.map((series, i) => Object.assign(lineStyle(i),
          { label: series.name, data: series.values })),
      },
      options: baseOptions({
        scales: {
          y: { min: 0, max: 1, ticks: { stepSize: 0.5,
               callback: (v) => ({ 0: "no", 0.5: "partly", 1: "yes" }[v] || "") } },
          x: { ticks: { maxTicksLimit: 8 } },
        },
      }),
    });
  }

  function focusChart(canvas, data) {
    const f = data.focus;
    const labels = f.labels.map((label, i) => (f.gaps[i] ? `${label} (gap)` : label));
    return new Chart(canvas, {
      type: "bar",
      data: { labels, datasets: [{ label: "Mocks covering the area", data: f.values,
        backgroundColor: hatch(0), borderColor: PALETTE[0], borderWidth: 1 }] },
      options: baseOptions({ indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }),
    });
  }

  function typesChart(canvas, data) {
    const t = data.types;
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: t.labels,
        datasets: t.series.map((series, i) => ({
          label: series.name, data: series.values, backgroundColor: hatch(i),
          borderColor: PALETTE[i % PALETTE.length], borderWidth: 1,
        })),
      },
      options: baseOptions({
        scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } },
      }),
    });
  }

  const BUILDERS = {
    dimension: dimensionChart, calibration: calibrationChart, self_grade: selfGradeChart,
    focus: focusChart, types: typesChart,
  };

  function drawCharts() {
    charts.forEach((chart) => chart.destroy());
    charts = [];
    const source = document.getElementById("progress-charts");
    if (!source || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', sans-serif";
    Chart.defaults.color = "#1d2330";
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const build = BUILDERS[canvas.dataset.chart];
      const chart = build && build(canvas, data);
      if (chart) charts.push(chart);
    });
  }

  // Rows of the roster open the candidate's progress; the name cell holds the real link
  // for keyboards and screen readers.
  function onRosterClick(event) {
    const row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select")) return;
    window.location.assign(row.dataset.href);
  }

  function onPrintClick(event) {
    if (event.target.closest("[data-print]")) window.print();
  }

  document.addEventListener("click", onRosterClick);
  document.addEventListener("click", onPrintClick);
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.target.querySelector && event.target.querySelector("#progress-charts")) drawCharts();
  });
  window.addEventListener("beforeprint", () => charts.forEach((chart) => chart.resize()));
  window.addEventListener("afterprint", () => charts.forEach((chart) => chart.resize()));
  drawCharts();
})();
