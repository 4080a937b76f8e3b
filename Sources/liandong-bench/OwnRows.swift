import Foundation
import LiandongCore
import LiandongStore

/// B2's second yardstick: every row a node must write for the imported leads, not only the two
/// projected rows of the reference. Written into bare SQLite the same way as the reference
/// (prepared statements, WAL, `synchronous=FULL`), with the node's own table definitions read
/// from its database, in `lead import`'s transactions. It tells how much of B2's gap is what the
/// design stores (a signed log and an operation index beside the projections, on both nodes)
/// rather than how the node writes it. Not a floor: written through GRDB's arguments and with
/// SQLite's own checkpoints in the commits, it has been slower than `lead import` itself since
/// the node binds values directly and checkpoints in the background.
struct OwnRows {
  let workspace: BenchWorkspace

  /// Seconds to write `count` leads' rows, shaped like those of the node whose database is at
  /// `model`: its change log (a change per 500 leads, with bodies of its changes' mean size), its
  /// operation index (two rows a lead), its subject and lead projections, and their search
  /// indexes (filled by the model's own triggers, settled as each transaction ends).
  func seconds(_ count: Int, model: String) throws -> Double {
    let model = try BareSQLite(readingOnly: model)
    let definitions = try model.strings(
      """
      SELECT sql FROM sqlite_master
      WHERE tbl_name IN (
          'changes', 'p_operations', 'p_subjects', 'p_leads', 'p_lead_search', 'p_subject_search', 'p_lead_subjects',
          'p_subject_digits', 'p_search_owed', 'p_search_marks', 'p_alert_usccs', 'p_alert_shops', 'p_alert_awaited')
        AND sql IS NOT NULL
      ORDER BY type = 'trigger', type = 'index', name
      """)
    let bodyBytes =
      try model.integer("SELECT CAST(avg(length(body)) AS INTEGER) FROM changes WHERE length(body) > 10000")
      ?? 0
    let bare = try workspace.bareDatabase("own-rows.sqlite")
    try bare.transaction { db in for definition in definitions { try db.execute(definition) } }
    let body = Data((0..<bodyBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let started = Date()
    var sequence = 0
    for first in stride(from: 0, to: count, by: LeadImport.leadsPerTransaction) {
      try bare.transaction { db in
        let change = try db.prepare("INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let operation = try db.prepare("INSERT INTO p_operations VALUES (?, ?, ?)")
        let subject = try db.prepare("INSERT INTO p_subjects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let lead = try db.prepare(
          "INSERT INTO p_leads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        var changeID = Data()
        for index in first..<min(first + LeadImport.leadsPerTransaction, count) {
          if index % 500 == 0 {
            sequence += 1
            changeID = Data(UUID().uuidString.utf8.prefix(32))
            try change.run([
              .blob(changeID), "bench-c", .int(sequence), .int(sequence), 0, .blob(Data(count: 300)),
              .blob(Data(count: 72)), .blob(body), "2026-11-24T00:00:00Z",
            ])
          }
          let subjectID = UUID(), leadID = UUID()
          try operation.run([.blob(Self.bytes(subjectID)), .blob(changeID), .int(index % 500 * 2)])
          try operation.run([.blob(Self.bytes(leadID)), .blob(changeID), .int(index % 500 * 2 + 1)])
          try subject.run([
            .text(subjectID.uuidString.lowercased()), "bench-c", "enterprise", .text("检测服务店\(index)"), nil,
            nil,
            nil, "某电商平台", .text("\(100_000 + index)"), nil, .int(index), 0, "all",
          ])
          try lead.run(
            SyncScenarios.leadRow(id: leadID, subject: subjectID.uuidString.lowercased(), index: index))
        }
        for statement in NodeStore.searchSettlement { try db.execute(statement) }
      }
    }
    return Date().timeIntervalSince(started)
  }

  private static func bytes(_ id: UUID) -> Data { withUnsafeBytes(of: id.uuid) { Data($0) } }
}
