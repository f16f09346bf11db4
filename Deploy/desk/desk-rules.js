// Rule ids → the regulation and article behind them (articles.json is the one table).
(function () {
  "use strict";
  var Desk = window.Desk;
  var table = { documents: [], rules: {} };

  Desk.loadArticles = function () {
    return fetch("/articles.json", { cache: "no-store" }).then(function (response) {
      if (!response.ok) { throw new Error("articles.json：HTTP " + response.status); }
      return response.json();
    }).then(function (loaded) { table = loaded; });
  };

  // 1 → 一, 12 → 十二, 25 → 二十五 (articles and items stay under 100).
  function chineseNumber(number) {
    var digits = "零一二三四五六七八九";
    if (number < 10) { return digits[number]; }
    if (number < 20) { return "十" + (number % 10 ? digits[number % 10] : ""); }
    if (number < 100) { return digits[Math.floor(number / 10)] + "十" + (number % 10 ? digits[number % 10] : ""); }
    return String(number);
  }

  // The document a rule id belongs to (the longest matching prefix).
  function documentOf(id) {
    var found = null;
    table.documents.forEach(function (document) {
      if ((id === document.prefix || id.indexOf(document.prefix + "-") === 0) && (!found || document.prefix.length > found.prefix.length)) {
        found = document;
      }
    });
    return found;
  }

  // The Chinese citation of a rule id: 《信用修复管理办法》第十二条, 《…》第八条第（二）项, or
  // the rule's description; null when the id is unknown.
  Desk.article = function (id) {
    if (!id) { return null; }
    if (table.rules[id]) { return table.rules[id]; }
    var document = documentOf(id);
    if (!document) { return null; }
    var match = /-art(\d+)(?:-(\d+))?(?:-|$)/.exec(id.slice(document.prefix.length));
    if (!match) { return document.title; }
    var text = document.title + "第" + chineseNumber(Number(match[1])) + "条";
    if (match[2]) { text += "第（" + chineseNumber(Number(match[2])) + "）项"; }
    return text;
  };

  // A cell listing rule ids with their citations: "ndrc-36-art12-general 《…》第十二条".
  Desk.rulesCell = function (ids) {
    var unique = [];
    // A deadline may rest on several steps at once: "ndrc-36-art18-forward-1wd + ndrc-36-art18-check-7wd".
    (ids || []).forEach(function (joined) {
      String(joined || "").split(/\s*\+\s*/).forEach(function (id) { if (id && unique.indexOf(id) < 0) { unique.push(id); } });
    });
    if (unique.length === 0) { return "—"; }
    var list = Desk.el("ul", { className: "rules" });
    unique.forEach(function (id) {
      var citation = Desk.article(id);
      list.appendChild(Desk.el("li", {}, citation ? Desk.el("span", { className: "article" }, citation) : null,
        Desk.el("code", { className: "rule-id" }, id)));
    });
    return list;
  };
})();
