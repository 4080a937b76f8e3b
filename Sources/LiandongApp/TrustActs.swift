import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// Publishes a federation manifest the CA signed, to every node: its signature must verify with
  /// the CA's key and its version be higher than the one in force.
  public func installManifest(
    _ signed: SignedManifest, fileName: String, by officer: Officer, now: Date = Date()
  )
    throws -> ActResult<FederationManifest>
  {
    // A document that is no manifest says what to correct before anything about its signature.
    let manifest = try FederationManifest.parse(signed.document)
    if let problem = local.verifier.manifestProblem(signed) {
      throw UsageError(code: "manifest.refused", message: "\(fileName) cannot be installed: \(problem)")
    }
    if try store.quarantinedOrigins().contains(local.node.rawValue) {
      throw UsageError(
        code: "node.quarantined",
        message:
          "\(local.node) is quarantined for a fork of its own chain and cannot publish; install \(fileName) on any other node of the federation, and sync: it reaches this node from there"
      )
    }
    if let current = try store.currentManifest()?.view, current.version >= manifest.version {
      throw UsageError(
        code: "manifest.not-newer",
        message:
          "version \(manifest.version) is not newer than the manifest in force (version \(current.version)); the CA must raise the version"
      )
    }
    return try act(
      "federation install",
      [DomainOperation(objectID: local.newObjectID(), action: .publishManifest(signed))],
      audience: .all, by: officer, now: now
    ) { manifest }
  }

  /// Installs the CA's new revocation lists as `crl.pem` and relays them to every node (a change
  /// with audience `all`: `NodeHome.adoptRelayedRevocationLists` puts them in force there). They
  /// must be signed by the CA, current, not older than the lists in force, and not revoke this
  /// node (which could then no longer talk). A running node takes them on SIGHUP, or after its
  /// next sync. `dryRun` decides everything and changes nothing: what `preview` shows is what
  /// installing would do.
  public func installRevocationList(
    _ pem: Data, fileName: String, dryRun: Bool = false, by officer: Officer, now: Date = Date()
  ) throws -> RevocationListInstall {
    let lists = try RevocationList.all(pem: pem)
    let rank = RevocationListRank(lists, digest: home.trust.suite.digest)
    guard let issued = lists.compactMap(\.lastUpdate).max() else {
      throw UsageError(code: "crl.empty", message: "\(fileName) holds no CRL")
    }
    let inForce = RevocationListRank(home.trust.revocationLists, digest: home.trust.suite.digest)
    if rank < inForce {
      throw UsageError(
        code: "crl.older",
        message: "\(fileName) is \(rank), older than the one in force (\(inForce)); keep the newer one")
    }
    // Signed by our CA, current, and not revoking this node: checked by verifying our own chains
    // (the TLS one too, in an `sm` federation).
    let trust = try TrustAnchor(
      caPEM: try NodeHome.readFile(home.directory.appendingPathComponent("ca.pem")), crlPEM: pem)
    do {
      try trust.verify(chain: home.chain, at: now)
      try trust.verify(chain: home.transport().chain, at: now)
    } catch {
      throw UsageError(
        code: "crl.refused", message: "\(fileName) cannot be installed: \(Failure(error).message)")
    }
    var result = RevocationListInstall(
      dryRun: dryRun, file: home.directory.appendingPathComponent("crl.pem"), rank: rank, issued: issued,
      effect: try store.previewRevocations(trust))
    if dryRun { return result }
    // Relayed first: if writing the file then fails, the node puts the relayed lists in force the
    // next time it opens.
    let alreadyHeld = try store.relayedRevocationLists().contains { $0.rank.digest == rank.digest }
    if !alreadyHeld {
      do {
        let relay = try act(
          "crl install",
          [DomainOperation(objectID: local.newObjectID(), action: .publishRevocationLists(lists.map(\.der)))],
          audience: .all, by: officer, now: now
        ) {}
        result.relayedIn = relay.change.id.hex
      } catch let refused as any CodedError {
        // A node that may not write (quarantined, or restored and not caught up) still protects
        // itself; another node must relay the lists.
        result.notRelayed = refused.description
      }
    }
    try NodeHome.writeRevocationLists(pem, in: home.directory)
    // Decided now, not at the next command: the changes its revocations withhold (`RevocationRule`).
    try home.installTrust(trust)
    result.effect.withheld = try store.withheldChanges()
    return result
  }
}

/// What `crl install` did, or with `--dry-run` would do.
public struct RevocationListInstall: Sendable {
  /// Whether it only shows what installing would do (nothing was installed).
  public var dryRun: Bool
  /// Where the lists are (or would be) installed.
  public var file: URL
  public var rank: RevocationListRank
  /// The latest issue time among the lists.
  public var issued: Date
  /// Certificates held that the lists newly revoke, and every change withheld with them in force.
  public var effect: RevocationPreview
  /// The change that relays the lists to every node; nil when they were held already (another
  /// node relayed them), in a dry run, or when this node could not write (`notRelayed` says why).
  public var relayedIn: String? = nil
  public var notRelayed: String? = nil

  /// What `crl install --json` prints and `POST /v1/crl` returns: where the CRL is (or would be)
  /// installed, which one, what it revokes and withholds here, and the change that relays it.
  public struct Shown: Encodable, Sendable {
    public var dryRun: Bool
    public var installed: String
    public var crlNumber: Int64?
    public var issued: String
    public var revokes: [RevokedCertificateView]
    /// How many changes are withheld with it in force (a number), and which.
    public var withheld: Int
    public var withheldChanges: [WithheldChangeView]
    public var relayedIn: String?
    public var notRelayed: String?
  }

  public var shown: Shown {
    Shown(
      dryRun: dryRun, installed: file.path, crlNumber: rank.number >= 0 ? rank.number : nil,
      issued: issued.iso8601, revokes: effect.revoked, withheld: effect.withheld.count,
      withheldChanges: effect.withheld, relayedIn: relayedIn, notRelayed: notRelayed)
  }
}

extension NodeApp {
  /// Replaces this node's certificate and key with a new pair from the CA: announced to every
  /// node by a change signed with the current key, then installed. Safe to run again.
  public func rotateCertificate(certificatePEM: Data, keyPEM: Data, by officer: Officer, now: Date = Date())
    throws
    -> CertificateRotation
  {
    try home.rotateCertificate(certificatePEM: certificatePEM, keyPEM: keyPEM, officer: officer.id, now: now)
  }
}
