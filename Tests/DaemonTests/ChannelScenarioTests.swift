import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// The two channels' rulebooks over the socket: what a repair, a fraud, a deregistration or a
/// bankruptcy shielding does on Credit China and on GSXT, each naming its article.
@Suite(.serialized) struct ChannelScenarioTests {
    static let company = "91110000600037341L"

    struct Session {
        let daemon: Daemon
        let client: LineClient
        var entity = ChannelScenarioTests.company

        init() throws {
            daemon = Daemon()
            try daemon.start()
            client = try daemon.client()
        }

        func event(_ id: String, _ kind: String, on date: String, refs: [String] = [], body: JSONValue = [:]) -> JSONValue {
            ["eventId": .string(id), "kind": .string(kind), "entity": .string(entity), "occurredOn": .string(date),
             "source": ["authority": "北京市朝阳区市场监督管理局"], "refs": .array(refs.map { .string($0) }), "body": body]
        }

        func penalty(_ id: String, on date: String, measures: JSONValue, sector: String = "general") -> JSONValue {
            event(id, "penalty.imposed", on: date, body: [
                "decisionNo": .string("京朝市监罚〔2026〕\(id)号"), "procedure": "ordinary", "measures": measures,
                "violation": .string("违法行为 \(id)"), "legalBasis": .string("某法第 \(id) 条"), "sector": .string(sector),
            ])
        }

        @discardableResult
        func append(_ events: JSONValue...) throws -> JSONValue { try client.call(appendRequest(events)) }

        func accepted(_ events: JSONValue...) throws {
            let answer = try client.call(appendRequest(events))
            #expect(result(answer) != nil, "\(CanonicalJSON.string(answer))")
        }

        func status(at: String) throws -> JSONValue {
            try #require(result(try client.call(["op": "status", "entity": .string(entity), "at": .string(at), "purpose": "test"])))
        }

        func display(at: String, channel: String) throws -> JSONValue {
            try #require(result(try client.call(["op": "display", "entity": .string(entity), "at": .string(at), "channel": .string(channel)])))
        }

        func shown(at: String, channel: String) throws -> [String] {
            try display(at: at, channel: channel)["records"]?.arrayValue?.compactMap { $0["eventId"]?.stringValue } ?? []
        }

        func record(_ id: String, in state: JSONValue) -> JSONValue? {
            state["records"]?.arrayValue?.first { $0["eventId"]?.stringValue == id }
        }

        /// Applies for, accepts and grants a repair of `target`.
        func repair(_ target: String, applied: String, accepted: String, granted: String, prefix: String) throws {
            try self.accepted(event("\(prefix)-a", "repair.applied", on: applied, refs: [target], body: ["commitment": "已整改并履行全部义务"]))
            try self.accepted(event("\(prefix)-c", "repair.accepted", on: accepted, refs: ["\(prefix)-a"]))
            try self.accepted(event("\(prefix)-g", "repair.granted", on: granted, refs: ["\(prefix)-a"]))
        }
    }

    @Test func aRepairEndsDisplayOnlyWhereTheChannelAllowsIt() throws {
        let session = try Session()
        // A licence revocation of 2026-01-10: Credit China (Order 58, serious) allows repair after
        // 3 months; GSXT never (Order 107 Art. 8(3)).
        try session.accepted(
            session.penalty("p-rev", on: "2026-01-10", measures: [["type": "license-revocation"]]),
            session.event("p-rev-f", "penalty.fulfilled", on: "2026-02-01", refs: ["p-rev"]))
        let application = try session.append(session.event("r-a", "repair.applied", on: "2027-01-20", refs: ["p-rev"], body: ["commitment": "已整改"]))
        let warnings = application["result"]?["appended"]?[0]?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(warnings.contains { $0.contains("gsxt") && $0.contains("samr-107-art8-3-no-repair") }, "\(warnings)")
        try session.accepted(session.event("r-c", "repair.accepted", on: "2027-01-21", refs: ["r-a"]))
        try session.accepted(session.event("r-g", "repair.granted", on: "2027-01-25", refs: ["r-a"]))

        #expect(try session.shown(at: "2027-02-01", channel: "creditchina").isEmpty)
        #expect(try session.shown(at: "2027-02-01", channel: "gsxt") == ["p-rev"])
        let state = try session.status(at: "2027-02-01")
        let supersession = session.record("p-rev", in: state)?["supersededBy"]?.arrayValue?.first { $0["eventId"] == "r-g" }
        #expect(supersession?["channels"]?["creditchina"]?["outcome"] == "display ends")
        #expect(supersession?["channels"]?["gsxt"]?["rule"] == "samr-107-art8-3-no-repair")
        #expect(session.record("p-rev", in: state)?["windows"]?["gsxt"]?["until"] == "2029-01-10")
        session.daemon.terminate()
    }

    @Test func eachChannelGivesItsOwnSeverity() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-food", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 60_000]], sector: "food"),
            session.penalty("p-susp", on: "2026-05-01", measures: [["type": "license-suspension", "termUntil": "2026-07-31"]]))
        let creditChina = try session.display(at: "2026-06-01", channel: "creditchina")["records"]?.arrayValue ?? []
        let gsxt = try session.display(at: "2026-06-01", channel: "gsxt")["records"]?.arrayValue ?? []
        func severity(_ id: String, _ records: [JSONValue]) -> JSONValue? { records.first { $0["eventId"]?.stringValue == id }?["severity"] }
        // Order 107 Art. 8(1): a non-minor food penalty is serious on GSXT; Credit China (Order 36 Art. 9) reads it as general.
        #expect(severity("p-food", gsxt) == "serious" && severity("p-food", creditChina) == "general")
        // Licence suspension: serious under Order 36 Art. 10(2), general on GSXT (Order 107 Art. 8 does not list it).
        #expect(severity("p-susp", creditChina) == "serious" && severity("p-susp", gsxt) == "general")
        let food = try #require(gsxt.first { $0["eventId"] == "p-food" })
        #expect(food["severityBasis"]?["rule"] == "samr-107-art8-1-sector")
        #expect(food["window"]?["until"] == "2029-05-01", "a serious record's 3 years, consistent with its severity")
        let state = try session.status(at: "2026-06-01")
        #expect(session.record("p-susp", in: state)?["severity"]?["creditchina"]?["rule"] == "ndrc-36-art10-2-measures")
        #expect(session.record("p-susp", in: state)?["severity"]?["gsxt"]?["rule"] == "samr-107-art9-general")
        session.daemon.terminate()
    }

    @Test func aRunningTermBlocksRepairOnBothChannels() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-r", on: "2026-05-01", measures: [["type": "business-restriction", "termUntil": "2028-03-31"]]),
            session.event("p-r-f", "penalty.fulfilled", on: "2026-06-01", refs: ["p-r"]))
        // Order 36 Art. 12, Order 107 Art. 8(2): not taken off display before the term ends.
        let early = try session.append(session.event("r-0", "repair.applied", on: "2027-06-01", refs: ["p-r"], body: ["commitment": "已整改"]))
        #expect(errorCode(early) == "rule_violation" && early["error"]?["field"] == "events[0].occurredOn")
        #expect(early["error"]?["message"]?.stringValue?.contains("2028-04-01") == true)
        #expect(try session.shown(at: "2027-06-01", channel: "creditchina") == ["p-r"])
        try session.repair("p-r", applied: "2028-04-03", accepted: "2028-04-05", granted: "2028-04-10", prefix: "r-1")
        #expect(try session.shown(at: "2028-04-09", channel: "gsxt") == ["p-r"])
        #expect(try session.shown(at: "2028-04-10", channel: "gsxt").isEmpty)
        #expect(try session.shown(at: "2028-04-10", channel: "creditchina").isEmpty)
        session.daemon.terminate()
    }

    @Test func aRepairObtainedByFraudIsUndoneChannelByChannel() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-1", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 80_000]]),
            session.event("p-1-f", "penalty.fulfilled", on: "2026-06-01", refs: ["p-1"]))
        try session.repair("p-1", applied: "2026-08-05", accepted: "2026-08-06", granted: "2026-08-10", prefix: "r-1")
        #expect(try session.shown(at: "2026-09-01", channel: "creditchina").isEmpty)
        #expect(try session.shown(at: "2026-09-01", channel: "gsxt").isEmpty)
        // Order 36 Art. 3: a repaired record is in no public answer: the report says no penalty.
        let report = try #require(result(try session.client.call(["op": "report", "entity": .string(session.entity), "from": "2026-01-01", "to": "2026-09-01"])))
        #expect(report["records"]?.arrayValue?.isEmpty == true)
        #expect(report["statements"]?["noPenaltyDecided"] == true && report["statements"]?["noNegativeRecordDisplayed"] == true)

        try session.accepted(session.event("fraud-1", "repair.revoked", on: "2026-10-01", refs: ["r-1-g"], body: ["reason": "fraud"]))
        let state = try session.status(at: "2026-10-02")
        let windows = session.record("p-1", in: state)?["windows"]
        // SAMR Order 107 Art. 23, NDRC Order 36 Art. 25 (issue 10): the state is restored and the
        // period (1 year) restarts from the revocation on both channels, with no early end.
        for channel in ["creditchina", "gsxt"] {
            #expect(windows?[channel]?["resumed"]?["from"] == "2026-10-01" && windows?[channel]?["resumed"]?["until"] == "2027-10-01", "\(channel)")
            #expect(windows?[channel]?["repairableFrom"] == .null)
        }
        #expect(Set(try session.shown(at: "2027-06-01", channel: "creditchina")) == ["p-1", "fraud-1"], "the fraud itself is shown 3 years")
        #expect(try session.shown(at: "2027-11-01", channel: "gsxt") == ["fraud-1"])
        let again = try session.append(session.event("r-2-a", "repair.applied", on: "2027-11-01", refs: ["p-1"], body: ["commitment": "再次申请"]))
        #expect(errorCode(again) == "rule_violation" && again["error"]?["message"]?.stringValue?.contains("fraud") == true)
        session.daemon.terminate()
    }

    @Test func aListingExitObtainedByFraudIsRevokedAndThePeriodRestarts() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-1", on: "2026-01-05", measures: [["type": "fine", "amountYuan": 80_000]]),
            session.event("l-1", "list.entered", on: "2026-01-05", refs: ["p-1"], body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]))
        // Order 44 Art. 16: early removal after one full year.
        try session.accepted(session.event("x-1", "list.exited", on: "2027-01-06", refs: ["l-1"], body: ["reason": "early-removal"]))
        #expect(try session.status(at: "2027-02-01")["flags"]?.arrayValue?.contains("seriousDishonesty") == false)
        // Order 44 Art. 20, Order 107 Art. 23: the removal was obtained by fraud.
        try session.accepted(session.event("fraud-x", "repair.revoked", on: "2027-03-01", refs: ["x-1"], body: ["reason": "fraud"]))
        let state = try session.status(at: "2027-04-01")
        #expect(state["flags"]?.arrayValue?.contains("seriousDishonesty") == true)
        let listing = try #require(state["lists"]?.arrayValue?.first { $0["eventId"] == "l-1" })
        #expect(listing["resumed"]?["from"] == "2027-03-01" && listing["resumed"]?["until"] == "2030-03-01")
        #expect(listing["earliestRemoval"] == .null)
        let early = try session.append(session.event("x-2", "list.exited", on: "2028-04-01", refs: ["l-1"], body: ["reason": "early-removal"]))
        #expect(errorCode(early) == "rule_violation")
        #expect(try session.shown(at: "2027-04-01", channel: "gsxt").contains("l-1"))
        session.daemon.terminate()
    }

    @Test func aLinkedMeasuresTermBoundsTheSeriousDishonestyListing() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-1", on: "2026-05-01", measures: [["type": "business-restriction", "termUntil": "2028-06-30"]]),
            session.penalty("p-2", on: "2026-05-01", measures: [["type": "practice-restriction", "termUntil": "2030-06-30"]]),
            session.event("l-1", "list.entered", on: "2026-05-01", refs: ["p-1"], body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]),
            session.event("l-2", "list.entered", on: "2026-05-01", refs: ["p-2"], body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]))
        let lists = try session.status(at: "2026-06-01")["lists"]?.arrayValue ?? []
        let first = try #require(lists.first { $0["eventId"] == "l-1" })
        let second = try #require(lists.first { $0["eventId"] == "l-2" })
        // Order 44 Art. 16, Order 107 Art. 13: no early removal while the term runs; Art. 21: 3 years or the longer term.
        #expect(first["earliestRemoval"] == "2028-07-01" && first["until"] == "2029-05-01")
        #expect(second["until"] == "2030-06-30" && second["earliestRemoval"] == .null)
        let early = try session.append(session.event("x-1", "list.exited", on: "2027-06-01", refs: ["l-1"], body: ["reason": "early-removal"]))
        #expect(errorCode(early) == "rule_violation" && early["error"]?["message"]?.stringValue?.contains("2028-07-01") == true)
        session.daemon.terminate()
    }

    @Test func deregistrationEndsListsAndGSXTDisplay() throws {
        let session = try Session()
        try session.accepted(
            session.penalty("p-1", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 80_000]]),
            session.event("l-sd", "list.entered", on: "2026-05-01", refs: ["p-1"], body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]),
            session.event("l-ab", "list.entered", on: "2026-05-02", body: ["list": "abnormal-operations", "authority": "北京市朝阳区市场监督管理局"]))
        #expect(try session.status(at: "2026-08-01")["flags"]?.arrayValue?.contains("seriousDishonesty") == true)
        try session.accepted(session.event("d-1", "entity.deregistered", on: "2026-09-01"))
        let state = try session.status(at: "2026-09-02")
        // SAMR Order 107 Art. 20.
        #expect(state["lists"]?.arrayValue?.isEmpty == true)
        #expect(state["flags"]?.arrayValue?.contains("seriousDishonesty") == false)
        #expect(state["flags"]?.arrayValue?.contains("abnormalOperations") == false)
        #expect(try session.shown(at: "2026-09-02", channel: "gsxt").isEmpty)
        #expect(try session.shown(at: "2026-09-02", channel: "creditchina") == ["p-1"], "Art. 20 does not reach Credit China")
        session.daemon.terminate()
    }

    @Test func bankruptcyShieldingHidesAndRestoresPerOutcome() throws {
        var session = try Session()
        try session.accepted(
            session.penalty("p-1", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 80_000]]),
            session.event("s-1", "shielding.started", on: "2026-07-01", body: ["procedure": "reorganisation", "courtRuling": "（2026）京01破12号"]),
            session.penalty("p-2", on: "2026-07-10", measures: [["type": "fine", "amountYuan": 90_000]]))
        // NDRC Order 36 Art. 20, SAMR Order 107 Art. 22: what existed at the ruling is shielded; later records are not.
        #expect(try session.shown(at: "2026-07-15", channel: "creditchina") == ["p-2"])
        #expect(try session.shown(at: "2026-07-15", channel: "gsxt") == ["p-2"])
        #expect(session.record("p-1", in: try session.status(at: "2026-07-15"))?["windows"]?["gsxt"]?["endReason"] == "shielded")
        try session.accepted(session.event("s-1-end", "shielding.ended", on: "2026-09-01", refs: ["s-1"], body: ["outcome": "failed"]))
        #expect(try session.shown(at: "2026-09-02", channel: "creditchina") == ["p-1", "p-2"], "restored when the plan fails")

        session.entity = "91310115MA1K3BTP2B"
        try session.accepted(
            session.penalty("q-1", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 80_000]]),
            session.event("t-1", "shielding.started", on: "2026-07-01", body: ["procedure": "settlement", "courtRuling": "（2026）沪03破7号"]),
            session.event("t-1-end", "shielding.ended", on: "2026-09-01", refs: ["t-1"], body: ["outcome": "completed"]))
        #expect(try session.shown(at: "2026-09-02", channel: "gsxt").isEmpty, "Order 107 Art. 22: stops once the plan is carried out")
        #expect(try session.shown(at: "2026-09-02", channel: "creditchina") == ["q-1"], "Order 36 Art. 20: shown again; the party may apply for repair")
        session.daemon.terminate()
    }

    @Test func aReportAtAnOlderHeadIsWithdrawnOnceARecordIsRevoked() throws {
        let session = try Session()
        let first = try session.append(session.penalty("p-1", on: "2026-05-01", measures: [["type": "fine", "amountYuan": 80_000]]))
        let head = try #require(first["result"]?["appended"]?[0]?["seq"])
        let before = try #require(result(try session.client.call(["op": "report", "entity": .string(session.entity), "from": "2026-01-01", "to": "2026-06-01", "head": head])))
        #expect(before["records"]?.arrayValue?.count == 1)
        #expect(before["basis"]?["rulesDigest"]?.stringValue?.count == 64)
        try session.accepted(session.event("v-1", "record.revoked", on: "2026-06-15", refs: ["p-1"], body: ["reason": "decision-revoked"]))
        let withdrawn = try session.client.call(["op": "report", "entity": .string(session.entity), "from": "2026-01-01", "to": "2026-06-01", "head": head])
        #expect(errorCode(withdrawn) == "invalid_field" && withdrawn["error"]?["field"] == "head")
        let now = try #require(result(try session.client.call(["op": "report", "entity": .string(session.entity), "from": "2026-01-01", "to": "2026-06-01"])))
        #expect(now["records"]?.arrayValue?.isEmpty == true && now["statements"]?["noPenaltyDecided"] == true)
        let other = try #require(result(try session.client.call([
            "op": "report", "entity": .string(session.entity), "from": "2026-01-01", "to": "2026-06-01", "rulesDigest": .string(String(repeating: "0", count: 64)),
        ])))
        #expect(other["basis"]?["rulesChanged"] != nil, "a report recomputed under other rules says so")
        let ping = try #require(result(try session.client.call(["op": "ping"])))
        #expect(ping["rulesDigest"] == before["basis"]?["rulesDigest"])
        session.daemon.terminate()
    }

    @Test func aPersonWithNothingShownReadsLikeAnUnknownCode() throws {
        var session = try Session()
        session.entity = "110105199003071239"
        try session.accepted(
            session.event("pp-1", "entity.profiled", on: "2026-01-01", body: ["name": "张三丰", "entityType": "natural-person", "region": "110105"]),
            session.event("pp-2", "penalty.imposed", on: "2026-05-01", body: [
                "decisionNo": "京朝市监罚〔2026〕9号", "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 3_000]],
                "violation": "无照经营，身份证号110105199003071239", "legalBasis": "某法", "discretion": "lighter",
            ]))
        // Credit China hides natural persons (Order 36 Art. 12): same bytes as a code the ledger never saw.
        let known = try session.display(at: "2026-06-01", channel: "creditchina")
        var stranger = session
        stranger.entity = "110105198506154568"
        let unknown = try stranger.display(at: "2026-06-01", channel: "creditchina")
        #expect(known["profile"] == .null && known["records"]?.arrayValue?.isEmpty == true)
        #expect(CanonicalJSON.string(known).replacingOccurrences(of: "110105********1239", with: "X")
            == CanonicalJSON.string(unknown).replacingOccurrences(of: "110105********4568", with: "X"))
        // GSXT shows the small fine 3 months, with the ID number in its text masked.
        let gsxt = try session.display(at: "2026-06-01", channel: "gsxt")
        let text = CanonicalJSON.string(gsxt)
        #expect(!text.contains("110105199003071239") && text.contains("110105********1239"))
        #expect(gsxt["profile"]?["name"] == "张**")
        session.daemon.terminate()
    }
}
