// Statistics page: draws each chart from the table that follows it (the table is the text alternative
// and the single source of the figures). A click on a bar or a point opens the conversations behind it,
// like the links of the table rows. Chart.js 4 is served by the console (no CDN).
"use strict";
(function () {
  if (typeof Chart === "undefined") return; // the tables alone still carry every figure

  // DSFR illustrative colours, one per series; the categories keep the same colour on every chart. Each one is
  // at least 3:1 against the white background (RGAA 3.3); the lines of a chart also differ by their points and
  // dashes, never by colour alone (RGAA 3.1).
  const PALETTE = ["#000091", "#009081", "#716043", "#ce0500", "#6a6af4", "#666666", "#a558a0", "#18753c"];
  const CATEGORY_COLOURS = {
    faq: "#009081", followup: "#18753c", scope: "#6a6af4", declined: "#716043", off_topic: "#666666",
    handoff: "#ce0500", other: "#000091",
  };
  const POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "cross", "rectRounded"];
  const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 4], [3, 6]];

  function seriesOf(table) {
    const headers = Array.from(table.querySelectorAll("thead th"));
    return headers
      .map((th, index) => ({ th, index }))
      .filter(({ th }) => th.dataset.series !== undefined)
      .map(({ th, index }, n) => ({
        label: th.dataset.series,
        index,
        colour: CATEGORY_COLOURS[th.dataset.category] || PALETTE[n % PALETTE.length],
      }));
  }

  function draw(figure) {
    const table = figure.querySelector("table.stats-table");
    const canvas = figure.querySelector("canvas");
    if (!table || !canvas) return;
    const rows = Array.from(table.querySelectorAll("tbody tr[data-label]"));
    if (!rows.length) { canvas.parentElement.hidden = true; return; }
    const kind = figure.dataset.chart;
    const percent = figure.dataset.percent === "true";
    const datasets = seriesOf(table).map((series, n) => {
      const values = rows.map((row) => {
        const cell = row.children[series.index];
        const raw = cell ? cell.dataset.value : "";
        return raw === "" || raw === undefined ? null : Number(raw);
      });
      const single = kind !== "line";
      const colours = rows.map((row) => CATEGORY_COLOURS[row.dataset.category] || series.colour);
      return {
        label: series.label,
        data: values,
        backgroundColor: single ? colours : series.colour,
        borderColor: single ? colours : series.colour,
        borderWidth: kind === "line" ? 2 : 0,
        pointStyle: POINT_STYLES[n % POINT_STYLES.length],
        pointRadius: kind === "line" ? 4 : undefined,
        borderDash: kind === "line" ? DASHES[n % DASHES.length] : undefined,
        maxBarThickness: 28,
        spanGaps: true,
      };
    });
    const chart = new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: rows.map((row) => row.dataset.label), datasets },
      options: {
        indexAxis: kind === "hbar" ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1, labels: { usePointStyle: true, color: "#3a3a3a" } },
          tooltip: {
            callbacks: percent ? { label: (ctx) => ctx.dataset.label + " : " + ctx.formattedValue + " %" } : {},
          },
        },
        scales: {
          [kind === "hbar" ? "x" : "y"]: {
            beginAtZero: true,
            ticks: { precision: 0, callback: percent ? (v) => v + " %" : undefined },
            max: percent ? 100 : undefined,
          },
        },
        onHover: (event, elements) => { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
        onClick: (_event, elements) => {
          if (!elements.length) return;
          const row = rows[elements[0].index];
          if (row && row.dataset.href) window.location.assign(row.dataset.href);
        },
      },
    });
    figure.chart = chart;
  }

  document.querySelectorAll("figure.stats-figure[data-chart]").forEach(draw);
})();
