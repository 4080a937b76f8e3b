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

  /// Installs the CA's new revocation list as `crl.pem`: it must be signed by the CA, current,
  /// newer than the one installed, and not revoke this node (which could then no longer talk).
  /// A running node takes it on SIGHUP. Returns where it was written and when it was issued.
  public func installRevocationList(_ pem: Data, fileName: String, now: Date = Date()) throws
    -> (installed: URL, issued: Date, withheld: Int)
  {
    let lists = try RevocationList.all(pem: pem)
    guard let newest = lists.compactMap(\.lastUpdate).max() else {
      throw UsageError(code: "crl.empty", message: "\(fileName) holds no CRL")
    }
    let installed = home.directory.appendingPathComponent("crl.pem")
    if let current = try? RevocationList.all(pem: Data(contentsOf: installed)).compactMap(\.lastUpdate).max(),
      newest < current
    {
      throw UsageError(
        code: "crl.older",
        message:
          "\(fileName) was issued \(newest.iso8601), before the installed CRL (\(current.iso8601)); keep the newer one"
      )
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
    do { try pem.write(to: installed, options: .atomic) } catch {
      throw StoreError.unwritableFile(path: installed.path, reason: SystemError.reason(error))
    }
    // Decided now, not at the next command: the changes its revocations withhold (`RevocationRule`).
    try home.installTrust(trust)
    return (installed, newest, try store.withheldChanges().count)
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
