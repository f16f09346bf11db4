import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// What operators alert on: every metric family described, the store's, requests' and build's
/// series sane after real traffic, and `Deploy/grafana` and `Deploy/prometheus` naming only
/// what the daemon exposes, checked by `promtool` (Debian's prometheus package; `Tools/setup`).
@Suite(.serialized) struct MonitoringTests {
    static let alertRules = Daemon.repository.appendingPathComponent("Deploy/prometheus/creditledger-alerts.yml").path
    static let alertRuleTests = Daemon.repository.appendingPathComponent("Deploy/prometheus/creditledger-alerts.test.yml").path
    static let dashboard = Daemon.repository.appendingPathComponent("Deploy/grafana/creditledger-dashboard.json").path

    @Test func everyExposedFamilyHasHelpAndTypeAndPassesPromtoolsLint() throws {
        let (daemon, text) = try Self.daemonWithTraffic()
        let exposition = Exposition(text)
        #expect(exposition.types.count >= 20, "\(text)")
        for family in exposition.sampledFamilies {
            #expect(exposition.types[family] != nil, "no # TYPE for \(family)")
            #expect(!(exposition.help[family] ?? "").isEmpty, "no # HELP for \(family)")
        }
        for (family, type) in exposition.types where type == "counter" {
            #expect(family.hasSuffix("_total"), "counter \(family) should end in _total")
        }
        // promtool's lint: help text, name conventions (units, _total), reserved suffixes.
        let file = daemon.directory + "/metrics.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let lint = try ChildProcess.output(of: "/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", try Self.promtool(), file])
        #expect(lint.status == 0, "\(lint.output)")
        #expect(daemon.terminate() == 0)
    }

    @Test func storeRequestAndBuildSeriesAreSaneAfterAppendsAndReads() throws {
        let started = Date().timeIntervalSince1970
        let daemon = Daemon()
        let limit = 32 << 20
        try daemon.start(config: ["mapSizeBytes": .int(Int64(limit))])
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1"), licenceEvent("l-2")]))) != nil)
        #expect(result(try client.call(appendRequest([licenceEvent("l-3", entity: orgB)]))) != nil)
        #expect(result(try client.call(["op": "get", "purpose": "test", "seq": 1])) != nil)
        #expect(errorCode(try client.call(["op": "get", "purpose": "test", "seq": 99])) == "not_found")
        for _ in 0..<3 { #expect(result(try client.call(["op": "display", "entity": .string(orgA)])) != nil) }
        let exposition = Exposition(try Self.metricsText(client))

        let used = try #require(exposition.value("creditledger_store_bytes"))
        #expect(exposition.value("creditledger_store_size_limit_bytes") == Double(limit))
        let fill = try #require(exposition.value("creditledger_store_fill_ratio"))
        #expect(fill > 0 && fill < 1 && abs(fill - used / Double(limit)) < 1e-9, "fill \(fill), used \(used)")
        #expect(exposition.value("creditledger_head_seq") == 3)
        // Two audited gets recorded (the not_found one too: recorded before it is answered).
        #expect((exposition.value("creditledger_access_log_head_seq") ?? 0) >= 2)
        let now = Date().timeIntervalSince1970
        let lastAppend = try #require(exposition.value("creditledger_last_append_timestamp_seconds"))
        #expect(lastAppend >= started - 1 && lastAppend <= now + 1)
        #expect(try #require(exposition.value("creditledger_last_commit_timestamp_seconds")) >= lastAppend)
        let startTime = try #require(exposition.value("process_start_time_seconds"))
        #expect(startTime >= started - 1 && startTime <= lastAppend + 1)

        let version = try ChildProcess.output(of: Daemon.binary("creditledgerd"), ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let build = exposition.samples.filter { $0.name == "creditledger_build_info" }
        #expect(build.count == 1 && build.first?.value == 1 && build.first?.labels["version"] == version, "\(build) vs --version \(version)")
        #expect(build.first?.labels["swift"]?.hasPrefix("6.") == true)

        for (op, requests) in [("display", 3), ("append", 2), ("get", 2)] {
            let count = try #require(exposition.value("creditledger_request_duration_seconds_count", ["op": op]))
            #expect(count >= Double(requests), "\(op): \(count)")
            let buckets = exposition.buckets("creditledger_request_duration_seconds", ["op": op])
            #expect(buckets.count >= 10 && buckets.last?.labels["le"] == "+Inf" && buckets.last?.value == count)
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "cumulative buckets of \(op)")
            #expect(try #require(exposition.value("creditledger_request_duration_seconds_sum", ["op": op])) > 0)
        }
        #expect(exposition.value("creditledger_answers_total", ["op": "get", "outcome": "ok"]) == 1)
        #expect(exposition.value("creditledger_answers_total", ["op": "get", "outcome": "not_found"]) == 1)
        #expect(exposition.value("creditledger_answers_total", ["op": "display", "outcome": "ok"]) == 3)
        #expect(exposition.value("creditledger_answers_total", ["op": "append", "outcome": "ok"]) == 2)
        // Counters an alert watches exist at 0 before their first increment.
        #expect(exposition.value("creditledger_errors_total", ["code": "unavailable"]) == 0)
        #expect(exposition.value("creditledger_commits_failed_total") == 0)
        #expect(exposition.value("creditledger_connections_refused_total") == 0)
        #expect(try #require(exposition.value("creditledger_commit_duration_seconds_count")) >= 2)
        #expect(daemon.terminate() == 0)
    }

    @Test func theDashboardAndTheAlertRulesNameOnlyExposedMetrics() throws {
        let (daemon, text) = try Self.daemonWithTraffic()
        let exposed = Set(Exposition(text).types.keys)
        for path in [Self.dashboard, Self.alertRules] {
            let names = Self.metricNames(in: try String(contentsOfFile: path, encoding: .utf8))
            #expect(names.count >= 8, "\(path): \(names)")
            for name in names {
                let family = ["_bucket", "_count", "_sum"].first { name.hasSuffix($0) && exposed.contains(String(name.dropLast($0.count))) }
                    .map { String(name.dropLast($0.count)) } ?? name
                #expect(exposed.contains(family), "\(path) names \(name), which the daemon does not expose")
            }
        }
        #expect(daemon.terminate() == 0)
    }

    @Test func theAlertRulesAreValidAndFireAsTheirTestsSay() throws {
        let promtool = try Self.promtool()
        let check = try ChildProcess.output(of: promtool, ["check", "rules", Self.alertRules])
        #expect(check.status == 0 && check.output.contains("SUCCESS"), "\(check.output)")
        // Run from the rules' folder: the test file names the rule file relative to itself.
        let tests = try ChildProcess.output(of: "/bin/sh", ["-c", "cd \"$(dirname \"$1\")\" && \"$0\" test rules \"$1\"", promtool, Self.alertRuleTests])
        #expect(tests.status == 0 && tests.output.contains("SUCCESS"), "\(tests.output)")
    }

    /// The dashboard imports: a dashboard with panels, each with a Prometheus target whose
    /// expression parses (checked as recording rules, Grafana's variables filled in).
    @Test func theDashboardIsImportableAndItsQueriesParse() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dashboard))) as? [String: Any])
        #expect(json["title"] as? String == "CreditLedger" && json["uid"] as? String == "creditledger" && json["schemaVersion"] is Int)
        let panels = try #require(json["panels"] as? [[String: Any]])
        #expect(panels.count >= 12)
        var rules: [[String: String]] = []
        for panel in panels {
            #expect(panel["gridPos"] is [String: Any] && panel["type"] is String && panel["title"] is String)
            let targets = try #require(panel["targets"] as? [[String: Any]])
            #expect(!targets.isEmpty)
            for target in targets {
                let expression = try #require(target["expr"] as? String)
                let filled = expression.replacingOccurrences(of: "$__rate_interval", with: "5m").replacingOccurrences(of: "$instance", with: ".*")
                rules.append(["record": "dashboard:panel\(panel["id"] ?? "")_\(target["refId"] ?? "")", "expr": filled])
            }
        }
        // JSON is YAML: promtool reads it as a rule file.
        let file = NSTemporaryDirectory() + "cl-dashboard-\(UUID().uuidString.prefix(8)).yml"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try JSONSerialization.data(withJSONObject: ["groups": [["name": "dashboard", "rules": rules]]], options: .withoutEscapingSlashes).write(to: URL(fileURLWithPath: file))
        let check = try ChildProcess.output(of: try Self.promtool(), ["check", "rules", file])
        #expect(check.status == 0 && check.output.contains("SUCCESS: \(rules.count) rules found"), "\(check.output)")
    }

    // MARK: - Helpers

    /// A daemon that has appended, read, refused and answered: every family has a series.
    static func daemonWithTraffic() throws -> (Daemon, String) {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1")]))) != nil)
        #expect(result(try client.call(["op": "get", "purpose": "test", "seq": 1])) != nil)
        #expect(errorCode(try client.call(["op": "get", "purpose": "test", "seq": 99])) == "not_found")
        #expect(result(try client.call(["op": "display", "entity": .string(orgA)])) != nil)
        return (daemon, try metricsText(client))
    }

    static func metricsText(_ client: LineClient) throws -> String {
        try #require(result(try client.call(["op": "metrics"]))?["text"]?.stringValue)
    }

    /// Every `creditledger_…` and `process_…` name in a file (expressions, descriptions alike).
    static func metricNames(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "\\b(creditledger|process)_[a-z_]+")
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) })
    }

    /// promtool, which `Tools/setup` installs from Debian's prometheus package.
    static func promtool() throws -> String {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/promtool" } + ["/usr/local/bin/promtool"]
        return try #require(paths.first { FileManager.default.isExecutableFile(atPath: $0) }, "promtool is missing: run Tools/setup")
    }
}

/// The Prometheus text exposition, read back: `# TYPE`, `# HELP` and samples.
struct Exposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    var types: [String: String] = [:]
    var help: [String: String] = [:]
    var samples: [Sample] = []

    init(_ text: String) {
        for line in text.split(separator: "\n").map(String.init) {
            let words = line.split(separator: " ", maxSplits: 3).map(String.init)
            if words.first == "#" {
                if words.count >= 4, words[1] == "TYPE" { types[words[2]] = words[3] }
                if words.count >= 3, words[1] == "HELP" { help[words[2]] = words.count == 4 ? words[3] : "" }
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            // Label values here hold no commas, quotes or escapes (ops, codes, versions, bounds).
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            samples.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
        }
    }

    /// The family of each sample: its name, less a histogram's `_bucket`, `_sum` or `_count`.
    var sampledFamilies: Set<String> {
        Set(samples.map { sample in
            for suffix in ["_bucket", "_sum", "_count"] where sample.name.hasSuffix(suffix) {
                let family = String(sample.name.dropLast(suffix.count))
                if types[family] == "histogram" { return family }
            }
            return sample.name
        })
    }

    /// A histogram's buckets for `labels`, by bound (`+Inf` last).
    func buckets(_ family: String, _ labels: [String: String]) -> [Sample] {
        func bound(_ sample: Sample) -> Double { sample.labels["le"].flatMap { Double($0) } ?? .infinity }
        return samples.filter { sample in
            sample.name == family + "_bucket" && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.sorted { bound($0) < bound($1) }
    }

    /// The value of the one series `name` with exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}
