import Foundation
import Glibc
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 2: the shipped unit starts the daemon and it serves. Without systemd (PID 1
/// is not systemd here), `Tools/seccomp/unit-filter` applies the unit's seccomp lines (syscall
/// filter and its errno, architectures, address families, write-execute) and its umask, and
/// `setpriv` gives the daemon the unit's user, groups and no capabilities. The daemon is
/// installed as `Deploy/running.md` installs it, under a temp directory standing for `/`, with
/// the example config. Needs root, gcc and libseccomp (Tools/setup; CI runs as root).
@Suite(.serialized, .enabled(if: getuid() == 0, "creating users and switching uid needs root"))
struct DeploymentTests {
    static let unit = Daemon.repository.appendingPathComponent("Deploy/creditledgerd.service").path
    static let metricsDropIn = Daemon.repository.appendingPathComponent("Deploy/creditledgerd.service.d/10-metrics.conf").path

    /// The sandbox lines the unit shipped with before issue 11: libdispatch's setpriority killed
    /// the daemon at start.
    static let filterBeforeIssue11 = """
        [Service]
        NoNewPrivileges=yes
        RestrictAddressFamilies=AF_UNIX
        MemoryDenyWriteExecute=yes
        SystemCallArchitectures=native
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        UMask=0027
        """

    @Test func theDaemonStartsAndServesUnderTheUnit() throws {
        let installation = try Installation()
        let daemon = try installation.start(unitFiles: [Self.unit])
        try #require(installation.waitUntilServing(daemon), "\(installation.log())")

        // root is admin and a writer for the example's authorities: ping, append, status.
        let admin = try LineClient(socketPath: installation.socketPath)
        admin.setReceiveTimeout(seconds: 120)
        #expect(result(try admin.call(["op": "ping"]))?["head"] == 0)
        #expect(result(try admin.call(appendRequest([licenceEvent("deploy-1")]))) != nil)
        let status = try admin.call(["op": "status", "entity": .string(orgA), "purpose": "deployment test"])
        #expect(result(status) != nil, "\(CanonicalJSON.string(status))")
        #expect(CanonicalJSON.string(status).contains("deploy-1"))

        // The socket belongs to the daemon and to the clients' group; the store to the daemon alone.
        let socket = Installation.ownership(installation.socketPath)
        #expect(socket.uid == installation.daemonUser.uid && socket.gid == installation.clients && socket.mode == 0o660)
        #expect(Installation.ownership(installation.runtimeDirectory).mode == 0o755)
        let store = Installation.ownership(installation.stateDirectory)
        #expect(store.uid == installation.daemonUser.uid && store.mode == 0o700)
        // The heads published outside the store, in the unit's LogsDirectory=.
        let heads = Installation.ownership(installation.logsDirectory + "/heads.jsonl")
        #expect(heads.uid == installation.daemonUser.uid && heads.mode == 0o600)
        // A member of the clients' group may connect; a user outside it may not.
        let client = try AccessControlTests.systemUser("cl-test-client")
        let member = try installation.creditctl(as: client, groups: "--groups=\(installation.clients)", ["ping"])
        #expect(member.status == 0 && member.output.contains("\"head\":1"), "\(member.output)")
        let outsider = try installation.creditctl(as: try AccessControlTests.systemUser("cl-test-public"), groups: "--clear-groups", ["ping"])
        #expect(outsider.status != 0 && outsider.output.contains("Permission denied"), "\(outsider.output)")

        #expect(ChildProcess.isRunning(daemon), "\(installation.log())")
        #expect(ChildProcess.terminate(daemon) == 0, "SIGTERM drains and exits 0 under the filter: \(installation.log())")
    }

    /// The negative control: the launcher really filters.
    @Test func theFilterTheUnitShippedWithKillsTheDaemon() throws {
        let installation = try Installation()
        let oldUnit = installation.root + "/before-issue-11.service"
        try #require(FileManager.default.createFile(atPath: oldUnit, contents: Data(Self.filterBeforeIssue11.utf8)))
        let daemon = try installation.start(unitFiles: [oldUnit])
        #expect(ChildProcess.wait(daemon) == 128 + SIGSYS, "\(installation.log())")
        #expect(!FileManager.default.fileExists(atPath: installation.socketPath), "killed before it listened")
    }

    /// metricsHTTP needs the drop-in: the unit alone gives the daemon no TCP socket.
    @Test func theMetricsListenerServesWithTheDropIn() throws {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let installation = try Installation(extraConfig: [("metricsHTTP", .string("127.0.0.1:\(port)"))])
        let refused = try installation.start(unitFiles: [Self.unit])
        #expect(ChildProcess.wait(refused) != 0)
        #expect(installation.log().contains("Address family not supported"), "\(installation.log())")

        let daemon = try installation.start(unitFiles: [Self.unit, Self.metricsDropIn])
        try #require(installation.waitUntilServing(daemon), "\(installation.log())")
        let http = try AccessControlTests.run("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(port)/metrics"])
        #expect(http.output.contains("200 OK") && http.output.contains("creditledger_head_seq 0"), "\(http.output)")
        #expect(ChildProcess.terminate(daemon) == 0, "\(installation.log())")
    }

    /// Both drop-ins installed (an edge, or a follower, with metrics) leave the edge reachable
    /// from other hosts: systemd reads drop-ins in file-name order, each `IPAddressDeny=` line
    /// adds to the list and an empty one clears it. (The unit filter cannot apply IP filters:
    /// they are cgroup BPF; this reads the shipped files as systemd merges them.)
    @Test func bothDropInsTogetherLeaveTheEdgeReachable() throws {
        let directory = Daemon.repository.appendingPathComponent("Deploy/creditledgerd.service.d").path
        let shipped = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".conf") }.sorted()
        func ipFilter(_ files: [String]) throws -> [String: [String]] {
            var lists: [String: [String]] = ["IPAddressAllow": [], "IPAddressDeny": []]
            for file in files {
                for line in try String(contentsOfFile: directory + "/" + file, encoding: .utf8).split(separator: "\n") {
                    let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    guard parts.count == 2, lists[parts[0]] != nil else { continue }
                    lists[parts[0]] = parts[1].isEmpty ? [] : lists[parts[0]]! + parts[1].split(separator: " ").map(String.init)
                }
            }
            return lists
        }
        #expect(shipped == ["10-metrics.conf", "20-https.conf"])
        #expect(try ipFilter(["10-metrics.conf"]) == ["IPAddressAllow": ["localhost"], "IPAddressDeny": ["any"]], "metrics alone: loopback only")
        #expect(try ipFilter(shipped)["IPAddressDeny"] == [], "with the edge's drop-in nothing is denied")
    }
}

/// The daemon installed as `Deploy/running.md` installs it, under `root` instead of `/`: the
/// binaries, the launcher, the schemas, the example config (its paths moved under `root`, its
/// socketGroup a test group), the unit's runtime and state directories. The unit's
/// creditledger user and creditledger-clients group have stand-ins made for the test.
final class Installation {
    let root = NSTemporaryDirectory() + "cl-deploy-" + UUID().uuidString.prefix(8)
    let daemonUser: (uid: UInt32, gid: UInt32)
    let clients: gid_t
    var binaries: String { root + "/usr/local/bin" }
    var config: String { root + "/etc/creditledger/config.json" }
    /// The daemon's output, of every start.
    var logPath: String { root + "/daemon.log" }
    let runtimeDirectory: String
    let stateDirectory: String
    let logsDirectory: String
    let socketPath: String

    init(extraConfig: [(String, JSONValue)] = []) throws {
        daemonUser = try AccessControlTests.systemUser("cl-test-ledger")
        clients = try AccessControlTests.systemGroup("cl-test-clients")
        runtimeDirectory = root + "/run/" + (try Self.unitSetting("RuntimeDirectory"))
        stateDirectory = root + "/var/lib/" + (try Self.unitSetting("StateDirectory"))
        logsDirectory = root + "/var/log/" + (try Self.unitSetting("LogsDirectory"))
        let example = try JSONParser.parse(Array(try Data(contentsOf: Daemon.repository.appendingPathComponent("Deploy/config.example.json"))))
        var members = try #require(example.objectValue)
        for index in members.indices {
            switch members[index].0 {
            case "dataDirectory", "socketPath", "schemaDirectory", "checkpointFile": members[index].1 = .string(root + (members[index].1.stringValue ?? ""))
            case "socketGroup": members[index].1 = "cl-test-clients"
            // The edge needs the site's certificates and the 20-https.conf drop-in: EdgeTests try it.
            case "https": members[index].1 = .null
            case "access":
                // root files as a writer too (the example's writers are a group): grants are independent.
                members[index].1 = [
                    "admin": ["uids": [0]],
                    "writer": [["uids": [0], "authorities": .array((members[index].1["writer"]?[0]?["authorities"]?.arrayValue) ?? [])]],
                ]
            default: break
            }
        }
        socketPath = try #require(JSONValue.object(members)["socketPath"]?.stringValue)

        try directory(root, mode: 0o755)
        try directory(binaries, mode: 0o755)
        for name in ["creditledgerd", "creditctl"] {
            try FileManager.default.copyItem(atPath: Daemon.binary(name), toPath: binaries + "/" + name)
        }
        let gcc = try AccessControlTests.run("/usr/bin/gcc", [
            "-O2", "-Wall", "-o", binaries + "/unit-filter",
            Daemon.repository.appendingPathComponent("Tools/seccomp/unit-filter.c").path, "-lseccomp",
        ])
        guard gcc.status == 0 else { throw LineClient.Failure(description: "gcc (libseccomp-dev: Tools/setup): \(gcc.output)") }
        let schemas = try #require(JSONValue.object(members)["schemaDirectory"]?.stringValue)
        try directory((schemas as NSString).deletingLastPathComponent, mode: 0o755)
        try FileManager.default.copyItem(atPath: Daemon.repository.appendingPathComponent("Schemas").path, toPath: schemas)
        // running.md: /etc/creditledger 0750 and the config 0640, both root:creditledger.
        try directory(root + "/etc/creditledger", mode: 0o750, gid: daemonUser.gid)
        let text = CanonicalJSON.encode(.object(members + extraConfig))
        guard FileManager.default.createFile(atPath: config, contents: Data(text)), chmod(config, 0o640) == 0, chown(config, 0, daemonUser.gid) == 0,
            FileManager.default.createFile(atPath: logPath, contents: nil)
        else { throw LineClient.Failure(description: "cannot write \(config)") }
        // What systemd makes of RuntimeDirectory=, StateDirectory= and LogsDirectory= before it starts the daemon.
        try directory(runtimeDirectory, mode: try Self.unitMode("RuntimeDirectoryMode"), uid: daemonUser.uid, gid: daemonUser.gid)
        try directory(stateDirectory, mode: try Self.unitMode("StateDirectoryMode"), uid: daemonUser.uid, gid: daemonUser.gid)
        try directory(logsDirectory, mode: try Self.unitMode("LogsDirectoryMode"), uid: daemonUser.uid, gid: daemonUser.gid)
    }

    /// Every daemon started, stopped at the end if a failed test left it running.
    private var started: [Process] = []

    deinit {
        for process in started { ChildProcess.terminate(process) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A directory and its parents (0755, root's), then `path` with `mode` and owners.
    private func directory(_ path: String, mode: mode_t, uid: uid_t = 0, gid: gid_t = 0) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        guard chmod(path, mode) == 0, chown(path, uid, gid) == 0 else { throw LineClient.Failure(description: "cannot set up \(path)") }
    }

    /// The last `key=` line of the shipped unit.
    static func unitSetting(_ key: String) throws -> String {
        let lines = try String(contentsOfFile: DeploymentTests.unit, encoding: .utf8).split(separator: "\n")
        let line = try #require(lines.last { $0.hasPrefix(key + "=") }, "the unit sets \(key)")
        return String(line.dropFirst(key.count + 1))
    }

    static func unitMode(_ key: String) throws -> mode_t {
        try #require(mode_t(try unitSetting(key), radix: 8))
    }

    static func ownership(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t) {
        var status = stat()
        guard stat(path, &status) == 0 else { return (0, 0, 0o7777) }
        return (status.st_uid, status.st_gid, status.st_mode & 0o777)
    }

    /// Starts the daemon as the unit's user with its supplementary group and no capabilities,
    /// under the filters of `unitFiles` (the unit, then drop-ins); its output goes to the log.
    func start(unitFiles: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--reuid=\(daemonUser.uid)", "--regid=\(daemonUser.gid)", "--groups=\(clients)", "--bounding-set=-all", "--inh-caps=-all",
            "--", binaries + "/unit-filter",
        ] + unitFiles + ["--", binaries + "/creditledgerd", "--config", config]
        let handle = try #require(FileHandle(forWritingAtPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try ChildProcess.run(process)
        started.append(process)
        return process
    }

    /// Whether the daemon answers a ping within 30 s (false once it has exited).
    func waitUntilServing(_ process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && ChildProcess.isRunning(process) {
            if let client = try? LineClient(socketPath: socketPath), (try? client.call(["op": "ping"])) != nil { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The installed `creditctl ARGS --socket … --json` as `user`, with the supplementary groups `groups` gives.
    func creditctl(as user: (uid: UInt32, gid: UInt32), groups: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try AccessControlTests.run("/usr/bin/setpriv", [
            "--reuid=\(user.uid)", "--regid=\(user.gid)", groups, "--", binaries + "/creditctl",
        ] + arguments + ["--socket", socketPath, "--json"])
    }
}
