import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore

/// A federation CA with node certificates, all made by `Deploy/pki/liandong-pki` over the real
/// `openssl` tool (so the tests exercise certificates nobody here encoded).
struct TestFederation: Sendable {
  let directory: URL
  /// When set, every certificate and CRL is made as if at this second (through `faketime`, its
  /// clock frozen there: a clock that ran on would stamp a later second on a loaded machine, and
  /// the simulation, which reads its revocation time from the CRL, would replay a seed differently).
  let madeOn: String?

  init(label: String = "ca", key: String = "p256", madeOn: String? = nil) throws {
    directory = temporaryDirectory(label)
    self.madeOn = madeOn
    try pki(["init", directory.path, "--key", key, "--name", "Test CA \(label)"])
  }

  /// The CA in `directory`, acting as if on the day `madeOn` says.
  init(directory: URL, madeOn: String?) {
    self.directory = directory
    self.madeOn = madeOn
  }

  /// A federation with certificates already issued for `nodes`.
  init(label: String, nodes: [String]) throws {
    try self.init(label: label)
    for node in nodes { try issue(node) }
  }

  /// The shared federation of the in-process tests: seven nodes, issued once per test run, as
  /// if a day ago. Tests sign changes a little before "now"; made now, the certificates would
  /// not yet be valid at those times whenever a test is the first to touch this federation.
  static let shared: TestFederation = {
    let dayAgo = Date().addingTimeInterval(-86_400)
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    let federation = try! TestFederation(label: "shared", madeOn: formatter.string(from: dayAgo))
    for index in 0..<7 { try! federation.issue("n\(index)") }
    try! federation.issue("ed25519-node", key: "ed25519")
    return federation
  }()

  /// The deterministic simulation's federation: made as if on 1 January 2025, so that runs can
  /// use a fixed fake clock (`simulationEpochMillis`) and replay exactly on any later day. Ed25519
  /// keys, because their signatures are deterministic: ECDSA's vary in length, which moves batch
  /// boundaries and with them what a lost frame takes.
  static let simulation: TestFederation = {
    let federation = try! TestFederation(label: "simulation", key: "ed25519", madeOn: "2025-01-01 00:00:00")
    for index in 0..<5 { try! federation.issue("n\(index)", key: "ed25519") }
    return federation
  }()
  /// 2025-01-10T00:00:00Z: inside the simulation certificates' year and their CRL's 30 days.
  static let simulationEpochMillis: UInt64 = 1_736_467_200_000
  /// When the simulation's CA revokes n2's certificate in the theft runs, as its CRL states it:
  /// asked at 2025-01-10T00:00:08Z under `faketime`; the runs read it from the CRL.
  static let simulationRevocationMillis: UInt64 =
    simulationRevocation.revocationTime(of: try! simulation.chain("n2")[0])!.unixMillis

  /// The simulation's CA with a CRL, issued at 2025-01-10T00:00:08Z, that revokes n2 then: what
  /// the theft runs install. Made in a copy of the CA, so that the federation's own CRL, which
  /// concurrent runs read, never changes.
  static let simulationRevocation: TrustAnchor = {
    let copy = copyOfSimulationCA("simulation-revocation")
    let then = TestFederation(directory: copy, madeOn: "2025-01-10 00:00:08")
    try! then.revoke("n2")
    try! then.publishCRL()
    return try! then.trust()
  }()

  /// The rotation runs' second certificate for n2 (and its key), issued on 9 January 2025, and the
  /// CA with a CRL, issued at 2025-01-10T00:00:08Z, that then revokes n2's first certificate as
  /// superseded: what a bureau does after `cert rotate`. Made in a copy of the CA, as
  /// `simulationRevocation` is.
  static let simulationRotation: (chain: [Certificate], key: PrivateKey, trust: TrustAnchor) = {
    let copy = copyOfSimulationCA("simulation-rotation")
    let first = try! simulation.chain("n2")[0].serialHex
    let before = TestFederation(directory: copy, madeOn: "2025-01-09 00:00:00")
    try! before.issue("n2", key: "ed25519")
    let then = TestFederation(directory: copy, madeOn: "2025-01-10 00:00:08")
    try! then.pki(["revoke", copy.path, "n2", "--serial", first])
    try! then.publishCRL()
    return (try! before.chain("n2"), try! before.key("n2"), try! then.trust())
  }()
  /// A copy of the simulation's CA folder, its configuration pointing at the copy.
  private static func copyOfSimulationCA(_ label: String) -> URL {
    let copy = temporaryDirectory(label).appendingPathComponent("ca")
    try! FileManager.default.copyItem(at: simulation.directory, to: copy)
    let configuration = copy.appendingPathComponent("ca.cnf")
    let text = try! String(contentsOf: configuration, encoding: .utf8).replacingOccurrences(
      of: "dir = \(simulation.directory.path)\n", with: "dir = \(copy.path)\n")
    try! text.write(to: configuration, atomically: true, encoding: .utf8)
    return copy
  }

  /// When the rotation runs' CRL revokes n2's first certificate.
  static let simulationRotationRevokedMillis: UInt64 =
    simulationRotation.trust.revocationTime(of: try! simulation.chain("n2")[0])!.unixMillis

  func pki(_ arguments: [String]) throws {
    let script = repositoryRoot.appendingPathComponent("Deploy/pki/liandong-pki").path
    let result =
      if let madeOn {
        try run("faketime", ["-f", madeOn, script] + arguments, environment: ["TZ": "UTC"])
      } else {
        try run(script, arguments)
      }
    guard result.status == 0 else {
      throw TestFailure("liandong-pki \(arguments.joined(separator: " ")): \(result)")
    }
  }

  @discardableResult
  func issue(
    _ node: String, key: String? = nil, start: String? = nil, end: String? = nil, hosts: [String] = []
  ) throws -> NodeFiles {
    // Without --key the CA's own kind: P-256, or SM2 (with a TLS certificate) for an SM2 CA.
    var arguments = ["issue", directory.path, node, "--force"] + (key.map { ["--key", $0] } ?? [])
    if let start, let end { arguments += ["--start", start, "--end", end] }
    for host in hosts { arguments += ["--host", host] }
    try pki(arguments)
    return files(node)
  }

  /// A federation manifest signed with this CA's key, as `liandong-pki manifest` signs it.
  func signedManifest(_ json: String) throws -> SignedManifest {
    let document = Data(json.utf8)
    let key = try PrivateKey(pem: Data(contentsOf: directory.appendingPathComponent("ca.key")))
    return SignedManifest(document: document, signature: try key.sign(document))
  }

  /// The shared federation's manifest: n0 and n1 are superiors of every node.
  var manifest: SignedManifest {
    get throws {
      let nodes = (0..<7).map { "\"n\($0)\"" }.joined(separator: ",")
      return try signedManifest(
        #"{"federation": "test", "version": 1, "groups": {"odd": ["n1", "n3", "n5"]}, "superiors": {"n0": ["#
          + nodes + #"], "n1": ["# + nodes + "]}}")
    }
  }

  func revoke(_ node: String) throws { try pki(["revoke", directory.path, node]) }
  func publishCRL(hours: Int? = nil) throws {
    try pki(["crl", directory.path] + (hours.map { ["--hours", "\($0)"] } ?? []))
  }

  func files(_ node: String) -> NodeFiles {
    NodeFiles(
      certificate: directory.appendingPathComponent("nodes/\(node).pem"),
      key: directory.appendingPathComponent("nodes/\(node).key"))
  }

  /// A real data folder for `node` at `directory`, initialised with this federation's files.
  func home(_ node: String, at directory: URL, officer: String = "t") throws -> NodeHome {
    let files = files(node)
    return try NodeHome.initialize(
      directory, node: try NodeID(node), caPEM: caPEM, certificatePEM: Data(contentsOf: files.certificate),
      keyPEM: Data(contentsOf: files.key), crlPEM: crlPEM, officer: officer)
  }

  var caURL: URL { directory.appendingPathComponent("ca.pem") }
  var crlURL: URL { directory.appendingPathComponent("crl.pem") }
  var caPEM: Data { try! Data(contentsOf: caURL) }
  var crlPEM: Data { try! Data(contentsOf: crlURL) }

  func trust(withCRL: Bool = true) throws -> TrustAnchor {
    try TrustAnchor(caPEM: caPEM, crlPEM: withCRL ? crlPEM : nil)
  }

  func chain(_ node: String) throws -> [Certificate] {
    try Certificate.chain(pem: Data(contentsOf: files(node).certificate))
  }
  func key(_ node: String) throws -> PrivateKey { try PrivateKey(pem: Data(contentsOf: files(node).key)) }
}

struct NodeFiles: Sendable {
  let certificate: URL
  let key: URL
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
