import LiandongCore
import LiandongCrypto
import LiandongErrors

/// Errors of the store and the node's data folder.
public enum StoreError: CodedError, Sendable {
  case notInitialised(path: String)
  case alreadyInitialised(path: String)
  case unreadableFile(path: String, reason: String)
  case unwritableFile(path: String, reason: String)
  case identityMismatch(path: String)
  case unreadableConfiguration(path: String, reason: String)
  case certificateNamesAnotherNode(certificateNode: String, requested: String)
  case keyDoesNotMatchCertificate
  /// The signing key's suite is not the federation's (an SM2 key under a P-256 CA, or the reverse).
  case keyNotOfSuite(key: KeyAlgorithm, federation: CryptoSuite)
  /// An `sm` federation's node needs a TLS certificate beside its SM2 one, and only it does.
  case transportCertificate(reason: String)
  case localChangeRefused(ChangeRefusal)
  case notFound(kind: String, id: String)
  case schemaTooNew(found: Int, supported: Int)
  case catchUpRequired(node: String, waitingFor: [String])
  /// A checkpoint shows this node's own chain further than it holds (`NodeStore.ownChainBeyond`).
  case ownChangesMissing(OwnChainBeyond)
  /// The peers heard from recently put this node's clock off by more than the drift limit.
  case clockOff(aheadMillis: Int64, peers: [String], maximumDriftSeconds: Int)
  case backupFailed(reason: String)
  case bodiesDamaged([String])
  /// SQLite could not grow its files: the transaction rolled back whole, so the store is intact.
  case diskFull(path: String)
  /// `node.json`'s (or `init --store`'s) `store` is not a PostgreSQL URL.
  case storeSetting(String)
  /// `init` was pointed at a hub's database that holds a log already.
  case storeInUse(location: String, origins: [String])
  /// `backup` asked of a hub: its database is copied by PostgreSQL's own tools.
  case hubBackup(location: String)
  /// `restore` of an archive whose `node.json` names a hub's database.
  case hubRestore(location: String)
  /// SQLite failed: `code` is one of the catalogue's `store.` codes, chosen by its result code.
  case database(code: String, path: String, reason: String)

  public var code: String {
    switch self {
    case .notInitialised: "node.not-initialised"
    case .alreadyInitialised: "node.already-initialised"
    case .unreadableFile: "node.unreadable-file"
    case .unwritableFile: "node.unwritable-file"
    case .identityMismatch: "node.identity-mismatch"
    case .unreadableConfiguration: "node.bad-config"
    case .certificateNamesAnotherNode: "init.cert-other-node"
    case .keyDoesNotMatchCertificate: "init.key-mismatch"
    case .keyNotOfSuite: "init.key-suite"
    case .transportCertificate: "init.tls-certificate"
    case .localChangeRefused(let refusal): "local.\(refusal.code)"
    case .notFound: "object.not-found"
    case .schemaTooNew: "store.schema-too-new"
    case .catchUpRequired: "node.catch-up-required"
    case .ownChangesMissing: "node.own-changes-missing"
    case .clockOff: "node.clock-off"
    case .backupFailed: "backup.failed"
    case .bodiesDamaged: "store.body-damaged"
    case .diskFull: "node.disk-full"
    case .database(let code, _, _): code
    case .storeSetting: "init.store"
    case .storeInUse: "init.store-in-use"
    case .hubBackup: "backup.hub"
    case .hubRestore: "restore.hub"
    }
  }

  public var description: String {
    switch self {
    case .notInitialised(let path):
      "\(path) holds no Liandong node; run 'liandong init --data \(path) ...' first, or pass the right --data"
    case .alreadyInitialised(let path):
      "\(path) already holds a node; choose an empty folder, or use the node that is there"
    case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
    case .unwritableFile(let path, let reason):
      "cannot write \(path): \(reason); check the disk and the folder's owner"
    case .identityMismatch(let path):
      "\(path)/node.key does not belong to the certificate in \(path)/node.pem, so this node cannot sign; "
        + "put back the file that was replaced (a backup holds both)"
    case .unreadableConfiguration(let path, let reason):
      "the node configuration \(path) is not valid: \(reason)"
    case .certificateNamesAnotherNode(let certificateNode, let requested):
      "the certificate is for node '\(certificateNode)', not '\(requested)'; pass the certificate issued to \(requested), or --node \(certificateNode)"
    case .keyDoesNotMatchCertificate:
      "the private key does not belong to the certificate; pass the key the certificate request was made with"
    case .keyNotOfSuite(let key, let federation):
      "the certificate's key is \(key.rawValue), but the federation CA makes this a \(federation.rawValue) "
        + "federation, whose nodes sign with \(federation == .sm ? "SM2" : "P-256 or Ed25519") keys; "
        + "pass the certificate this CA issued for the node"
    case .transportCertificate(let reason): "the TLS certificate cannot be used: \(reason)"
    case .localChangeRefused(let refusal): "this node could not record its own change: \(refusal)"
    case .notFound(let kind, let id): "no \(kind) with ID \(id) on this node"
    case .ownChangesMissing(let beyond):
      "\(beyond.signer)'s checkpoint of \(beyond.time) shows it held this node's own changes up to #\(beyond.sequence), "
        + "but this node holds only up to #\(beyond.held) (restored from an older copy?): writing now would sign "
        + "#\(beyond.held + 1) again, a fork of its own chain"
    case .catchUpRequired(let node, let waiting):
      "\(node) was restored from a backup and may have signed changes since, which its peers hold: "
        + (waiting.isEmpty
          ? "it has no peer to hear them from"
          : "it still waits to sync with \(waiting.joined(separator: ", "))")
        + "; writing now could fork its own chain"
    case .clockOff(let ahead, let peers, let limit):
      "this node's clock is \(ClockAgreement.amountText(millis: ahead)) \(ahead > 0 ? "ahead of" : "behind") "
        + "\(peers.joined(separator: ", ")) (their Hellos in the last hour; peers allow \(limit) s): "
        + (ahead > 0
          ? "a change signed now would carry a time they refuse, and every later one with it"
          : "a change signed now would be backdated")
        + ", so nothing was written"
    case .backupFailed(let reason): reason
    case .bodiesDamaged(let changes):
      "\(changes.count) change bod\(changes.count == 1 ? "y" : "ies") in the database no longer match their signed SHA-256 (\(changes.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))\(changes.count > 3 ? ", ..." : "")); they are set aside and asked of peers at every sync, and the projections were left as they were"
    case .diskFull(let path):
      "the disk holding \(path) is full: free space on it (or move the data folder to a larger disk), "
        + "then sync again; the last transaction was rolled back whole, and nothing acknowledged was lost"
    case .database(_, let path, let reason): "the database \(path) \(reason)"
    case .storeSetting(let problem): problem
    case .storeInUse(let location, let origins):
      "the database \(location) already holds the changes of \(origins.joined(separator: ", ")), so no node was made in it"
    case .hubBackup(let location):
      "this node keeps its log in PostgreSQL (\(location)), which 'liandong backup' does not copy; nothing was written"
    case .hubRestore(let location):
      "the backup's node.json names a PostgreSQL database (\(location)); 'liandong restore' restores nodes on SQLite alone, and nothing was restored"
    case .schemaTooNew(let found, let supported):
      "the database has schema version \(found), newer than this program's \(supported); use a newer liandong"
    }
  }
}
