import Foundation
import GRDB
import LiandongCore
import LiandongCrypto
import LiandongErrors

/// An evidence bundle for a court or a police office: the files, the signed changes that record
/// them and their chain of custody, the certificates up to the federation CA, a manifest of
/// SHA-256 sums (SM3 in an `sm` federation) signed by the exporting node, and `verify.sh` / `VERIFY.txt`, which check all of
/// it with the `openssl` command-line tool alone.
///
///     VERIFY.txt  verify.sh  manifest.txt  manifest.sig  evidence.txt  custody.txt  changes.txt
///     files/<evidence id>-<file name>
///     changes/<change id>.header .sig .body      (the signature covers the header bytes; the
///                                                 header holds the body's SHA-256)
///     certs/ca.pem  certs/crl.pem  certs/<node>-<fingerprint>.pem  (and .pub.pem, the key)
///     certs/ca.pub.pem                           (sm: the CA's key, for the CRL's signature)
public struct EvidenceBundle {
  public struct Summary: Codable, Sendable {
    public var directory: String
    public var evidence: [String]
    public var files: Int
    public var changes: Int
    public var signers: [String]
    /// Proofs that another region held a change (`receipts.txt`).
    public var receipts: Int
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
      guard let sha256 = Data(hex: evidence.sha256), let source = try home.blobs.reader(sha256) else {
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
      try noteSigner(
        header.signerSHA256, of: header.origin, at: header.time.wallMillis / 1000, signers: &signers,
        signedAt: &signedAt)
      let certificate = Self.certificateName(header.origin.rawValue, header.signerSHA256)
      verifications.append(
        Self.verifyCommand(
          algorithm: try signers[header.signerSHA256]!.chain[0].publicKey().algorithm,
          publicKey: "certs/\(certificate).pub.pem", signature: "changes/\(id).sig",
          data: "changes/\(id).header"))
      let operations =
        change.decodedBody()?.operations.map { NodeStore.describe($0, in: header.suite) }
        ?? ["(stub: content not held)"]
      let lines =
        [
          "change \(id)",
          "  origin \(header.origin) #\(header.sequence), \(header.time.iso8601), officer "
            + (change.decodedBody()?.officer ?? "?"),
          "  body \(Self.hashName(header.suite)) \(header.bodySHA256.hex)",
        ] + operations.map { "  \($0)" }
      changeLines.append(lines.map(VisibleText.escaped).joined(separator: "\n"))
    }

    // Which other regions are proven to hold each change, and since when.
    let suite = home.trust.suite
    let receipts = try writeReceipts(
      of: changes, to: directory, suite: suite, signers: &signers, signedAt: &signedAt, manifest: &manifest)
    if !receipts.lines.isEmpty {
      let text = Data((receipts.lines.joined(separator: "\n\n") + "\n").utf8)
      try write("receipts.txt", text)
      manifest.append(("receipts.txt", suite.digest.hash(text)))
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

    let hash = Self.hashName(suite)
    try write(
      "evidence.txt",
      Data(items.map { Self.describe($0, hash: hash) }.joined(separator: "\n\n").utf8 + [0x0a]))
    try write(
      "custody.txt", Data(items.map { Self.custody($0, hash: hash) }.joined(separator: "\n\n").utf8 + [0x0a]))
    try write("changes.txt", Data((changeLines.joined(separator: "\n\n") + "\n").utf8))
    let crl = fileManager.fileExists(atPath: directory.appendingPathComponent("certs/crl.pem").path)
    let script = Self.script(
      certificates: certificateLines, crl: crl, manifestCheck: manifestCheck, changeChecks: verifications,
      receiptChecks: receipts.checks, suite: suite)
    try write("verify.sh", Data(script.utf8))
    try fileManager.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: directory.appendingPathComponent("verify.sh").path)
    try write(
      "VERIFY.txt", Data(Self.instructions(exporter: home.node.rawValue, script: script, hash: hash).utf8))
    return Summary(
      directory: directory.path, evidence: items.map(\.id), files: items.count, changes: changes.count,
      signers: signers.values.map(\.node).sorted(), receipts: receipts.lines.count)
  }

  /// Copies an evidence file while hashing it: a file altered on this node's disk since it was
  /// stored is recorded damaged (and fetched again), and the export is refused, rather than a
  /// bundle whose manifest vouches for the wrong bytes.
  private func copyChecked(_ source: BlobReader, sha256: Data, to destination: URL, evidence: EvidenceView)
    throws
  {
    try source.write(to: destination)
    if let unavailable = source.unavailable { throw unavailable }
    if let finding = source.finding {
      try? home.recordDamage(of: sha256, finding: finding)
      throw BundleError.fileDamaged("\(evidence.fileName) (\(evidence.id))")
    }
  }

  /// Adds the certificate `fingerprint` of `node` to the bundle's signers, if new, and `seconds`
  /// to the span of its signatures that `verify.sh` checks it over.
  func noteSigner(
    _ fingerprint: Data, of node: NodeID, at seconds: UInt64,
    signers: inout [Data: (node: String, chain: [Certificate])], signedAt: inout [Data: ClosedRange<UInt64>]
  ) throws {
    if signers[fingerprint] == nil {
      guard let chain = try home.store.certificateChain(fingerprint: fingerprint) else {
        throw BundleError.noCertificate(node: node.rawValue, fingerprint: fingerprint.hex)
      }
      signers[fingerprint] = (node.rawValue, chain)
    }
    signedAt[fingerprint] =
      signedAt[fingerprint].map { min($0.lowerBound, seconds)...max($0.upperBound, seconds) }
      ?? seconds...seconds
  }

  /// What `verify.sh` checks of one signer's certificate: its files, when it signed what the
  /// bundle holds, and its revocation if the bundled CRL lists it.
  struct SignerCheck {
    var leaf: String
    var intermediates: String?
    /// In an `sm` federation, each intermediate in a file of its own, the leaf's issuer first.
    var intermediateFiles: [String] = []
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
      manifest.append((name, home.blobs.digest.hash(data)))
    }
    try write("certs/ca.pem", try Data(contentsOf: home.directory.appendingPathComponent("ca.pem")))
    if home.trust.suite == .sm {
      try write("certs/ca.pub.pem", try home.trust.authorities[0].publicKey().pem())
    }
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
      var intermediateFiles: [String] = []
      if signer.chain.count > 1 {
        intermediates = "certs/\(name)-intermediates.pem"
        try write(intermediates!, Data(try signer.chain.dropFirst().flatMap { try $0.pem() }))
        if home.trust.suite == .sm {
          for (index, certificate) in signer.chain.dropFirst().enumerated() {
            intermediateFiles.append("certs/\(name)-intermediate-\(index + 1).pem")
            try write(intermediateFiles.last!, try certificate.pem())
          }
        }
      }
      let leaf = signer.chain[0]
      names.append(
        SignerCheck(
          leaf: "certs/\(name).pem", intermediates: intermediates, intermediateFiles: intermediateFiles,
          serial: leaf.serialHex, signed: signedAt[fingerprint] ?? 0...0,
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
    case .sm2:
      "openssl dgst -sm3 -verify \(publicKey) -sigopt distid:\(SM2.distinguishingID) -signature \(signature) \(data)"
    default:
      "openssl dgst -sha256 -verify \(publicKey) -signature \(signature) \(data)"
    }
  }

  /// The `openssl verify` commands that check a signer's certificate chains to the CA and was
  /// valid at `moment`. OpenSSL 3.0 checks an SM2 signature over a certificate only with
  /// `-vfyopt distid:`, which it gives to the certificate checked alone, never to its
  /// intermediates (and cannot check an SM2 CRL's at all: `smCRLCheck`); so in an `sm`
  /// federation each link is checked apart: the top intermediate against the CA, then each
  /// certificate against its issuer taken as the anchor (`-partial_chain`), the leaf last.
  static func certificateCheck(_ certificate: SignerCheck, at moment: UInt64, sm: Bool) -> String {
    guard sm else {
      let untrusted = certificate.intermediates.map { " -untrusted \($0)" } ?? ""
      return "openssl verify -attime \(moment) -CAfile certs/ca.pem\(untrusted) \(certificate.leaf)"
    }
    let verify = "openssl verify -vfyopt distid:\(SM2.distinguishingID) -attime \(moment)"
    let chain = [certificate.leaf] + certificate.intermediateFiles
    var checks: [String] = []
    for (index, subject) in chain.enumerated().reversed() {
      let issuer = chain.indices.contains(index + 1) ? chain[index + 1] : nil
      checks.append(
        issuer.map { "\(verify) -partial_chain -CAfile \($0) \(subject)" }
          ?? "\(verify) -CAfile certs/ca.pem \(subject)")
    }
    return checks.joined(separator: " && ")
  }

  /// How the bundle's texts name the suite's hash.
  static func hashName(_ suite: CryptoSuite) -> String { suite.digest.displayName }

  static func script(
    certificates: [SignerCheck], crl: Bool, manifestCheck: String, changeChecks: [String],
    receiptChecks: [String] = [], suite: CryptoSuite = .p256
  ) -> String {
    let sm = suite == .sm
    var lines = [
      "#!/bin/sh",
      "# Verifies this evidence bundle with the openssl command-line tool alone. Exit 0 only if every",
      "# check holds. Run it from the bundle's folder: sh verify.sh",
      "set -e",
      "cd \"$(dirname \"$0\")\"",
      "echo '1. Each signing certificate was issued by the federation CA and valid when it signed'",
      "echo '   (checked at the time of its first and last signature here, as its changes and checkpoints state them),'",
      "echo '   and the revocation list, signed by the CA, does not revoke it before its last signature:'",
    ]
    if crl { lines.append(sm ? smCRLCheck : "openssl crl -in certs/crl.pem -CAfile certs/ca.pem -noout") }
    for certificate in certificates {
      let untrusted = certificate.intermediates.map { " -untrusted \($0)" } ?? ""
      for moment in Set([certificate.signed.lowerBound, certificate.signed.upperBound]).sorted() {
        lines.append(
          "echo '   at \(Date(timeIntervalSince1970: TimeInterval(moment)).iso8601):' && "
            + certificateCheck(certificate, at: moment, sm: sm))
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
        if sm {
          lines.append(
            "if openssl crl -in certs/crl.pem -noout -text | grep -q 'Serial Number: \(certificate.serial)$'; then "
              + "echo 'REVOKED: \(certificate.leaf)'; exit 1; fi; echo '   \(certificate.leaf): not in the CRL'"
          )
        } else {
          lines.append(
            "openssl verify -no_check_time -CAfile certs/ca.pem -crl_check -CRLfile certs/crl.pem\(untrusted) \(certificate.leaf)"
          )
        }
      }
    }
    lines.append("echo '2. The manifest was signed by the exporting node:'")
    lines.append(manifestCheck)
    lines.append(
      "echo '3. Every file, change header and body matches its \(hashName(suite)) in the manifest:'")
    lines.append(
      """
      while read -r sum name; do
        actual=$(openssl dgst -\(suite.digest.openSSLName) -r "$name" | cut -d' ' -f1)
        if [ "$actual" != "$sum" ]; then echo "MISMATCH: $name"; exit 1; fi
        echo "OK: $name"
      done < manifest.txt
      """)
    lines.append("echo '4. Every change was signed by its origin (the signature covers the header):'")
    lines += changeChecks
    if !receiptChecks.isEmpty {
      lines.append(
        "echo '5. Each proof of receipt: the witness signed its checkpoint at the time stated, and the checkpoint names a head whose chain of headers runs back to the change:'"
      )
      lines.append(receiptFunctions(digest: suite.digest))
      lines += receiptChecks
    }
    lines.append("echo 'All checks passed.'")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The CRL's SM2 signature, checked over its to-be-signed bytes with the ID: the bytes and the
  /// signature are cut out of its DER at the offsets `openssl asn1parse` prints.
  static let smCRLCheck = """
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    field() { echo "$1" | sed -n "s/.*$2= *\\([0-9]*\\).*/\\1/p"; }
    offset() { echo "$1" | sed 's/^ *\\([0-9]*\\):.*/\\1/'; }
    openssl crl -in certs/crl.pem -outform DER -out "$tmp/crl.der"
    openssl asn1parse -inform DER -in "$tmp/crl.der" > "$tmp/crl.asn1"
    tbs=$(sed -n 2p "$tmp/crl.asn1"); sig=$(grep 'd=1' "$tmp/crl.asn1" | tail -n 1)
    o=$(offset "$tbs"); h=$(field "$tbs" hl); l=$(field "$tbs" l)
    tail -c +$((o + 1)) "$tmp/crl.der" | head -c $((h + l)) > "$tmp/crl.tbs"
    o=$(offset "$sig"); h=$(field "$sig" hl); l=$(field "$sig" l)
    tail -c +$((o + h + 2)) "$tmp/crl.der" | head -c $((l - 1)) > "$tmp/crl.sig"
    openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:\(SM2.distinguishingID) -pubin -inkey certs/ca.pub.pem -in "$tmp/crl.tbs" -sigfile "$tmp/crl.sig"
    """

  static func instructions(exporter: String, script: String, hash: String = "SHA-256") -> String {
    """
    Evidence bundle exported by Liandong node \(exporter)

    What it holds
      files/        the evidence files
      evidence.txt  what each file is (category, how it was fixed, by whom, \(hash))
      custody.txt   each file's chain of custody, event by event
      changes/      the signed records of the evidence and its custody: for each change, the header
                    bytes (.header), the origin's signature over them (.sig) and the body (.body).
                    The change's ID is the \(hash) of its header; the header contains the \(hash)
                    of the body. changes.txt lists them in readable form.
      certs/        the federation CA (ca.pem), its revocation list (crl.pem) and each signer's
                    certificate with its public key (.pub.pem)
      receipts.txt  if any: which other regions are proven to have held each change, and since
                    when; the proofs are in checkpoints/ (each a region's signed statement of the
                    heads it held, with its signature) and chain/ (headers linking a change to
                    such a head: each names the \(hash) of the one before it)
      manifest.txt  the \(hash) of every file above; manifest.sig is the exporting node's
                    signature over it

    How to verify (needs only the openssl command-line tool and a POSIX shell)
      sh verify.sh

    verify.sh runs exactly these commands; any failing one stops it with a non-zero status:

    \(script)
    """
  }

  static func describe(_ evidence: EvidenceView, hash: String) -> String {
    [
      "evidence \(evidence.id)",
      "  file: \(bundledName(evidence)) (\(evidence.mediaType), \(evidence.size) bytes)",
      "  name as given: \(evidence.fileName)",
      "  \(hash): \(evidence.sha256)", "  belongs to: \(evidence.item)",
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

  static func custody(_ evidence: EvidenceView, hash: String) -> String {
    var lines = [
      "evidence \(evidence.id) (\(evidence.fileName))", "  \(evidence.added)  added  by \(evidence.origin)",
    ]
    for entry in evidence.custody {
      var text = "  \(entry.time)  \(entry.event)  by \(entry.node) (\(entry.officer))"
      if let matched = entry.hashMatched { text += matched ? ", \(hash) matched" : ", \(hash) did not match" }
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
  case archiveFailed(String)

  public var code: String {
    switch self {
    case .archiveFailed: "bundle.archive-failed"
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
    case .archiveFailed(let reason): "the bundle could not be packed into one file: \(reason)"
    }
  }
}
