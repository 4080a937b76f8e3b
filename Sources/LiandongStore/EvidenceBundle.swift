import Foundation
import GRDB
import LiandongCore
import LiandongCrypto
import LiandongErrors

/// An evidence bundle for a court or a police office: the files, the signed changes that record
/// them and their chain of custody, the certificates up to the federation CA, a manifest of
/// SHA-256 sums signed by the exporting node, and `verify.sh` / `VERIFY.txt`, which check all of
/// it with the `openssl` command-line tool alone.
///
///     VERIFY.txt  verify.sh  manifest.txt  manifest.sig  evidence.txt  custody.txt  changes.txt
///     files/<evidence id>-<file name>
///     changes/<change id>.header .sig .body      (the signature covers the header bytes; the
///                                                 header holds the body's SHA-256)
///     certs/ca.pem  certs/crl.pem  certs/<node>-<fingerprint>.pem  (and .pub.pem, the key)
public struct EvidenceBundle {
  public struct Summary: Codable, Sendable {
    public var directory: String
    public var evidence: [String]
    public var files: Int
    public var changes: Int
    public var signers: [String]
  }

  let home: NodeHome

  public init(home: NodeHome) { self.home = home }

  /// Writes the bundle of `item` (a lead, request or case, or one evidence item) into `directory`,
  /// which must not exist or be empty. The bundle is written beside it and moved into place
  /// whole, so a failure (a file found damaged on the way, a full disk) leaves nothing behind.
  public func write(item: String, to directory: URL) throws -> Summary {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: directory.path),
      !(try fileManager.contentsOfDirectory(atPath: directory.path)).isEmpty
    {
      throw BundleError.notEmpty(directory.path)
    }
    let staging = directory.deletingLastPathComponent().appendingPathComponent(
      ".\(directory.lastPathComponent).partial-\(UUID().uuidString)")
    do {
      var summary = try writeWhole(item: item, to: staging)
      if fileManager.fileExists(atPath: directory.path) { try fileManager.removeItem(at: directory) }
      try fileManager.moveItem(at: staging, to: directory)
      summary.directory = directory.path
      return summary
    } catch {
      try? fileManager.removeItem(at: staging)
      throw error
    }
  }

  private func writeWhole(item: String, to directory: URL) throws -> Summary {
    let store = home.store
    let items: [EvidenceView]
    if let single = try store.evidence(id: item) {
      items = [single]
    } else {
      items = try store.evidence(item: item)
    }
    guard !items.isEmpty else { throw StoreError.notFound(kind: "evidence for item", id: item) }
    let missing = items.filter { $0.file != "held" }
    guard missing.isEmpty else {
      throw BundleError.filesMissing(missing.map { "\($0.fileName) (\($0.id), \($0.file))" })
    }
    let fileManager = FileManager.default
    for folder in ["files", "changes", "certs"] {
      try fileManager.createDirectory(
        at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    func write(_ name: String, _ data: Data) throws {
      try data.write(to: directory.appendingPathComponent(name), options: .atomic)
    }

    // The files, copied by streaming from the blob store.
    var manifest: [(String, Data)] = []
    for evidence in items {
      let name = Self.bundledName(evidence)
      guard let sha256 = Data(hex: evidence.sha256), let source = try home.blobs.file(sha256) else {
        continue
      }
      try copyChecked(source, sha256: sha256, to: directory.appendingPathComponent(name), evidence: evidence)
      manifest.append((name, sha256))
    }

    // Every change that records these items or their custody, with its signer's certificate.
    let changes = try store.changes(touching: try items.map { try ObjectID($0.id) })
    var signers: [Data: (node: String, chain: [Certificate])] = [:]
    var signedAt: [Data: ClosedRange<UInt64>] = [:]
    var changeLines: [String] = []
    var verifications: [String] = []
    for change in changes {
      let id = change.id.hex
      let header = change.header
      try write("changes/\(id).header", change.headerBytes)
      try write("changes/\(id).sig", change.signature)
      manifest.append(("changes/\(id).header", change.id.bytes))
      if let body = change.body {
        try write("changes/\(id).body", body)
        manifest.append(("changes/\(id).body", header.bodySHA256))
      }
      if signers[header.signerSHA256] == nil {
        guard let chain = try store.certificateChain(fingerprint: header.signerSHA256) else {
          throw BundleError.noCertificate(node: header.origin.rawValue, fingerprint: header.signerSHA256.hex)
        }
        signers[header.signerSHA256] = (header.origin.rawValue, chain)
      }
      let seconds = header.time.wallMillis / 1000
      signedAt[header.signerSHA256] =
        signedAt[header.signerSHA256].map {
          min($0.lowerBound, seconds)...max($0.upperBound, seconds)
        } ?? seconds...seconds
      let certificate = Self.certificateName(header.origin.rawValue, header.signerSHA256)
      verifications.append(
        Self.verifyCommand(
          algorithm: try signers[header.signerSHA256]!.chain[0].publicKey().algorithm,
          publicKey: "certs/\(certificate).pub.pem", signature: "changes/\(id).sig",
          data: "changes/\(id).header"))
      let operations =
        change.decodedBody()?.operations.map(NodeStore.describe) ?? ["(stub: content not held)"]
      let lines =
        [
          "change \(id)",
          "  origin \(header.origin) #\(header.sequence), \(header.time.iso8601), officer "
            + (change.decodedBody()?.officer ?? "?"),
          "  body SHA-256 \(header.bodySHA256.hex)",
        ] + operations.map { "  \($0)" }
      changeLines.append(lines.map(VisibleText.escaped).joined(separator: "\n"))
    }

    // The exporting node signs the manifest.
    let ownFingerprint = home.chain[0].fingerprint
    signers[ownFingerprint] = (home.node.rawValue, home.chain)
    let exported = UInt64(Date().timeIntervalSince1970)
    signedAt[ownFingerprint] =
      signedAt[ownFingerprint].map { $0.lowerBound...exported } ?? exported...exported
    let certificateLines = try writeCertificates(
      signers, signedAt: signedAt, directory: directory, manifest: &manifest)
    let manifestText = manifest.map { "\($0.1.hex)  \($0.0)" }.joined(separator: "\n") + "\n"
    try write("manifest.txt", Data(manifestText.utf8))
    try write("manifest.sig", try home.key.sign(Data(manifestText.utf8)))
    let exporterKey = "certs/\(Self.certificateName(home.node.rawValue, ownFingerprint)).pub.pem"
    let manifestCheck = Self.verifyCommand(
      algorithm: home.key.algorithm, publicKey: exporterKey, signature: "manifest.sig", data: "manifest.txt")

    try write("evidence.txt", Data(items.map(Self.describe).joined(separator: "\n\n").utf8 + [0x0a]))
    try write("custody.txt", Data(items.map(Self.custody).joined(separator: "\n\n").utf8 + [0x0a]))
    try write("changes.txt", Data((changeLines.joined(separator: "\n\n") + "\n").utf8))
    let crl = fileManager.fileExists(atPath: directory.appendingPathComponent("certs/crl.pem").path)
    let script = Self.script(
      certificates: certificateLines, crl: crl, manifestCheck: manifestCheck, changeChecks: verifications)
    try write("verify.sh", Data(script.utf8))
    try fileManager.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: directory.appendingPathComponent("verify.sh").path)
    try write("VERIFY.txt", Data(Self.instructions(exporter: home.node.rawValue, script: script).utf8))
    return Summary(
      directory: directory.path, evidence: items.map(\.id), files: items.count, changes: changes.count,
      signers: signers.values.map(\.node).sorted())
  }

  /// Copies an evidence file while hashing it: a file altered on this node's disk since it was
  /// stored is recorded damaged (and fetched again), and the export is refused, rather than a
  /// bundle whose manifest vouches for the wrong bytes.
  private func copyChecked(_ source: URL, sha256: Data, to destination: URL, evidence: EvidenceView) throws {
    guard FileManager.default.createFile(atPath: destination.path, contents: nil),
      let output = FileHandle(forWritingAtPath: destination.path)
    else {
      throw StoreError.unwritableFile(path: destination.path, reason: "cannot create the file")
    }
    defer { try? output.close() }
    let hasher = SHA256.Hasher()
    var size: UInt64 = 0
    do {
      let input = try FileHandle(forReadingFrom: source)
      defer { try? input.close() }
      while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty {
        hasher.update(piece)
        try output.write(contentsOf: piece)
        size += UInt64(piece.count)
      }
    } catch {
      if SystemError.posixCode(error) == ENOSPC { throw StoreError.diskFull(path: destination.path) }
      try? home.recordDamage(of: sha256, finding: .unreadable(reason: SystemError.reason(error)))
      throw BundleError.fileDamaged("\(evidence.fileName) (\(evidence.id))")
    }
    let actual = hasher.finalize()
    guard actual == sha256, size == evidence.size else {
      try? home.recordDamage(
        of: sha256,
        finding: size == evidence.size
          ? .contentChanged(actualSHA256: actual.hex) : .sizeChanged(expected: evidence.size, actual: size))
      throw BundleError.fileDamaged("\(evidence.fileName) (\(evidence.id))")
    }
  }

  /// What `verify.sh` checks of one signer's certificate: its files, when it signed what the
  /// bundle holds, and its revocation if the bundled CRL lists it.
  struct SignerCheck {
    var leaf: String
    var intermediates: String?
    var serial: String
    /// Seconds since 1970 of its first and last signature in the bundle.
    var signed: ClosedRange<UInt64>
    var revoked: Date?
  }

  /// Writes the CA, the CRL, and each signer's certificate (leaf, its intermediates, its public
  /// key); returns what `verify.sh` checks of each.
  private func writeCertificates(
    _ signers: [Data: (node: String, chain: [Certificate])], signedAt: [Data: ClosedRange<UInt64>],
    directory: URL, manifest: inout [(String, Data)]
  ) throws -> [SignerCheck] {
    func write(_ name: String, _ data: Data) throws {
      try data.write(to: directory.appendingPathComponent(name), options: .atomic)
      manifest.append((name, SHA256.hash(data)))
    }
    try write("certs/ca.pem", try Data(contentsOf: home.directory.appendingPathComponent("ca.pem")))
    let crl = home.directory.appendingPathComponent("crl.pem")
    var lists: [RevocationList] = []
    if FileManager.default.fileExists(atPath: crl.path) {
      let bytes = try Data(contentsOf: crl)
      try write("certs/crl.pem", bytes)
      lists = try RevocationList.all(pem: bytes)
    }
    var names: [SignerCheck] = []
    for (fingerprint, signer) in signers.sorted(by: { $0.value.node < $1.value.node }) {
      let name = Self.certificateName(signer.node, fingerprint)
      try write("certs/\(name).pem", try signer.chain[0].pem())
      try write("certs/\(name).pub.pem", try signer.chain[0].publicKey().pem())
      var intermediates: String? = nil
      if signer.chain.count > 1 {
        intermediates = "certs/\(name)-intermediates.pem"
        try write(intermediates!, Data(try signer.chain.dropFirst().flatMap { try $0.pem() }))
      }
      let leaf = signer.chain[0]
      names.append(
        SignerCheck(
          leaf: "certs/\(name).pem", intermediates: intermediates, serial: leaf.serialHex,
          signed: signedAt[fingerprint] ?? 0...0,
          revoked: lists.compactMap { $0.revocationDate(of: leaf) }.min()))
    }
    return names
  }

  static func certificateName(_ node: String, _ fingerprint: Data) -> String {
    "\(node)-\(fingerprint.hex.prefix(12))"
  }

  static func verifyCommand(algorithm: KeyAlgorithm, publicKey: String, signature: String, data: String)
    -> String
  {
    switch algorithm {
    case .ed25519:
      "openssl pkeyutl -verify -pubin -inkey \(publicKey) -rawin -in \(data) -sigfile \(signature)"
    default:
      "openssl dgst -sha256 -verify \(publicKey) -signature \(signature) \(data)"
    }
  }

  static func script(
    certificates: [SignerCheck], crl: Bool, manifestCheck: String, changeChecks: [String]
  ) -> String {
    var lines = [
      "#!/bin/sh",
      "# Verifies this evidence bundle with the openssl command-line tool alone. Exit 0 only if every",
      "# check holds. Run it from the bundle's folder: sh verify.sh",
      "set -e",
      "cd \"$(dirname \"$0\")\"",
      "echo '1. Each signing certificate was issued by the federation CA and valid when it signed'",
      "echo '   (checked at the time of its first and last signature here, as its changes state them),'",
      "echo '   and the revocation list, signed by the CA, does not revoke it before its last signature:'",
    ]
    if crl { lines.append("openssl crl -in certs/crl.pem -CAfile certs/ca.pem -noout") }
    for certificate in certificates {
      let untrusted = certificate.intermediates.map { " -untrusted \($0)" } ?? ""
      for moment in Set([certificate.signed.lowerBound, certificate.signed.upperBound]).sorted() {
        lines.append(
          "echo '   at \(Date(timeIntervalSince1970: TimeInterval(moment)).iso8601):' && "
            + "openssl verify -attime \(moment) -CAfile certs/ca.pem\(untrusted) \(certificate.leaf)")
      }
      guard crl else { continue }
      if let revoked = certificate.revoked,
        revoked.timeIntervalSince1970 > Double(certificate.signed.upperBound)
      {
        // Revoked after its last signature here (a node refuses a change signed after its
        // certificate's revocation): the CRL's entry is shown, with both dates, for the reader.
        lines.append(
          "echo '   \(certificate.leaf) (serial \(certificate.serial)) was revoked at \(revoked.iso8601), after its last signature here at \(Date(timeIntervalSince1970: TimeInterval(certificate.signed.upperBound)).iso8601); the CRL says:'"
        )
        lines.append(
          "openssl crl -in certs/crl.pem -noout -text | grep -i -A 1 '\(certificate.serial)$'")
      } else {
        // Not in the CRL, whatever today's date: a bundle checked years later, when the CRL and
        // the certificate have long expired, still proves it. (A certificate revoked before its
        // last signature here fails this check, as it must.)
        lines.append(
          "openssl verify -no_check_time -CAfile certs/ca.pem -crl_check -CRLfile certs/crl.pem\(untrusted) \(certificate.leaf)"
        )
      }
    }
    lines.append("echo '2. The manifest was signed by the exporting node:'")
    lines.append(manifestCheck)
    lines.append("echo '3. Every file, change header and body matches its SHA-256 in the manifest:'")
    lines.append(
      """
      while read -r sum name; do
        actual=$(openssl dgst -sha256 -r "$name" | cut -d' ' -f1)
        if [ "$actual" != "$sum" ]; then echo "MISMATCH: $name"; exit 1; fi
        echo "OK: $name"
      done < manifest.txt
      """)
    lines.append("echo '4. Every change was signed by its origin (the signature covers the header):'")
    lines += changeChecks
    lines.append("echo 'All checks passed.'")
    return lines.joined(separator: "\n") + "\n"
  }

  static func instructions(exporter: String, script: String) -> String {
    """
    Evidence bundle exported by Liandong node \(exporter)

    What it holds
      files/        the evidence files
      evidence.txt  what each file is (category, how it was fixed, by whom, SHA-256)
      custody.txt   each file's chain of custody, event by event
      changes/      the signed records of the evidence and its custody: for each change, the header
                    bytes (.header), the origin's signature over them (.sig) and the body (.body).
                    The change's ID is the SHA-256 of its header; the header contains the SHA-256
                    of the body. changes.txt lists them in readable form.
      certs/        the federation CA (ca.pem), its revocation list (crl.pem) and each signer's
                    certificate with its public key (.pub.pem)
      manifest.txt  the SHA-256 of every file above; manifest.sig is the exporting node's
                    signature over it

    How to verify (needs only the openssl command-line tool and a POSIX shell)
      sh verify.sh

    verify.sh runs exactly these commands; any failing one stops it with a non-zero status:

    \(script)
    """
  }

  static func describe(_ evidence: EvidenceView) -> String {
    [
      "evidence \(evidence.id)",
      "  file: \(bundledName(evidence)) (\(evidence.mediaType), \(evidence.size) bytes)",
      "  name as given: \(evidence.fileName)",
      "  SHA-256: \(evidence.sha256)", "  belongs to: \(evidence.item)",
      "  category: \(evidence.category) (\(evidence.original ? "original" : "copy"))",
      "  fixed: \(evidence.howFixed ?? "-") by \(evidence.fixedBy) \(evidence.tool.isEmpty ? "" : "with \(evidence.tool)")",
      "  source: \(evidence.sourceURL.isEmpty ? "-" : evidence.sourceURL), captured \(evidence.capturedAt.isEmpty ? "-" : evidence.capturedAt)",
      "  added: \(evidence.added) by \(evidence.origin) (\(evidence.addedBy))",
    ].map(VisibleText.escaped).joined(separator: "\n")
  }

  /// Where an evidence file goes in the bundle: its ID and its name with everything but
  /// letters, digits and `. - _ ( )` made `_`. The name came from a person or a peer; a slash, a
  /// leading dot or a newline in it must not escape the folder or break `verify.sh`, which
  /// reads the manifest line by line. The name as given is in `evidence.txt`.
  static func bundledName(_ evidence: EvidenceView) -> String {
    var safe = String(
      evidence.fileName.map { character -> Character in
        let allowed = character.isLetter || character.isNumber || ".-_()".contains(character)
        return allowed && character.unicodeScalars.allSatisfy { !VisibleText.needsEscape($0) }
          ? character : "_"
      })
    while safe.hasPrefix(".") { safe.removeFirst() }
    while safe.utf8.count > 120 { safe.removeLast() }
    return "files/\(evidence.id)-\(safe.isEmpty ? "file" : safe)"
  }

  static func custody(_ evidence: EvidenceView) -> String {
    var lines = [
      "evidence \(evidence.id) (\(evidence.fileName))", "  \(evidence.added)  added  by \(evidence.origin)",
    ]
    for entry in evidence.custody {
      var text = "  \(entry.time)  \(entry.event)  by \(entry.node) (\(entry.officer))"
      if let matched = entry.hashMatched { text += matched ? ", SHA-256 matched" : ", SHA-256 did not match" }
      if !entry.holder.isEmpty { text += ", to \(entry.holder)" }
      if !entry.note.isEmpty { text += ": \(entry.note)" }
      lines.append(text + "  [operation \(entry.operation)]")
    }
    return lines.map(VisibleText.escaped).joined(separator: "\n")
  }
}

public enum BundleError: CodedError, Sendable {
  case filesMissing([String])
  case notEmpty(String)
  case noCertificate(node: String, fingerprint: String)
  case fileDamaged(String)

  public var code: String {
    switch self {
    case .fileDamaged: "bundle.file-damaged"
    case .filesMissing: "bundle.files-missing"
    case .notEmpty: "bundle.not-empty"
    case .noCertificate: "bundle.no-certificate"
    }
  }

  public var description: String {
    switch self {
    case .filesMissing(let files):
      "this node does not hold every file yet: \(files.joined(separator: ", ")); sync with a node that has them, then export again"
    case .notEmpty(let path): "\(path) is not empty; name a new folder for the bundle"
    case .fileDamaged(let file):
      "the file \(file) no longer matches its SHA-256 on this node's disk: it is set aside and recorded damaged, and no bundle was written"
    case .noCertificate(let node, let fingerprint):
      "the certificate \(fingerprint.prefix(12)) of \(node) is not known to this node"
    }
  }
}
