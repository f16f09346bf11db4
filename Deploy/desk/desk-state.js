// The entity's state as tables and a timeline: from `status` (auditors, with a purpose) or
// from `display` on both channels (public data only). And the comparison of two moments.
(function () {
  "use strict";
  var Desk = window.Desk;
  var el = Desk.el;

  // What a later event did to a record (the daemon's `supersededBy[].effect`), in Chinese.
  var effects = [
    ["corrected", "已更正（更正内容适用于记录全部公示期）"], ["revoked", "已撤销（视为自始无效）"],
    ["repair granted", "信用修复"], ["repair revoked", "信用修复因欺诈被撤销"], ["listing exited", "移出名单"],
    ["shielded", "破产重整、和解期间屏蔽"], ["objection pending", "异议中（标注，继续公示）"], ["licence ended", "许可终止"],
    ["deregistered", "主体注销"]
  ];
  function effectText(effect) {
    for (var index = 0; index < effects.length; index += 1) {
      if ((effect || "").indexOf(effects[index][0]) === 0) { return effects[index][1]; }
    }
    return "被后续事件改变";
  }

  // What identifies a record for a person: its decision number, else its content.
  function what(record) {
    var body = record.body || {};
    if (record.list) { return Desk.label("lists", record.list); }
    if (record.scope) { return record.scope; }
    return body.decisionNo || body.content || body.violation || body.type || record.eventId;
  }

  // "2024-05-10 至 2025-05-10（公示期满）", "2024-05-10 起", "不公示".
  Desk.windowText = function (window) {
    if (!window || !window.from) { return "不公示"; }
    // A window cut before it began (a revocation reads as never valid): never shown.
    if (window.until && window.until < window.from) {
      return "自始不公示" + (window.endReason ? "（" + Desk.label("endReasons", window.endReason) + "）" : "");
    }
    var text = window.until ? window.from + " 至 " + window.until : window.from + " 起";
    if (window.endReason) { text += "（" + Desk.label("endReasons", window.endReason) + "）"; }
    if (window.resumed) { text += "；恢复公示 " + window.resumed.from + " 至 " + window.resumed.until; }
    return text;
  };

  // One shape for both sources. From `status`: everything, with rules. From two `display`
  // answers: what each channel shows on the day, merged by event.
  Desk.modelFromStatus = function (status) {
    var model = {
      source: "status", entity: status.entity, entityKind: status.entityKind, at: status.at, knownAt: status.knownAt,
      name: status.profile && status.profile.body ? status.profile.body.name : null,
      records: status.records || [], lists: status.lists || [], bans: status.bans || [], commitments: status.commitments || [],
      pending: status.pending || [], flags: status.flags || [], supervisionClass: status.supervisionClass, spotCheck: status.spotCheck,
      grade: status.grade, deregisteredOn: status.deregisteredOn, rulesDigest: status.basis ? status.basis.rulesDigest : null
    };
    return model;
  };

  Desk.modelFromDisplays = function (displays) {
    var byEvent = {};
    var order = [];
    var first = displays[0] || {};
    displays.forEach(function (display) {
      (display.records || []).forEach(function (record) {
        var merged = byEvent[record.eventId];
        if (!merged) {
          merged = { eventId: record.eventId, kind: record.kind, occurredOn: record.occurredOn, body: record.body, list: record.list,
            scope: record.scope, windows: {}, displayed: {}, severity: {}, underObjection: false, publicView: true };
          byEvent[record.eventId] = merged;
          order.push(record.eventId);
        }
        merged.windows[display.channel] = record.window;
        merged.displayed[display.channel] = true;
        if (record.severity) { merged.severity[display.channel] = { severity: record.severity }; }
        merged.underObjection = merged.underObjection || record.underObjection === true;
      });
    });
    return {
      source: "display", entity: first.entity, at: first.at, name: first.profile ? first.profile.name : null,
      records: order.map(function (id) { return byEvent[id]; }), lists: [], bans: [], commitments: [], pending: [], flags: []
    };
  };

  function severityCell(record) {
    var found = [];
    Desk.channels().forEach(function (channel) {
      var finding = record.severity && record.severity[channel];
      if (finding && finding.severity) { found.push([channel, Desk.label("severities", finding.severity)]); }
    });
    if (found.length === 0) { return "—"; }
    var same = found.every(function (entry) { return entry[1] === found[0][1]; });
    if (same) { return found[0][1]; }
    return found.map(function (entry) { return Desk.label("channelShortNames", entry[0]) + " " + entry[1]; }).join(" / ");
  }

  // A channel's cell: 公示中, the window, and the rules (with their articles) behind it.
  function channelCell(record, channel) {
    var window = record.windows ? record.windows[channel] : null;
    var cell = el("div", { className: "channel-cell" });
    if (record.displayed && record.displayed[channel]) { cell.appendChild(el("span", { className: "badge shown" }, "公示中")); }
    // The public view lists only what a channel shows on the day; its absence says no more than that.
    cell.appendChild(el("span", { className: "window" }, !window && record.publicView ? "该日未公示" : Desk.windowText(window)));
    if (window && window.repairableFrom) { cell.appendChild(el("span", { className: "repairable" }, "可申请修复自 " + window.repairableFrom)); }
    var rules = [];
    var finding = record.severity && record.severity[channel];
    if (finding && finding.rule) { rules.push(finding.rule); }
    ((window && window.rules) || []).forEach(function (rule) { rules.push(rule); });
    if (rules.length) { cell.appendChild(Desk.rulesCell(rules)); }
    return cell;
  }

  function remarks(record) {
    var cell = el("div", { className: "remarks" });
    if (record.underObjection) { cell.appendChild(el("span", { className: "badge warn" }, "异议中")); }
    if (record.fulfilled === true) { cell.appendChild(el("span", { className: "badge" }, "已履行")); }
    if (record.fulfilled === false) { cell.appendChild(el("span", { className: "badge" }, "未履行")); }
    (record.supersededBy || []).forEach(function (superseding) {
      cell.appendChild(el("div", { className: "superseded" }, effectText(superseding.effect) + "（由 ",
        el("code", {}, superseding.eventId), "）"));
    });
    return cell.childNodes.length ? cell : "—";
  }

  function factsTable(model) {
    var pairs = [
      ["主体", model.entity + (model.entityKind ? "（" + Desk.label("entityKinds", model.entityKind) + "）" : "")],
      ["名称", model.name || "—"],
      ["状态日期", model.at || "—"]
    ];
    if (model.source === "status") {
      pairs.push(["数据截至", "账本 seq " + model.knownAt]);
      var spot = model.spotCheck ? "，双随机抽查比例 " + model.spotCheck.ratioPercent + "%" : "";
      pairs.push(["信用风险分类", (model.supervisionClass || "—") + " 类" + spot]);
      pairs.push(["标记", model.flags.length ? model.flags.map(function (flag) { return Desk.label("flags", flag); }).join("、") : "无"]);
      if (model.deregisteredOn) { pairs.push(["注销日期", model.deregisteredOn]); }
      if (model.grade && model.grade.body) { pairs.push(["信用评价", String(model.grade.body.grade || "—")]); }
    } else {
      pairs.push(["数据范围", "仅公开信息：两个公示渠道在该日公示的内容（已按规定遮蔽个人信息）"]);
    }
    var table = el("table", { className: "facts" });
    pairs.forEach(function (pair) { table.appendChild(el("tr", {}, el("th", { scope: "row" }, pair[0]), el("td", {}, pair[1]))); });
    return table;
  }

  function recordRows(model) {
    return model.records.map(function (record) {
      var shown = Desk.channels().some(function (channel) { return record.displayed && record.displayed[channel]; });
      var superseded = (record.supersededBy || []).some(function (item) { return /^revoked/.test(item.effect || ""); });
      return {
        className: (shown ? "shown" : "") + (superseded ? " superseded-row" : ""),
        cells: [Desk.label("kinds", record.kind), record.occurredOn || "—", what(record), severityCell(record)]
          .concat(Desk.channels().map(function (channel) { return channelCell(record, channel); }))
          .concat([remarks(record), el("code", {}, record.eventId)])
      };
    });
  }

  Desk.renderState = function (model, facts, tables, timeline) {
    Desk.clear(facts).appendChild(factsTable(model));
    Desk.clear(tables);
    var channelTitles = Desk.channels().map(function (channel) { return Desk.label("channels", channel); });
    tables.appendChild(Desk.table("记录", ["类别", "决定日期", "文号 / 内容", "严重程度"].concat(channelTitles).concat(["更正、撤销与备注", "事件"]),
      recordRows(model), model.source === "status" ? "无" : "该日两个渠道均无公示内容"));
    if (model.source === "status") {
      tables.appendChild(Desk.table("名单", ["名单", "列入日期", "移出日期", "最早可移出"].concat(channelTitles).concat(["依据", "事件"]),
        model.lists.map(function (listing) {
          return [Desk.label("lists", listing.list), listing.since || "—", listing.until || "—", listing.earliestRemoval || "—"]
            .concat(Desk.channels().map(function (channel) { return listing.displayed && listing.displayed[channel] ? "公示" : "不公示"; }))
            .concat([Desk.rulesCell(listing.rules), el("code", {}, listing.eventId)]);
        })));
      tables.appendChild(Desk.table("市场禁入", ["禁入范围", "起", "止", "事件"], model.bans.map(function (ban) {
        return [ban.scope || "—", ban.since || "—", ban.permanent ? "终身" : (ban.until || "—"), el("code", {}, ban.eventId)];
      })));
      tables.appendChild(Desk.table("信用承诺", ["承诺", "结果", "到期日", "事件"], model.commitments.map(function (commitment) {
        return [Desk.label("commitmentTypes", commitment.type), Desk.label("commitmentOutcomes", commitment.outcome), commitment.dueOn || "—", el("code", {}, commitment.eventId)];
      })));
      tables.appendChild(Desk.table("待办（异议、信用修复）", ["类别", "阶段", "起算日", "期限", "是否逾期", "渠道", "对象", "依据", "事件"],
        model.pending.map(function (item) {
          var deadline = item.deadline === "calendarUnknown" ? "工作日历未覆盖" : (item.deadline || "—");
          var overdue = item.overdue === true ? el("span", { className: "badge warn" }, "已逾期") : item.overdue === false ? "未逾期" : "—";
          return { className: item.overdue ? "overdue" : "", cells: [Desk.label("pendingKinds", item.kind), Desk.label("pendingStages", item.stage),
            item.since || "—", deadline, overdue, Desk.label("channels", item.channel), el("code", {}, item.target || "—"),
            Desk.rulesCell([item.rule]), el("code", {}, item.eventId)] };
        })));
    }
    Desk.timeline(timeline, Desk.timelineRows(model), model.at);
  };

  Desk.timelineRows = function (model) {
    var rows = [];
    model.records.forEach(function (record) {
      var bars = [];
      Desk.channels().forEach(function (channel) {
        var window = record.windows ? record.windows[channel] : null;
        if (!window || !window.from || (window.until && window.until < window.from)) { return; }
        var colour = record.list ? (record.list === "red" ? "red" : "list") : record.kind === "ban.imposed" ? "ban" : channel;
        bars.push({ from: window.from, until: window.until, colour: colour,
          text: Desk.label("channels", channel) + "：" + Desk.windowText(window) });
        if (window.resumed) {
          bars.push({ from: window.resumed.from, until: window.resumed.until, colour: colour, text: Desk.label("channels", channel) + "：恢复公示" });
        }
      });
      if (bars.length) {
        // Listings and bans in the public view come without a decision date.
        var label = [Desk.label("kinds", record.kind), record.occurredOn, what(record)].filter(function (part) { return part; }).join(" ");
        rows.push({ label: label, bars: bars });
      }
    });
    model.lists.forEach(function (listing) {
      rows.push({ label: Desk.label("lists", listing.list) + " " + listing.since, bars: [{ from: listing.since, until: listing.until,
        colour: listing.list === "red" ? "red" : "list", text: Desk.label("lists", listing.list) + "：" + listing.since + " 至 " + (listing.until || "—") }] });
    });
    model.bans.forEach(function (ban) {
      rows.push({ label: "市场禁入 " + (ban.scope || ""), bars: [{ from: ban.since, until: ban.until, colour: "ban", text: "市场禁入：" + ban.since + " 至 " + (ban.permanent ? "终身" : (ban.until || "—")) }] });
    });
    return rows;
  };

  // What the public sees on the model's day, per channel: key → text.
  function shownItems(model) {
    var items = {};
    model.records.forEach(function (record) {
      Desk.channels().forEach(function (channel) {
        if (!(record.displayed && record.displayed[channel])) { return; }
        items[channel + "|" + record.eventId] = { channel: channel, eventId: record.eventId,
          title: [Desk.label("kinds", record.kind), record.occurredOn, what(record)].filter(function (part) { return part; }).join(" "),
          detail: Desk.windowText(record.windows[channel]) + (record.underObjection ? "，异议中" : "") };
      });
    });
    model.lists.forEach(function (listing) {
      Desk.channels().forEach(function (channel) {
        if (!(listing.displayed && listing.displayed[channel])) { return; }
        items[channel + "|" + listing.eventId] = { channel: channel, eventId: listing.eventId, title: Desk.label("lists", listing.list),
          detail: listing.since + " 起" + (listing.until ? "，至 " + listing.until : "") };
      });
    });
    model.bans.forEach(function (ban) {
      Desk.channels().forEach(function (channel) {
        items[channel + "|" + ban.eventId] = { channel: channel, eventId: ban.eventId, title: "市场禁入 " + (ban.scope || ""),
          detail: ban.since + " 起" + (ban.permanent ? "，终身" : ban.until ? "，至 " + ban.until : "") };
      });
    });
    return items;
  }

  function compareColumn(container, items, other, onlyClass) {
    Desk.clear(container);
    var differences = 0;
    Desk.channels().forEach(function (channel) {
      var keys = Object.keys(items).filter(function (key) { return items[key].channel === channel; });
      container.appendChild(el("h4", {}, Desk.label("channels", channel) + "（" + keys.length + "）"));
      if (keys.length === 0) { container.appendChild(el("p", { className: "empty" }, "无公示内容")); return; }
      var list = el("ul", { className: "compare-list" });
      keys.forEach(function (key) {
        var item = items[key];
        var state = !other[key] ? onlyClass : other[key].detail !== item.detail ? "changed" : "same";
        if (state === onlyClass || (state === "changed" && onlyClass === "only-now")) { differences += 1; }
        var note = state === "same" ? null : el("span", { className: "badge " + state }, state === "changed" ? "公示期不同" : onlyClass === "only-then" ? "现已不应公示" : "当时未公示");
        list.appendChild(el("li", { className: state }, note, el("strong", {}, item.title), el("br"), item.detail, " ",
          el("code", {}, item.eventId)));
      });
      container.appendChild(list);
    });
    return differences;
  }

  // Fills the two columns; returns the number of differences found on either side.
  Desk.renderCompare = function (then, now, thenContainer, nowContainer) {
    var thenItems = then ? shownItems(then) : {};
    var nowItems = shownItems(now);
    var differences = 0;
    if (then) { differences += compareColumn(thenContainer, thenItems, nowItems, "only-then"); }
    differences += compareColumn(nowContainer, nowItems, then ? thenItems : nowItems, "only-now");
    return differences;
  };
})();
