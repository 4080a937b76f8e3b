// swift-tools-version:6.1
import PackageDescription

/// Liandong: the node each regional market-regulation bureau runs to exchange leads, evidence and
/// investigation requests. See README.md and ../shared/DESIGN.md for the architecture.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
  name: "Liandong",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "liandong", targets: ["liandong"]),
    .library(name: "LiandongCore", targets: ["LiandongCore"]),
    .library(name: "LiandongStore", targets: ["LiandongStore"]),
    // For FuzzTesting/, a package of its own so that libFuzzer flags never touch the node's build.
    .library(name: "LiandongCrypto", targets: ["LiandongCrypto"]),
    .library(name: "LiandongErrors", targets: ["LiandongErrors"]),
    .library(name: "LiandongProtocol", targets: ["LiandongProtocol"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    .package(url: "https://github.com/apple/swift-nio", exact: "2.101.2"),
    .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    // The HTTP API: Hummingbird 2 and the OpenAPI runtime its generated code needs (the generator
    // itself runs only in scripts/generate-openapi). No TLS product of these is used.
    .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
    .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", exact: "2.1.0"),
    .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4", traits: []),
    .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0", traits: []),
    // Operators' metrics: counters and histograms through swift-metrics, exposed in Prometheus's
    // text format by swift-prometheus on the API's /metrics.
    .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    // The officers' console: server-rendered HTML from Mustache templates built into the binary.
    .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
  ],
  targets: [
    // The system OpenSSL 3 and the few shims for macros Swift cannot import. Nothing else in C.
    .target(
      name: "COpenSSL",
      cSettings: [.define("OPENSSL_API_COMPAT", to: "30000"), .define("OPENSSL_NO_DEPRECATED")],
      linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
    ),
    // PostgreSQL's own client library (Debian's libpq-dev, which links the system OpenSSL): a
    // hub's store. postgres-nio would bring swift-nio-ssl and swift-crypto, which are not used.
    .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
    // The error model every target shares: stable codes, categories, remedies (Protocol/ERRORS.md).
    .target(name: "LiandongErrors", swiftSettings: strict),
    .target(name: "LiandongCrypto", dependencies: ["COpenSSL", "LiandongErrors"], swiftSettings: strict),
    // Generated Protocol Buffers code (Protocol/liandong.proto, scripts/generate-protos).
    .target(
      name: "LiandongWire",
      dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
      swiftSettings: strict
    ),
    .target(
      name: "LiandongCore",
      dependencies: [
        "LiandongCrypto", "LiandongErrors", "LiandongWire",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: strict
    ),
    .target(
      name: "LiandongStore",
      dependencies: [
        "CLibPQ", "COpenSSL", "LiandongCore", "LiandongCrypto", "LiandongErrors",
        .product(name: "GRDB", package: "GRDB.swift"),
        // The system SQLite's C interface, for the statements on the ingest path (DirectStatement).
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      swiftSettings: strict
    ),
    // The sync protocol: frames and the session as a pure state machine (no sockets, no store).
    .target(
      name: "LiandongProtocol",
      dependencies: [
        "LiandongCore", "LiandongErrors", "LiandongWire",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: strict
    ),
    // Mutual TLS 1.3 on SwiftNIO, driving the system OpenSSL through memory BIOs.
    .target(
      name: "LiandongTLS",
      dependencies: [
        "COpenSSL", "LiandongCrypto", "LiandongCore", "LiandongErrors",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    // The running node: the sync driver over TLS, the listener, the peer scheduler.
    .target(
      name: "LiandongNode",
      dependencies: [
        "LiandongCore", "LiandongCrypto", "LiandongErrors", "LiandongStore", "LiandongProtocol",
        "LiandongTLS",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOFoundationCompat", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strict
    ),
    // The application layer: one use case per act, shared by the command line, the HTTP API and
    // the console; they parse and print, it decides.
    .target(
      name: "LiandongApp",
      dependencies: ["LiandongCore", "LiandongCrypto", "LiandongErrors", "LiandongStore", "LiandongNode"],
      // The GB/T 2260 division list, compiled into the binary (an operator may name another).
      resources: [.embedInCode("Divisions")],
      swiftSettings: strict
    ),
    // The HTTP API (Protocol/openapi.yaml): generated types and server stubs (Generated/, from
    // scripts/generate-openapi), served by Hummingbird over the application layer.
    .target(
      name: "LiandongAPI",
      dependencies: [
        "LiandongApp", "LiandongConsole", "LiandongCore", "LiandongCrypto", "LiandongErrors", "LiandongStore",
        "LiandongTLS",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
        .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      swiftSettings: strict
    ),
    // The officers' console: pages and plain forms over the application layer, served on the API's
    // listener. Templates, styles and the one script are compiled into the binary (embedInCode).
    .target(
      name: "LiandongConsole",
      dependencies: [
        "LiandongApp", "LiandongCore", "LiandongCrypto", "LiandongErrors", "LiandongStore",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      resources: [.embedInCode("Assets")],
      swiftSettings: strict
    ),
    // Helpers for tests and benchmarks (never linked into the node): child processes.
    .target(name: "LiandongTesting", swiftSettings: strict),
    // Benchmarks that print figures beside a reference measured in the same run (BENCHMARKS.md).
    .executableTarget(
      name: "liandong-bench",
      dependencies: [
        "LiandongCrypto", "LiandongCore", "LiandongStore", "LiandongApp", "LiandongTLS", "LiandongTesting",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "liandong",
      dependencies: [
        "LiandongAPI", "LiandongApp", "LiandongCore", "LiandongCrypto", "LiandongErrors", "LiandongStore",
        "LiandongNode", "LiandongProtocol", "LiandongTLS",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strict
    ),
    .testTarget(
      name: "LiandongTests",
      dependencies: [
        "LiandongAPI", "LiandongApp", "LiandongConsole", "LiandongCore", "LiandongCrypto", "LiandongErrors",
        "LiandongStore", "LiandongTLS", "LiandongTesting", "LiandongProtocol", "LiandongNode", "liandong",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
  ]
)
