// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for the parts of the node that read bytes from peers. A package of its own so
/// that `-sanitize=fuzzer` never touches the node's build; `scripts/fuzz` builds and runs it.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
  name: "LiandongFuzzTesting",
  platforms: [.macOS(.v14)],
  dependencies: [.package(name: "Liandong", path: "..")],
  targets: [
    .target(name: "CFuzzDriver"),
    .target(
      name: "FuzzSupport",
      dependencies: [
        "CFuzzDriver",
        .product(name: "LiandongCore", package: "Liandong"),
        .product(name: "LiandongCrypto", package: "Liandong"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "FuzzFrames",
      dependencies: ["FuzzSupport", .product(name: "LiandongProtocol", package: "Liandong")],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "FuzzChange",
      dependencies: [
        "FuzzSupport",
        .product(name: "LiandongCore", package: "Liandong"),
        .product(name: "LiandongCrypto", package: "Liandong"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "FuzzSession",
      dependencies: [
        "FuzzSupport",
        .product(name: "LiandongCore", package: "Liandong"),
        .product(name: "LiandongProtocol", package: "Liandong"),
      ],
      swiftSettings: strict
    ),
  ]
)
