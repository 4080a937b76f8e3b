import Foundation
import LiandongCore
import LiandongCrypto

/// The bundle's proofs of receipt (`ReceiptProof`): which regions are proven, by their own
/// signatures, to have held each change, and since when. `verify.sh` checks them with `openssl`
/// and `od` alone, so a reader need not trust the exporting node for them.
///
///     checkpoints/<node>-<ms>.checkpoint .sig   a witness's signed checkpoint
///     chain/<change id>.header                  headers linking a change to a checkpoint's head
///     receipts.txt                              the proofs in readable form
extension EvidenceBundle {
  struct Receipts {
    var lines: [String] = []
    /// Shell lines for `verify.sh`, after `receiptFunctions`.
    var checks: [String] = []
  }

  /// Writes every proof of receipt of `changes`, adds each witness's certificate to `signers`
  /// (and the checkpoint's time to the span its certificate is checked over), and returns what
  /// `receipts.txt` and `verify.sh` say of them.
  func writeReceipts(
    of changes: [SignedChange], to directory: URL, suite: CryptoSuite,
    signers: inout [Data: (node: String, chain: [Certificate])], signedAt: inout [Data: ClosedRange<UInt64>],
    manifest: inout [(String, Data)]
  ) throws -> Receipts {
    let proofs = try home.store.receiptProofs(of: changes)
    var receipts = Receipts()
    guard !proofs.isEmpty else { return receipts }
    for folder in ["checkpoints", "chain"] {
      try FileManager.default.createDirectory(
        at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    func write(_ name: String, _ data: Data, sum: Data? = nil) throws {
      try data.write(to: directory.appendingPathComponent(name), options: .atomic)
      manifest.append((name, sum ?? suite.digest.hash(data)))
    }
    var headerFiles = Dictionary(uniqueKeysWithValues: changes.map { ($0.id, "changes/\($0.id.hex).header") })
    let origins = Dictionary(uniqueKeysWithValues: changes.map { ($0.id, $0.header) })
    var written = Set<String>()
    for proof in proofs {
      let checkpoint = proof.checkpoint.checkpoint
      let name = "checkpoints/\(checkpoint.node)-\(checkpoint.timeMillis)"
      if written.insert(name).inserted {
        try write("\(name).checkpoint", proof.checkpoint.bytes)
        try write("\(name).sig", proof.checkpoint.signature)
        let fingerprint = checkpoint.signerSHA256
        try noteSigner(
          fingerprint, of: checkpoint.node, at: checkpoint.timeMillis / 1000, signers: &signers,
          signedAt: &signedAt)
        receipts.checks += [
          "echo '   \(name).checkpoint, signed by \(checkpoint.node) at \(checkpoint.time.iso8601):'",
          Self.verifyCommand(
            algorithm: try signers[fingerprint]!.chain[0].publicKey().algorithm,
            publicKey: "certs/\(Self.certificateName(checkpoint.node.rawValue, fingerprint)).pub.pem",
            signature: "\(name).sig", data: "\(name).checkpoint"),
          "signed_at \(name).checkpoint '\(Self.spacedHex(Self.varint(checkpoint.timeMillis)))'",
        ]
      }
      for link in proof.chain where headerFiles[link.id] == nil {
        let file = "chain/\(link.id.hex).header"
        try write(file, link.headerBytes, sum: link.id.bytes)
        headerFiles[link.id] = file
      }
      let files = ([proof.change] + proof.chain.map(\.id)).compactMap { headerFiles[$0] }
      receipts.checks.append("held \(name).checkpoint \(files.joined(separator: " "))")
      let header = origins[proof.change]
      receipts.lines.append(
        [
          "change \(proof.change.hex) (\(header.map { "\($0.origin)#\($0.sequence)" } ?? "?"))",
          "  held by \(checkpoint.node) no later than \(checkpoint.time.iso8601)",
          "  proof: \(name).checkpoint, signed by \(checkpoint.node), names \(header?.origin.rawValue ?? "?") "
            + "#\(proof.sequence) with head \(proof.head.hex)",
          proof.chain.isEmpty
            ? "  (the head is this change)"
            : "  which follows this change by \(proof.chain.count) link(s): "
              + proof.chain.map { "chain/\($0.id.hex.prefix(12))..." }.joined(separator: " "),
        ].map(VisibleText.escaped).joined(separator: "\n"))
    }
    return receipts
  }

  /// Protocol Buffers' varint: how a checkpoint encodes its time.
  static func varint(_ value: UInt64) -> Data {
    var value = value
    var bytes = Data()
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7f) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
    return bytes
  }

  /// "0a 1b 2c": bytes as `od -An -tx1` prints them, for matching whole bytes.
  static func spacedHex(_ bytes: Data) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
  }

  /// The shell functions the receipt checks use. A header names its predecessor's hash in field 4
  /// (bytes 22 20, then the 32-byte hash); a checkpoint names each head in field 3 of an entry
  /// (1a 20, then the hash) and its time in field 3 (18, then the varint). Matching those tagged,
  /// whole bytes needs no decoder.
  static func receiptFunctions(digest: DigestAlgorithm) -> String {
    """
    bytes() { od -An -v -tx1 "$1" | tr '\\n' ' ' | tr -s ' '; }
    spaced() { echo "$1" | sed 's/../ &/g'; }
    digest() { openssl dgst -\(digest.openSSLName) -r "$1" | cut -c1-64; }
    signed_at() { case "$(bytes "$1") " in *" 18 $2 "*) ;; *) echo "WRONG TIME: $1"; exit 1;; esac; }
    held() {
      checkpoint=$1; shift; change=$1; previous=
      for header in "$@"; do
        if [ -n "$previous" ]; then
          case "$(bytes "$header") " in *" 22 20$(spaced "$previous") "*) ;;
            *) echo "BROKEN CHAIN: $header does not name the header before it"; exit 1;; esac
        fi
        previous=$(digest "$header")
      done
      case "$(bytes "$checkpoint") " in *" 1a 20$(spaced "$previous") "*) echo "   OK: $checkpoint holds $change";;
        *) echo "NOT HELD: $checkpoint does not name $header"; exit 1;; esac
    }
    """
  }
}
