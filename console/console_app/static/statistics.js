// Statistics page: draws each chart from the table that follows it (the table is the text alternative
// and the single source of the figures). A click on a bar or a point opens the conversations behind it,
// like the links of the table rows. Chart.js 4 is served by the console (no CDN).
"use strict";
(function () {
  if (typeof Chart === "undefined") return; // the tables alone still carry every figure

  // DSFR illustrative colours, one per series; the categories keep the same colour on every chart.
  const PALETTE = ["#000091", "#009081", "#c3992a", "#ce0500", "#6a6af4", "#666666", "#e4794a", "#00a95f"];
  const CATEGORY_COLOURS = {
    faq: "#009081", followup: "#00a95f", scope: "#6a6af4", declined: "#c3992a", off_topic: "#666666", handoff: "#ce0500",
    other: "#000091",
  };

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
    const datasets = seriesOf(table).map((series) => {
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
          legend: { display: datasets.length > 1 },
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
