/* The budget execution chart: one horizontal bar group per instrument (budget, committed, paid, 万元),
   drawn from the JSON the page embeds (#budget-data). No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var data = document.getElementById("budget-data");
  var box = document.getElementById("budget-chart");
  if (!data || !box || !window.echarts) { return; }
  var chart = JSON.parse(data.textContent);
  var names = chart.names.map(function (n) { return n.length > 12 ? n.slice(0, 12) + "…" : n; });
  box.style.height = Math.max(260, 70 * names.length + 80) + "px";
  var narrow = box.clientWidth < 520;  // a phone: shorter names, fewer ticks
  var view = window.echarts.init(box, null, { renderer: "svg" });
  view.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + " 万元"; } },
    legend: { top: 0, data: ["预算", "已审定", "已拨付"] },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: "万元", nameLocation: "end", splitNumber: narrow ? 2 : 5,
             axisLabel: { hideOverlap: true } },
    yAxis: { type: "category", data: names, inverse: true,
             axisLabel: { width: narrow ? 76 : 140, overflow: "break", lineHeight: 14 } },
    series: [
      { name: "预算", type: "bar", data: chart.budget, itemStyle: { color: "#b8c4d6" } },
      { name: "已审定", type: "bar", data: chart.committed, itemStyle: { color: "#1d4f91" } },
      { name: "已拨付", type: "bar", data: chart.paid, itemStyle: { color: "#2e7d32" } }
    ]
  });
  window.addEventListener("resize", function () { view.resize(); });
}());
