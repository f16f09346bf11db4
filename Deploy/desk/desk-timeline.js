// The SVG timeline: one row per record, listing and ban; a bar per channel for the days it is
// shown; a vertical line at the state's day.
(function () {
  "use strict";
  var Desk = window.Desk;
  var svgNamespace = "http://www.w3.org/2000/svg";
  var colours = { creditchina: "#2a5db0", gsxt: "#2f7d4a", list: "#b22222", red: "#c98500", ban: "#333333" };
  var labelWidth = 300;
  var rowHeight = 30;
  var top = 34;

  function svg(name, attributes, text) {
    var node = document.createElementNS(svgNamespace, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function dayNumber(day) {
    if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) { return null; }
    return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86400000;
  }

  // Shortens a label to about `width` columns (CJK counts two).
  function shorten(text, width) {
    var columns = 0;
    var out = "";
    for (var index = 0; index < text.length; index += 1) {
      var character = text[index];
      columns += /[\u2e80-\u9fff\uff00-\uff60]/.test(character) ? 2 : 1;
      if (columns > width) { return out + "…"; }
      out += character;
    }
    return out;
  }

  // rows: [{label, bars: [{from, until, colour: "creditchina"|"gsxt"|"list"|"red"|"ban", text}]}]
  Desk.timeline = function (container, rows, at) {
    Desk.clear(container);
    var width = Math.max(container.clientWidth || 0, 900);
    var atDay = dayNumber(at);
    var today = dayNumber(Desk.today());
    var first = atDay;
    var last = atDay;
    rows.forEach(function (row) {
      row.bars.forEach(function (bar) {
        var from = dayNumber(bar.from);
        var until = dayNumber(bar.until);
        if (from !== null) { first = Math.min(first, from); last = Math.max(last, from); }
        if (until !== null) { last = Math.max(last, until); }
        else if (from !== null) { last = Math.max(last, today, atDay); }
      });
    });
    var firstYear = new Date(first * 86400000).getUTCFullYear();
    var lastYear = new Date(last * 86400000).getUTCFullYear() + 1;
    var start = Date.UTC(firstYear, 0, 1) / 86400000;
    var end = Date.UTC(lastYear, 0, 1) / 86400000;
    var plotWidth = width - labelWidth - 16;
    function x(day) { return labelWidth + plotWidth * (Math.min(Math.max(day, start), end) - start) / (end - start); }

    var height = top + Math.max(rows.length, 1) * rowHeight + 40;
    var chart = svg("svg", {
      xmlns: svgNamespace, width: String(width), height: String(height), viewBox: "0 0 " + width + " " + height,
      role: "img", "aria-label": "公示时间轴：每行一条记录、名单或禁入，蓝色为信用中国，绿色为国家企业信用信息公示系统", class: "timeline-svg"
    });
    chart.appendChild(svg("title", {}, "公示时间轴"));

    // Years: a line and the year at each 1 January (every other year when crowded).
    var step = (lastYear - firstYear) > 14 ? 2 : 1;
    for (var year = firstYear; year <= lastYear; year += step) {
      var position = x(Date.UTC(year, 0, 1) / 86400000);
      chart.appendChild(svg("line", { x1: position, y1: top - 8, x2: position, y2: height - 34, class: "tick" }));
      if (year < lastYear) { chart.appendChild(svg("text", { x: position + 3, y: top - 12, class: "tick-label" }, String(year))); }
    }

    if (rows.length === 0) {
      chart.appendChild(svg("text", { x: labelWidth, y: top + 18, class: "row-label" }, "无记录、名单或禁入"));
    }
    rows.forEach(function (row, index) {
      var y = top + index * rowHeight;
      if (index % 2 === 1) { chart.appendChild(svg("rect", { x: 0, y: y, width: width, height: rowHeight, class: "band" })); }
      var label = svg("text", { x: 6, y: y + rowHeight / 2 + 5, class: "row-label" }, shorten(row.label, 40));
      label.appendChild(svg("title", {}, row.label));
      chart.appendChild(label);
      var bars = row.bars.filter(function (bar) { return dayNumber(bar.from) !== null; });
      bars.forEach(function (bar, barIndex) {
        var from = dayNumber(bar.from);
        var until = dayNumber(bar.until);
        var open = until === null;
        if (open) { until = end; }
        var barHeight = (rowHeight - 8) / Math.max(bars.length, 1);
        var rect = svg("rect", {
          x: x(from), y: y + 4 + barIndex * barHeight, width: Math.max(2, x(until + (open ? 0 : 1)) - x(from)), height: barHeight - 1,
          fill: colours[bar.colour] || "#777", class: open ? "bar open" : "bar"
        });
        rect.appendChild(svg("title", {}, bar.text));
        chart.appendChild(rect);
      });
    });

    // The state's day.
    if (atDay !== null) {
      var atX = x(atDay);
      chart.appendChild(svg("line", { x1: atX, y1: top - 4, x2: atX, y2: height - 34, class: "at-line" }));
      chart.appendChild(svg("text", { x: atX + 4, y: height - 22, class: "at-label" }, "状态日期 " + at));
    }

    // Legend.
    var legend = [["creditchina", "信用中国"], ["gsxt", "国家企业信用信息公示系统"], ["list", "失信名单、经营异常名录"], ["red", "红名单"], ["ban", "市场禁入"]];
    var legendX = labelWidth;
    legend.forEach(function (entry) {
      chart.appendChild(svg("rect", { x: legendX, y: height - 13, width: 12, height: 10, fill: colours[entry[0]] }));
      chart.appendChild(svg("text", { x: legendX + 16, y: height - 4, class: "legend" }, entry[1]));
      legendX += 32 + entry[1].length * 13;
    });
    container.appendChild(chart);
  };
})();
