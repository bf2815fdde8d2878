/* Trajectory charts of the cockpit: one ECharts line chart per target, drawn from the JSON the page
   embeds (#cockpit-data, the same list as GET /api/v1/cockpit). No inline script: the CSP forbids it. */
(function () {
  "use strict";

  var STATUS_COLOURS = {
    green: "#2e7d32", amber: "#b26a00", red: "#b3261e", deteriorating: "#6a1b9a", no_data: "#5f6b7a"
  };

  function round(value) { return Math.round(value * 100) / 100; }

  function option(item) {
    var points = item.trajectory || [];
    var labels = points.map(function (p) { return p.label; });
    var expected = points.map(function (p) { return p.expected; });
    var actual = points.map(function (p) { return p.actual; });
    var last = points.length - 1;
    var lastActual = -1;
    actual.forEach(function (v, i) { if (v !== null && v !== undefined) { lastActual = i; } });
    var forecast = points.map(function () { return null; });
    var bandLow = forecast.slice(), bandWidth = forecast.slice();
    var end = points[last] || {};
    if (end.forecast !== undefined && end.forecast !== null && lastActual >= 0 && lastActual < last) {
      // a fan from the last actual to the interval at the deadline (no gaps: stacked series need values)
      var from = actual[lastActual];
      for (var i = lastActual; i <= last; i += 1) {
        var t = (i - lastActual) / (last - lastActual);
        forecast[i] = round(from + (end.forecast - from) * t);
        bandLow[i] = round(from + (end.forecast_low - from) * t);
        bandWidth[i] = round((end.forecast_high - end.forecast_low) * t);
      }
    }
    var colour = STATUS_COLOURS[item.status] || STATUS_COLOURS.no_data;
    var unit = item.unit || "";
    var series = [
      { name: "计划路径", type: "line", data: expected, connectNulls: true, symbol: "none",
        lineStyle: { type: "dashed", color: "#8795a8" }, itemStyle: { color: "#8795a8" },
        markLine: item.target === null ? undefined : {
          silent: true, symbol: "none", lineStyle: { color: "#1d4f91", type: "solid", width: 1 },
          label: { formatter: "目标 " + item.target + unit, position: "insideEndTop" },
          data: [{ yAxis: item.target }]
        } },
      { name: "实际", type: "line", data: actual, connectNulls: true, symbolSize: 6,
        lineStyle: { color: colour, width: 2 }, itemStyle: { color: colour } },
      { name: "预测", type: "line", data: forecast, connectNulls: true, symbol: "emptyCircle",
        lineStyle: { type: "dotted", color: colour }, itemStyle: { color: colour } },
      { name: "区间下限", type: "line", data: bandLow, stack: "band", connectNulls: true, symbol: "none",
        lineStyle: { opacity: 0 }, tooltip: { show: false } },
      { name: "80%区间", type: "line", data: bandWidth, stack: "band", connectNulls: true, symbol: "none",
        lineStyle: { opacity: 0 }, areaStyle: { color: colour, opacity: 0.15 }, tooltip: { show: false } }
    ];
    return {
      animation: false,
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      legend: { data: ["计划路径", "实际", "预测"], top: 0, itemWidth: 16, textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: "axis",
        formatter: function (params) {
          var lines = [params[0].axisValue];
          params.forEach(function (p) {
            if (p.value === null || p.value === undefined || p.seriesName.indexOf("区间") >= 0) { return; }
            lines.push(p.marker + p.seriesName + "：" + p.value + unit);
          });
          if (params[0].dataIndex === last && end.forecast_low !== undefined) {
            lines.push("80%区间：" + end.forecast_low + "–" + end.forecast_high + unit);
          }
          return lines.join("<br>");
        }
      },
      xAxis: { type: "category", data: labels, boundaryGap: false, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", scale: true, axisLabel: { fontSize: 11 } },
      series: series
    };
  }

  function draw() {
    var source = document.getElementById("cockpit-data");
    if (!source || !window.echarts) { return; }
    var items = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (figure) {
      var item = items[Number(figure.getAttribute("data-chart"))];
      var box = figure.querySelector(".trajectory-chart");
      if (!item || !box || !(item.trajectory || []).length) { return; }
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option(item));
      box.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
