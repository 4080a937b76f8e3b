import Foundation
import LiandongApp
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

/// `alerts` reads only the leads on subjects' keys two regions have used (`AlertKeys`), not every
/// lead a node holds. As a property, over random leads from several regions on a few USCCs and
/// shops, some naming a subject another region wrote (as a peer may sign), some withdrawn, with
/// warnings sent, each change reaching a random node in a random order: on every node and every
/// store, the alerts read so equal those every lead gives, and again after a rebuild.
@Suite("Alerts read from the keys two regions used", .serialized)
struct AlertReadTests {
  @Test("the alerts equal those from every lead, on every node", arguments: StoreBackend.all)
  func sameAsEveryLead(_ backend: StoreBackend) async throws {
    let seeds = (0..<UInt64(6)).map { 0x0A1E_0000 + $0 }
    let tally = Tally()
    try await backend.stores { open in
      // Each node is made, and its store opened, within the body.
      try withoutActuallyEscaping(open) { open in
        for seed in seeds { try Self.check(seed: seed, open: open, tally: tally) }
      }
    }
    print(
      "alerts on \(backend.name): seeds 0x0A1E0000-5, \(tally.alerts) alerts compared (\(tally.warned) from "
        + "warnings), \(tally.foreign) leads naming another region's subject, \(tally.leftOut) leads not read"
    )
    // Not vacuous: alerts of both kinds, leads naming another region's subject, and leads the
    // read could leave out.
    #expect(tally.alerts > 0 && tally.warned > 0 && tally.foreign > 0 && tally.leftOut > 0)
  }

  @Test("a store made before the keys were kept enters those of the leads it holds as it upgrades")
  func upgradedStore() async throws {
    let nodes = try Self.workload(
      seed: 0x0A1E_0100, open: { try NodeStore(path: nil, node: $0) }, tally: Tally())
    let (node, changes) = (nodes[0], try nodes[0].store.changes(after: [:]))
    // A store as schema v30 left it: written by this version, then without what v31 adds.
    let path = temporaryDirectory("alert-keys-upgrade").appendingPathComponent("node.sqlite").path
    _ = try NodeStore(path: path, node: node.id).ingest(
      changes, verifier: node.verifier, physicalMillis: node.clockMillis)
    let downgraded = try await sqlite3(
      path,
      """
      DROP TABLE p_alert_usccs; DROP TABLE p_alert_shops; DROP TABLE p_alert_awaited;
      DROP INDEX p_subjects_by_shop; DROP INDEX p_subjects_by_uscc; CREATE INDEX p_subjects_by_uscc ON p_subjects (uscc);
      DELETE FROM grdb_migrations WHERE identifier LIKE 'v31:%';
      """)
    #expect(downgraded.status == 0, "\(downgraded)")
    var upgraded: [(String, any NodeStorage)] = [("SQLite", try NodeStore(path: path, node: node.id))]
    var server: PostgreSQLServer? = nil
    defer { server?.stop() }
    if ProcessInfo.processInfo.environment["LIANDONG_CONFORMANCE_SQLITE_ONLY"] == nil {
      let started = try await PostgreSQLServer()
      server = started
      try started.createDatabase("upgraded")
      let url = started.url(database: "upgraded")
      _ = try PostgresStore(url: url, node: node.id).ingest(
        changes, verifier: node.verifier, physicalMillis: node.clockMillis)
      try started.psql(
        """
        DROP TRIGGER p_subjects_alert_keys ON p_subjects; DROP FUNCTION p_alert_keys_of_subjects();
        DROP TABLE p_alert_usccs, p_alert_shops, p_alert_awaited;
        DROP INDEX p_subjects_by_shop, p_subjects_by_uscc; CREATE INDEX p_subjects_by_uscc ON p_subjects (uscc);
        DROP INDEX p_leads_keys, p_subjects_keys; DROP STATISTICS p_leads_searchable, p_subjects_searchable;
        ALTER TABLE p_leads DROP COLUMN summary_keys; ALTER TABLE p_subjects DROP COLUMN name_keys;
        DELETE FROM liandong_schema WHERE name LIKE 'v14:%' OR name LIKE 'v15:%';
        """, database: "upgraded")
      upgraded.append(("PostgreSQL", try PostgresStore(url: url, node: node.id)))
    }
    for (engine, store) in upgraded {
      let warnings = try store.warnings()
      let named: [String] = warnings.flatMap { [$0.lead, $0.otherLead] }
      let fromAll = EarlyWarning.alerts(among: try store.leads(), warnings: warnings, node: "n0")
      let read = EarlyWarning.alerts(
        among: try store.leadsForAlerts(alsoNaming: named), warnings: warnings, node: "n0")
      #expect(
        !fromAll.isEmpty && read == fromAll,
        "\(engine): \(read.count) alerts, \(fromAll.count) from every lead")
    }
  }

  private final class Tally: @unchecked Sendable {
    var alerts = 0, warned = 0, foreign = 0, leftOut = 0
  }

  private static func check(seed: UInt64, open: @escaping StoreBackend.Open, tally: Tally) throws {
    let failure = "seed \(seed)"
    for node in try workload(seed: seed, open: open, tally: tally) {
      for pass in ["", " after a rebuild"] {
        if !pass.isEmpty { try node.store.rebuild() }
        let warnings = try node.store.warnings()
        let all = try node.store.leads()
        let fromAll = EarlyWarning.alerts(among: all, warnings: warnings, node: node.id.rawValue)
        let read = try node.app.alerts().alerts
        let missing = fromAll.filter { !read.contains($0) }
        let extra = read.filter { !fromAll.contains($0) }
        let same = read == fromAll
        #expect(
          same,
          "\(failure) on \(node.id)\(pass): \(missing.count) alerts missing, first \(missing.first.map { "\($0)" } ?? "none"); \(extra.count) more"
        )
        guard pass.isEmpty else { continue }
        tally.alerts += fromAll.count
        tally.warned += fromAll.filter { $0.warnedBy != nil }.count
        let named: [String] = warnings.flatMap { [$0.lead, $0.otherLead] }
        tally.leftOut += all.count - (try node.store.leadsForAlerts(alsoNaming: named)).count
      }
    }
  }

  /// Three or four nodes' random acts on a few shared keys (`subject`), each change reaching a
  /// random node in a random order.
  private static func workload(seed: UInt64, open: @escaping StoreBackend.Open, tally: Tally) throws
    -> [SimulatedNode]
  {
    var random = SeededGenerator(seed: seed)
    let base = Date().unixMillis
    let nodes = try (0..<Int.random(in: 3...4, using: &random)).map {
      try SimulatedNode(
        "n\($0)", clockMillis: base + UInt64.random(in: 0...3_000, using: &random),
        objectIDSeed: seed &* 31 &+ UInt64($0), storage: open)
    }
    try SimulatedNode.acquaint(nodes)
    var subjects: [ObjectID] = []
    var leadsBy: [NodeID: [ObjectID]] = [:]
    for step in 0..<50 {
      let node = nodes.randomElement(using: &random)!
      node.clockMillis += UInt64.random(in: 1...50, using: &random)
      let others = nodes.filter { $0 !== node }.map { $0.id }
      let audience: Audience =
        switch Int.random(in: 0..<4, using: &random) {
        case 0: .originOnly
        case 1: .nodes([others.randomElement(using: &random)!])
        default: .all
        }
      let lead = node.newObjectID()
      switch Int.random(in: 0..<10, using: &random) {
      case 0..<6:
        let subject = node.newObjectID()
        subjects.append(subject)
        try node.record(
          [
            DomainOperation(objectID: subject, action: .createSubject(Self.subject(step, using: &random))),
            Self.createLead(lead, naming: [subject]),
          ], audience: audience)
        leadsBy[node.id, default: []].append(lead)
      case 6..<8 where !subjects.isEmpty:
        // A lead on a subject any region wrote, perhaps not yet received here.
        let named = (0..<Int.random(in: 1...2, using: &random)).map { _ in
          subjects.randomElement(using: &random)!
        }
        try node.record([Self.createLead(lead, naming: named)], audience: audience)
        leadsBy[node.id, default: []].append(lead)
        tally.foreign += 1
      case 8 where !(leadsBy[node.id] ?? []).isEmpty:
        let withdrawn = leadsBy[node.id]!.randomElement(using: &random)!
        try node.record(
          [DomainOperation(objectID: withdrawn, action: .leadAct(.withdraw(note: "不再跟进")))], audience: .all)
      default:
        _ = try node.app.warnRegionsThatCannotSee(by: Officer("o"), now: node.tick())
      }
      let source = nodes.randomElement(using: &random)!
      let destination = nodes.randomElement(using: &random)!
      if source !== destination {
        try destination.receive(try source.store.changes(after: [:]).map(destination.view))
      }
    }
    return nodes
  }

  /// A subject on one of three USCCs, one of three shops, both, or a key of its own.
  private static func subject(_ step: Int, using random: inout SeededGenerator) -> SubjectRecord {
    let shared = ["91350100M000100Y43", Self.uscc("91110000MA01ABCDE"), Self.uscc("91440300MA5FGHJKL")]
    var record = SubjectRecord(kind: .shop, name: "检测服务店\(step)号")
    switch Int.random(in: 0..<4, using: &random) {
    case 0: record.uscc = shared.randomElement(using: &random)!
    case 1: (record.platform, record.shopID) = ("某电商平台", "\(Int.random(in: 1...3, using: &random))")
    case 2:
      record.uscc = shared.randomElement(using: &random)!
      (record.platform, record.shopID) = ("另一平台", "\(Int.random(in: 1...3, using: &random))")
    default: record.uscc = Self.uscc("9132000\(String(format: "%010d", step))")
    }
    return record
  }

  private static func createLead(_ id: ObjectID, naming subjects: [ObjectID]) -> DomainOperation {
    DomainOperation(
      objectID: id,
      action: .createLead(LeadFields(violations: [.forgedReport], subjectIDs: subjects, summary: "出售伪造检测报告")))
  }

  /// `first17` with its check character.
  private static func uscc(_ first17: String) -> String {
    "0123456789ABCDEFGHJKLMNPQRTUWXY".map { first17 + String($0) }.first { (try? USCC($0)) != nil }!
  }
}
