// The desk's conversation with its server: the token, the read ops forwarded to the daemon,
// the label tables and a few helpers shared by the other scripts.
var Desk = window.Desk || {};
window.Desk = Desk;

(function () {
  "use strict";

  // The token comes once in the address; it is kept for this tab only and taken out of the
  // address bar (and so out of the history and of anything printed).
  function takeToken() {
    var params = new URLSearchParams(window.location.search);
    var token = params.get("token");
    if (token) {
      try { window.sessionStorage.setItem("desk-token", token); } catch (error) { /* private mode */ }
      window.history.replaceState(null, "", window.location.pathname);
      return token;
    }
    try { return window.sessionStorage.getItem("desk-token"); } catch (error) { return null; }
  }

  var token = takeToken();

  Desk.token = function () { return token; };

  // One daemon request through POST /api/call; resolves with the answer line ({ok, result}
  // or {ok: false, error}); rejects only when there is no answer at all.
  Desk.call = function (request) {
    return fetch("/api/call", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Desk-Token": token || "" },
      body: JSON.stringify(request),
      cache: "no-store",
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: { code: "bad_answer", message: "HTTP " + response.status } };
      });
    });
  };

  Desk.getJSON = function (path) {
    return fetch(path, { headers: { "X-Desk-Token": token || "" }, cache: "no-store", credentials: "omit" }).then(function (response) {
      if (!response.ok) { throw new Error(path + "：HTTP " + response.status); }
      return response.json();
    });
  };

  // The address of the report page (an iframe cannot send headers: the token rides along).
  Desk.reportURL = function (entity, from, to) {
    var params = new URLSearchParams({ entity: entity, from: from, to: to, token: token || "" });
    return "/api/report?" + params.toString();
  };

  // Chinese messages for the daemon's error codes; the daemon's own message follows.
  var errorNames = {
    missing_field: "缺少必填项", invalid_field: "参数不正确", invalid_entity: "代码无效", not_found: "未找到",
    forbidden: "无权限", unknown_op: "守护进程不支持该操作", unavailable: "守护进程暂不可用", too_large: "结果过大",
    cannot_connect: "无法连接守护进程", connection_lost: "连接中断", changed: "数据在分页读取期间发生变化，请重试",
    token_required: "缺少访问令牌", token_mismatch: "访问令牌不正确", bad_answer: "无法读取的应答", internal: "守护进程内部错误"
  };

  Desk.errorText = function (error) {
    if (!error) { return "未知错误"; }
    var name = errorNames[error.code] || error.code;
    var field = error.field ? "（" + error.field + "）" : "";
    return name + field + (error.message ? "：" + error.message : "");
  };

  // Label tables from the server (creditctl's Labels), filled in at start.
  Desk.labels = {};
  Desk.label = function (table, code) {
    if (code === null || code === undefined || code === "") { return "—"; }
    var labels = Desk.labels[table] || {};
    return labels[code] || code;
  };

  Desk.channels = function () {
    return Desk.labels.channelOrder || ["creditchina", "gsxt"];
  };

  // Days in China time (UTC+8), as YYYY-MM-DD.
  Desk.chinaDay = function (instant) {
    var date = instant instanceof Date ? instant : new Date(instant);
    return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  };
  Desk.today = function () { return Desk.chinaDay(new Date()); };
  Desk.chinaTime = function (instant) {
    return new Date(new Date(instant).getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
  };
  // The end of a China-time day as an RFC 3339 instant: everything recorded by its close.
  Desk.endOfDay = function (day) { return day + "T23:59:59.999+08:00"; };
  Desk.addYears = function (day, years) {
    return String(Number(day.slice(0, 4)) + years).padStart(4, "0") + day.slice(4);
  };

  // Builds an element: el("td", {className: "x"}, "text", child…).
  Desk.el = function (name, properties) {
    var node = document.createElement(name);
    var key;
    for (key in properties || {}) {
      if (Object.prototype.hasOwnProperty.call(properties, key)) {
        if (key === "dataset") { Object.assign(node.dataset, properties[key]); }
        else if (key.indexOf("aria-") === 0 || key === "role" || key === "scope" || key === "for") { node.setAttribute(key, properties[key]); }
        else { node[key] = properties[key]; }
      }
    }
    for (var index = 2; index < arguments.length; index += 1) {
      var child = arguments[index];
      if (child === null || child === undefined) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  };

  Desk.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; };

  // A table with a caption, header cells and rows of cells (strings or nodes); "无" when empty.
  Desk.table = function (caption, headers, rows, emptyText) {
    var wrapper = Desk.el("div", { className: "section" });
    wrapper.appendChild(Desk.el("h3", {}, caption + "（" + rows.length + "）"));
    if (rows.length === 0) {
      wrapper.appendChild(Desk.el("p", { className: "empty" }, emptyText || "无"));
      return wrapper;
    }
    var table = Desk.el("table", { className: "data" });
    var head = Desk.el("tr");
    headers.forEach(function (header) { head.appendChild(Desk.el("th", { scope: "col" }, header)); });
    table.appendChild(Desk.el("thead", {}, head));
    var body = Desk.el("tbody");
    rows.forEach(function (row) {
      var line = Desk.el("tr", row.className ? { className: row.className } : {});
      (row.cells || row).forEach(function (cell) {
        line.appendChild(Desk.el("td", {}, cell));
      });
      body.appendChild(line);
    });
    table.appendChild(body);
    wrapper.appendChild(table);
    return wrapper;
  };
})();
