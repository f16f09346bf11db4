// The desk's views: 查询 (look up), 状态 (state on a day as known at a moment), 对比 (two
// moments side by side) and 打印报告 (the printable report). Audited reads (status, history,
// find) are sent only with the purpose entered at the top; without it only public data.
(function () {
  "use strict";
  var Desk = window.Desk;
  var el = Desk.el;
  var $ = function (id) { return document.getElementById(id); };

  // A USCC or a resident ID number: 18 characters of digits and capitals (the daemon checks more).
  var codePattern = /^[0-9A-Z]{18}$/;
  var publicNotice = "填写查询用途后可查看非公开信息（将记入访问日志）";
  var minimumPurposeLength = 2;

  var state = {
    entity: null,
    events: [],      // the entity's history (auditors): [{seq, recordedAt, kind, occurredOn, eventId}]
    knownAt: null    // null: everything recorded; a seq or an RFC 3339 instant otherwise
  };

  function purpose() {
    var text = $("purpose").value.trim();
    return text.length >= minimumPurposeLength ? text : null;
  }

  function say(text) { $("message").textContent = text || ""; }

  function updatePurposeNote() {
    $("purpose-note").textContent = purpose()
      ? "查询用途将随每次非公开查询记入守护进程的访问日志。"
      : publicNotice;
    $("purpose-note").className = purpose() ? "note" : "note attention";
    var known = !!purpose();
    $("known-day").disabled = !known;
    $("known-seq").disabled = !known || state.events.length === 0;
    $("known-latest").disabled = !known;
  }

  // Tabs: buttons, each reached by Tab; the arrow keys also move between them.
  var tabs = ["lookup", "state", "compare", "report"];
  function show(view) {
    tabs.forEach(function (name) {
      var selected = name === view;
      $("tab-" + name).setAttribute("aria-selected", selected ? "true" : "false");
      $("view-" + name).hidden = !selected;
    });
  }
  function setUpTabs() {
    tabs.forEach(function (name, index) {
      var tab = $("tab-" + name);
      tab.addEventListener("click", function () { openView(name); });
      tab.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) { return; }
        event.preventDefault();
        var next = tabs[(index + step + tabs.length) % tabs.length];
        openView(next);
        $("tab-" + next).focus();
      });
    });
  }

  function openView(name) {
    show(name);
    if (name === "state" && state.entity) { loadState(); }
    if (name === "compare" && state.entity && !$("compare-day").value) { $("compare-day").value = $("at").value; }
  }

  // ---- 查询 ----

  function lookUp(event) {
    event.preventDefault();
    say("");
    var text = $("entity").value.trim();
    Desk.clear($("matches"));
    $("lookup-note").textContent = "";
    if (!text) { $("lookup-note").textContent = "请输入统一社会信用代码、身份证号或名称。"; return; }
    if (codePattern.test(text.toUpperCase())) { choose(text.toUpperCase(), null); return; }
    if (!purpose()) {
      $("lookup-note").textContent = "按名称查找是非公开查询：请先填写查询用途（将记入访问日志），或直接输入统一社会信用代码、身份证号。";
      $("purpose").focus();
      return;
    }
    $("lookup-note").textContent = "正在按名称查找……";
    Desk.call({ op: "find", name: text, limit: 20, purpose: purpose() }).then(function (answer) {
      if (!answer.ok) {
        $("lookup-note").textContent = answer.error && answer.error.code === "unknown_op"
          ? "按名称查找暂不可用：守护进程尚不支持名称查询（find）。请输入统一社会信用代码或身份证号。"
          : "查找失败：" + Desk.errorText(answer.error);
        return;
      }
      var found = answer.result.entities || [];
      $("lookup-note").textContent = found.length
        ? "找到 " + found.length + " 个主体" + (answer.result.more ? "（还有更多，请输入更完整的名称）" : "") + "：用 Tab 或方向键选择，回车确认。"
        : "没有名称包含“" + text + "”的主体。";
      found.forEach(function (match, index) {
        var button = el("button", { type: "button", className: "match", dataset: { index: String(index) } },
          el("strong", {}, match.name || "—"), " ", el("code", {}, match.entity), " ", el("span", { className: "kind" }, Desk.label("entityKinds", match.entityKind)));
        button.addEventListener("click", function () { choose(match.entity, match.name); });
        button.addEventListener("keydown", function (keyEvent) { moveInList(keyEvent, button); });
        $("matches").appendChild(el("li", {}, button));
      });
      var first = $("matches").querySelector("button");
      if (first) { first.focus(); }
    }, function (error) { $("lookup-note").textContent = "查找失败：" + error.message; });
  }

  function moveInList(event, button) {
    var buttons = Array.prototype.slice.call($("matches").querySelectorAll("button"));
    var index = buttons.indexOf(button);
    if (event.key === "ArrowDown" && index < buttons.length - 1) { event.preventDefault(); buttons[index + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? buttons[index - 1] : $("entity")).focus(); }
  }

  function choose(entity, name) {
    state.entity = entity;
    state.events = [];
    state.knownAt = null;
    $("entity-line").textContent = "当前主体：" + entity + (name ? "　" + name : "");
    $("report-frame").hidden = true;
    $("report-print").disabled = true;
    show("state");
    loadHistory().then(loadState);
  }

  // ---- 状态 ----

  // The entity's events for the knownAt slider (history is an audited read: with a purpose only).
  function loadHistory() {
    var slider = $("known-seq");
    if (!purpose()) {
      state.events = [];
      slider.min = "1"; slider.max = "1"; slider.value = "1";
      $("known-seq-text").textContent = "填写查询用途后可按事件选择";
      updatePurposeNote();
      return Promise.resolve();
    }
    return Desk.call({ op: "history", entity: state.entity, purpose: purpose() }).then(function (answer) {
      if (!answer.ok) { say("无法读取事件历史：" + Desk.errorText(answer.error)); state.events = []; return; }
      state.events = (answer.result.events || []).map(function (event) {
        return { seq: event.seq, recordedAt: event.recordedAt, kind: event.kind, occurredOn: event.occurredOn, eventId: event.eventId };
      });
      slider.min = "1";
      slider.max = String(Math.max(state.events.length, 1));
      slider.value = slider.max;
      describeSlider();
      updatePurposeNote();
    });
  }

  function describeSlider() {
    var index = Number($("known-seq").value) - 1;
    var event = state.events[index];
    if (!event) { $("known-seq-text").textContent = "该主体没有事件"; return; }
    $("known-seq-text").textContent = "第 " + (index + 1) + " / " + state.events.length + " 个事件：seq " + event.seq + "，记录于 " +
      Desk.chinaTime(event.recordedAt) + "（" + Desk.label("kinds", event.kind) + "，" + event.occurredOn + "）";
  }

  // While the slider moves only its text follows; the state is read when it settles (each
  // read is an audited one, recorded in the access log: one per position chosen, not per pixel).
  function sliderMoved(settled) {
    var index = Number($("known-seq").value) - 1;
    var event = state.events[index];
    if (!event) { return; }
    state.knownAt = index === state.events.length - 1 ? null : event.seq;
    $("known-day").value = Desk.chinaDay(event.recordedAt);
    describeSlider();
    if (settled) { loadState(); }
  }

  function knownDayChosen() {
    var day = $("known-day").value;
    if (!day) { state.knownAt = null; loadState(); return; }
    state.knownAt = Desk.endOfDay(day);
    // The slider follows: the last of the entity's events recorded by the end of that day.
    var limit = new Date(state.knownAt).getTime();
    var position = 0;
    state.events.forEach(function (event, index) { if (new Date(event.recordedAt).getTime() <= limit) { position = index + 1; } });
    $("known-seq").value = String(Math.max(position, 1));
    if (position === 0) { $("known-seq-text").textContent = "该日结束时账本中尚无该主体的事件"; } else { describeSlider(); }
    loadState();
  }

  var stateRequest = 0;
  function loadState() {
    if (!state.entity) { return Promise.resolve(); }
    var at = $("at").value || Desk.today();
    var ticket = stateRequest += 1;
    say("");
    var loading;
    if (purpose()) {
      var request = { op: "status", entity: state.entity, at: at, purpose: purpose() };
      if (state.knownAt !== null) { request.knownAt = state.knownAt; }
      $("state-notice").textContent = "非公开查询（已记入访问日志，用途：" + purpose() + "）。" +
        (state.knownAt === null ? "依现在所知。" : "数据截至 " + (typeof state.knownAt === "number" ? "seq " + state.knownAt : state.knownAt) + "。");
      $("state-notice").className = "notice";
      loading = Desk.call(request).then(function (answer) {
        if (!answer.ok) { throw new Error(Desk.errorText(answer.error)); }
        return Desk.modelFromStatus(answer.result);
      });
    } else {
      $("state-notice").textContent = publicNotice + "。当前仅显示公开信息：各公示渠道在该日公示的内容。";
      $("state-notice").className = "notice attention";
      loading = Promise.all(Desk.channels().map(function (channel) {
        return Desk.call({ op: "display", entity: state.entity, at: at, channel: channel });
      })).then(function (answers) {
        var failed = answers.filter(function (answer) { return !answer.ok; })[0];
        if (failed) { throw new Error(Desk.errorText(failed.error)); }
        return Desk.modelFromDisplays(answers.map(function (answer) { return answer.result; }));
      });
    }
    return loading.then(function (model) {
      if (ticket !== stateRequest) { return; }
      if (model.name) { $("entity-line").textContent = "当前主体：" + model.entity + "　" + model.name; }
      Desk.renderState(model, $("state-facts"), $("state-tables"), $("timeline"));
      $("view-state").dataset.loaded = model.source + "|" + model.at + "|" + (model.knownAt || "");
    }, function (error) {
      if (ticket !== stateRequest) { return; }
      say("无法读取状态：" + error.message);
    });
  }

  // ---- 对比 ----

  function compare(event) {
    event.preventDefault();
    say("");
    if (!state.entity) { say("请先在“查询”中选择主体。"); return; }
    var day = $("compare-day").value || $("at").value || Desk.today();
    $("compare-then-title").textContent = "当时公众所见（" + day + "，按当日所知）";
    $("compare-now-title").textContent = "依现在所知，" + day + " 日应当公示的内容";
    var now;
    var then;
    if (purpose()) {
      then = Desk.call({ op: "status", entity: state.entity, at: day, knownAt: Desk.endOfDay(day), purpose: purpose() });
      now = Desk.call({ op: "status", entity: state.entity, at: day, purpose: purpose() });
    } else {
      then = Promise.resolve(null);
      now = Promise.all(Desk.channels().map(function (channel) {
        return Desk.call({ op: "display", entity: state.entity, at: day, channel: channel });
      }));
    }
    Promise.all([then, now]).then(function (answers) {
      var thenModel = null;
      var nowModel;
      if (answers[0]) {
        if (!answers[0].ok) { throw new Error(Desk.errorText(answers[0].error)); }
        if (!answers[1].ok) { throw new Error(Desk.errorText(answers[1].error)); }
        thenModel = Desk.modelFromStatus(answers[0].result);
        nowModel = Desk.modelFromStatus(answers[1].result);
      } else {
        var failed = answers[1].filter(function (answer) { return !answer.ok; })[0];
        if (failed) { throw new Error(Desk.errorText(failed.error)); }
        nowModel = Desk.modelFromDisplays(answers[1].map(function (answer) { return answer.result; }));
        Desk.clear($("compare-then")).appendChild(el("p", { className: "notice attention" },
          "“当时所知”需要读取账本历史，属于非公开查询。" + publicNotice + "。"));
      }
      var differences = Desk.renderCompare(thenModel, nowModel, $("compare-then"), $("compare-now"));
      var limit = new Date(Desk.endOfDay(day)).getTime();
      var knownThen = state.events.filter(function (known) { return new Date(known.recordedAt).getTime() <= limit; }).length;
      if (thenModel && state.events.length && knownThen === 0) {
        $("compare-then").insertBefore(el("p", { className: "notice attention" }, "该日结束时，账本中尚无该主体的任何事件：其全部 " +
          state.events.length + " 个事件都在之后（" + Desk.chinaDay(state.events[0].recordedAt) + " 起）记录。"), $("compare-then").firstChild);
      }
      $("compare-summary").textContent = thenModel
        ? (differences ? "两列共有 " + differences + " 处不同（已标出）。" : "两列一致：当时公示的内容与依现在所知应当公示的内容相同。") +
          "左列依账本 seq " + thenModel.knownAt + "，右列依 seq " + nowModel.knownAt + "。"
        : "仅显示公开信息（右列）。";
    }).catch(function (error) { say("无法对比：" + error.message); });
  }

  // ---- 打印报告 ----

  function report(event) {
    event.preventDefault();
    say("");
    if (!state.entity) { say("请先在“查询”中选择主体。"); return; }
    var from = $("report-from").value;
    var to = $("report-to").value;
    if (!from || !to || from > to) { say("请选择报告期间（自 ≤ 至）。"); return; }
    var frame = $("report-frame");
    frame.hidden = false;
    $("report-note").textContent = "正在生成报告……";
    frame.onload = function () {
      $("report-note").textContent = "报告已生成（依生成时的账本位置，可重复生成相同内容）。按“打印”打印或另存为 PDF。";
      $("report-print").disabled = false;
    };
    frame.src = Desk.reportURL(state.entity, from, to);
  }

  function printReport() {
    var frame = $("report-frame");
    if (frame.hidden || !frame.contentWindow) { return; }
    frame.contentWindow.focus();
    frame.contentWindow.print();
  }

  // ---- start ----

  function start() {
    if (!Desk.token()) { say("缺少访问令牌：请使用 creditctl desk 打印的完整地址打开本页。"); return; }
    var today = Desk.today();
    $("at").value = today;
    $("at").max = "9999-12-31";
    $("report-to").value = today;
    $("report-from").value = Desk.addYears(today, -3).slice(0, 4) + "-01-01";
    setUpTabs();
    show("lookup");
    $("lookup-form").addEventListener("submit", lookUp);
    $("state-form").addEventListener("submit", function (event) { event.preventDefault(); loadState(); });
    $("at").addEventListener("change", function () { loadState(); });
    $("known-day").addEventListener("change", knownDayChosen);
    $("known-seq").addEventListener("input", function () { sliderMoved(false); });
    $("known-seq").addEventListener("change", function () { sliderMoved(true); });
    $("known-latest").addEventListener("click", function () {
      state.knownAt = null;
      $("known-day").value = "";
      $("known-seq").value = $("known-seq").max;
      describeSlider();
      loadState();
    });
    $("compare-form").addEventListener("submit", compare);
    $("report-form").addEventListener("submit", report);
    $("report-print").addEventListener("click", printReport);
    $("purpose").addEventListener("change", function () {
      updatePurposeNote();
      if (state.entity) { loadHistory().then(loadState); }
    });
    $("purpose").addEventListener("input", updatePurposeNote);
    updatePurposeNote();
    Promise.all([Desk.getJSON("/api/labels"), Desk.loadArticles()]).then(function (loaded) {
      Desk.labels = loaded[0];
    }).catch(function (error) { say("无法读取标签表：" + error.message); });
    $("entity").focus();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
