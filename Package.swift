// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CreditLedger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "creditledgerd", targets: ["creditledgerd"]),
        .executable(name: "creditctl", targets: ["creditctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The C library, found through pkg-config (Debian: liblmdb-dev).
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // glibc's <malloc.h>, for the daemon's mmap threshold.
        .systemLibrary(name: "CMalloc"),

        // JSON values, a strict parser and the canonical encoder (no dependencies).
        .target(name: "LedgerJSON"),

        // Calendar arithmetic on day numbers, shared by the store and the domain.
        .target(name: "LedgerTime"),

        // The append-only, hash-chained log on LMDB. Knows nothing of credit.
        .target(name: "LedgerStore", dependencies: [
            "CLMDB", "LedgerTime",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),

        // Entities, event kinds and validation. Knows nothing of storage or sockets.
        .target(name: "CreditDomain", dependencies: ["LedgerJSON", "LedgerTime"]),

        // Time, rules as data, and the projections derived from an entity's events.
        .target(name: "CreditProjection", dependencies: [
            "CreditDomain", "LedgerJSON",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // The ledger: domain validation applied inside the store's write transactions.
        .target(name: "CreditLedger", dependencies: [
            "LedgerStore", "CreditDomain", "CreditProjection", "LedgerJSON",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // 双公示 CSV files of penalties and licences, mapped to events (creditctl import).
        .target(name: "LedgerImport", dependencies: [
            "CreditDomain", "LedgerJSON",
            .product(name: "CSV", package: "CSV.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // Requests, responses and error codes of the line protocol.
        .target(name: "LedgerProtocol", dependencies: ["LedgerJSON", "CreditDomain"]),

        // The Unix-socket server (SwiftNIO).
        .target(name: "LedgerServer", dependencies: [
            "CreditLedger", "CreditProjection", "LedgerProtocol", "LedgerJSON",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The HTTPS edge: every op over HTTP with mutual TLS (Hummingbird, swift-nio-ssl).
        .target(name: "LedgerEdge", dependencies: [
            "LedgerServer", "LedgerProtocol", "LedgerJSON", "CreditDomain",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Followers: a leader's log copied record by record over its HTTPS edge (AsyncHTTPClient).
        .target(name: "LedgerReplication", dependencies: [
            "CreditLedger", "LedgerStore", "LedgerJSON",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // creditctl desk: the auditor's web desk on 127.0.0.1, read ops forwarded to the socket (Hummingbird).
        .target(name: "LedgerDesk", dependencies: [
            "LedgerProtocol", "LedgerJSON",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The officer's documents: the report page from a template outside the binary (swift-mustache),
        // its number and verification code, and the Chinese labels of the daemon's codes.
        .target(name: "LedgerDocuments", dependencies: [
            "LedgerJSON", "LedgerTime",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        .executableTarget(name: "creditledgerd", dependencies: [
            "CMalloc", "LedgerServer", "LedgerEdge", "LedgerReplication", "CreditLedger", "CreditProjection", "LedgerJSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "creditctl", dependencies: [
            "LedgerStore", "LedgerProtocol", "LedgerJSON", "LedgerImport", "CreditDomain", "CreditLedger", "LedgerDocuments", "LedgerDesk",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // creditctl load opens the ledger offline: the rules and a logger for it.
            "CreditProjection", .product(name: "Logging", package: "swift-log"),
        ]),
        // Load generator behind Tools/bench (not shipped).
        .executableTarget(name: "ledger-bench", dependencies: [
            "LedgerJSON", "LedgerProtocol", "CreditDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // libFuzzer target over request parsing and event validation (Tools/fuzz builds it with
        // -sanitize=fuzzer; an ordinary build replays the inputs named on its command line).
        .executableTarget(name: "ledger-fuzz", dependencies: ["LedgerJSON", "LedgerProtocol", "CreditDomain"]),

        // Helpers shared by the test targets (not part of the product).
        .target(name: "TestSupport"),

        .testTarget(name: "LedgerJSONTests", dependencies: ["LedgerJSON"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore"]),
        .testTarget(name: "CreditDomainTests", dependencies: ["CreditDomain", "LedgerJSON", "TestSupport"]),
        .testTarget(name: "CreditProjectionTests", dependencies: ["CreditProjection", "CreditDomain", "LedgerJSON", "TestSupport"]),
        .testTarget(name: "LedgerDocumentsTests", dependencies: ["LedgerDocuments", "LedgerJSON", "TestSupport"]),
        .testTarget(name: "LedgerImportTests", dependencies: ["LedgerImport", "CreditDomain", "LedgerJSON"]),
        .testTarget(name: "CreditLedgerTests", dependencies: ["CreditLedger", "CreditDomain", "CreditProjection", "LedgerJSON", "TestSupport"]),
        .testTarget(name: "LedgerDeskTests", dependencies: ["LedgerDesk", "LedgerProtocol"]),
        .testTarget(name: "DaemonTests", dependencies: ["LedgerJSON", "LedgerProtocol", "CreditDomain", "TestSupport", "LedgerDocuments", "creditledgerd", "creditctl"]),
    ]
)
