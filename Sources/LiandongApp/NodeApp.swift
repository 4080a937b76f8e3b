import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

/// The application layer over one node: every act a person makes (on the command line today,
/// through the HTTP API and the console tomorrow) goes through one of its use cases, which
/// check what they can, choose the audience, sign one change and report what it did. Rules that
/// every node must enforce live in the reducers (`LiandongCore`); what shapes a local act (who
/// sees it, the parties, the checks made before signing) lives here, once.
public final class NodeApp: Sendable {
  /// The node acted through: a data folder, or a node the simulation holds in memory.
  public let local: any LocalNode
  /// Serialises acts made with an idempotency key (`once`).
  let idempotency = NSLock()
  /// The deadline counts of `operatorFigures`, kept between scrapes.
  let deadlineCounts = DeadlineCountCache()

  public init(home: NodeHome) { local = home }

  /// Acts through a node that is not a data folder (the deterministic simulation's).
  public init(local: any LocalNode) { self.local = local }

  /// Opens an initialised data folder.
  public static func open(_ directory: URL) throws -> NodeApp { NodeApp(home: try NodeHome.open(directory)) }

  /// The node's data folder, for the acts on its files (trust, certificates, settings). Only a
  /// simulation holds a node without one, and it makes none of those acts.
  public var home: NodeHome {
    guard let home = local as? NodeHome else { preconditionFailure("this act needs a node's data folder") }
    return home
  }

  public var node: NodeID { local.node }
  /// What the front ends show, read through the store's read-model role.
  public var views: any ReadModels { local.store }
  /// The signed change log, for `log`, `status` and exports.
  public var changeLog: any ChangeLog { local.store }
  var store: any NodeStorage { local.store }
  /// The federation suite's hash as a person reads it ("SHA-256", "SM3"): of evidence files,
  /// manifests, and the digests nodes compare.
  public var hashName: String { local.blobs.digest.displayName }

  /// Signs `operations` as this node's next change, made by `officer` and shared with
  /// `audience`; returns once it is durable. If the reducers refuse any operation, nothing is
  /// signed or stored and the act throws `ActRefused` with the rule's code: the same rules a
  /// peer's change meets, decided in the same transaction, so no check here can drift from them.
  func act<View>(
    _ name: String, _ operations: [DomainOperation], audience: Audience, by officer: Officer,
    now: Date = Date(), view: () throws -> View
  ) throws -> ActResult<View> {
    let change: SignedChange
    // A retry of an act whose first attempt committed: that change, not a second one.
    if let realised = IdempotentClaim.current?.takeRealisedChange(),
      let committed = try store.bodies(of: [realised]).first
    {
      change = committed
    } else {
      do {
        change = try local.recordEach(
          prepared: [PreparedBody(ChangeBody(officer: officer.id, operations: operations))],
          audience: audience,
          now: now, keepingRefused: false)[0]
      } catch let refused as OperationsRefused {
        throw ActRefused(act: name, refusal: refused.refusals[0])
      }
    }
    var seen = Set<ObjectID>()
    let touched = operations.map(\.objectID).filter { seen.insert($0).inserted }
    return ActResult(change: change, touched: touched, view: try view())
  }

  /// A lead this node holds, or `object.not-found`.
  public func lead(_ id: ObjectID, as kind: String = "lead") throws -> LeadView {
    try existing(kind, id, store.lead)
  }

  /// What `read` finds for `id`, or `object.not-found` naming the kind of object asked for.
  func existing<View>(_ kind: String, _ id: ObjectID, _ read: (String) throws -> View?) throws -> View {
    guard let view = try read(id.description) else {
      // Held, but with no effect: say why rather than "not found".
      if let withheld = try store.withheld(touching: id) {
        throw Failure(
          code: "object.withheld",
          message:
            "\(kind) \(id) exists only in change \(withheld.origin)#\(withheld.sequence), which is withheld: "
            + withheld.reason)
      }
      throw StoreError.notFound(kind: kind, id: id.description)
    }
    return view
  }

  /// `--to` text, with sharing groups resolved through the federation manifest in force, and
  /// every node it names one this node knows (`knownNodes`).
  public func audience(parsing text: String) throws -> Audience {
    try checked(Audience(parsing: text, manifest: try store.currentManifest()?.view.manifest))
  }
}
