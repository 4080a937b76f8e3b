import Foundation
import LiandongApp
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

/// The read models on a hub's PostgreSQL (a real server, started here): the same code as the
/// SQLite store's, so a hub and a node on SQLite that hold the same changes show the same
/// leads, pages, searches, evidence, requests, transfers, warnings, histories and conflicts.
@Suite("The read models on PostgreSQL (a real server)", .serialized)
struct PostgresReadModelTests {
  @Test(
    "every read model answers on a hub as on a node on SQLite holding the same changes: lists, pages under every filter, Chinese text search, histories, conflicts, status"
  )
  func sameAnswersAsSQLite() async throws {
    let seed = replayableSeed("PostgresReadModelTests.sameAnswersAsSQLite")
    var random = SeededGenerator(seed: seed ^ 0x7E7E)
    let (model, server, hub) = try await Self.searchableHub(seed: seed, acts: 60, &random)
    defer { server.stop() }
    let node: NodeStore = model.database
    // The files this node holds, held by the hub too: the evidence's file state is read alike.
    for item in try node.evidence() where item.file == "held" {
      try hub.recordComplete(Data(hex: item.sha256)!, size: item.fileBytes)
    }

    #expect(try hub.leads() == node.leads(), "seed \(seed)")
    #expect(try hub.leadsWithOpenWork() == node.leadsWithOpenWork(), "seed \(seed)")
    #expect(try hub.evidence() == node.evidence(), "seed \(seed)")
    #expect(try hub.requests() == node.requests(), "seed \(seed)")
    #expect(try hub.policeTransfers() == node.policeTransfers(), "seed \(seed)")
    #expect(try hub.warnings() == node.warnings(), "seed \(seed)")
    #expect(try hub.conflicts() == node.conflicts(), "seed \(seed)")
    #expect(try hub.refusals() == node.refusals(), "seed \(seed)")
    #expect(try hub.log() == node.log(), "seed \(seed)")
    #expect(try hub.forks() == node.forks(), "seed \(seed)")
    #expect(try hub.status() == node.status(), "seed \(seed)")
    #expect(try hub.currentManifest()?.view == node.currentManifest()?.view, "seed \(seed)")
    let audit = try hub.audit(verifier: model.verifier, physicalMillis: PostgresChangeLogTests.later)
    #expect(audit.changesChecked == (try node.log().count) && audit.failures.isEmpty, "seed \(seed)")

    let leads = try node.leads()
    #expect(
      try !node.policeTransfers().isEmpty && !node.warnings().isEmpty, "the workload reached both tables")
    for lead in leads {
      let id = try ObjectID(lead.id)
      #expect(try hub.lead(lead.id) == lead)
      #expect(try hub.history(of: id) == node.history(of: id), "lead \(lead.id), seed \(seed)")
      #expect(try hub.evidence(item: lead.id) == node.evidence(item: lead.id))
    }
    for item in try node.evidence() {
      #expect(try hub.evidence(id: item.id) == item)
      #expect(try hub.evidenceShare(id: item.id) == node.evidenceShare(id: item.id))
    }
    for request in try node.requests() { #expect(try hub.request(request.id) == request) }
    for transfer in try node.policeTransfers() { #expect(try hub.policeTransfer(transfer.id) == transfer) }
    #expect(try hub.lead("no-such-lead") == nil && hub.request("no-such-request") == nil)
    let ids = leads.map(\.id) + ["no-such-lead"]
    #expect(try hub.existingLeads(among: ids) == node.existingLeads(among: ids))
    for prefix in ["", "0", "a", String(leads[0].id.filter(\.isHexDigit).prefix(6)).lowercased()] {
      #expect(
        try hub.objectIDs(startingWith: prefix, limit: 5) == node.objectIDs(startingWith: prefix, limit: 5),
        "prefix \(prefix)")
    }

    for filter in Self.filters(for: leads, using: &random) {
      for limit in [1, 4, 50] {
        var after: String? = nil
        var pages = 0
        repeat {
          let expected = try node.leadPage(filter, after: after, limit: limit)
          #expect(
            try hub.leadPage(filter, after: after, limit: limit) == expected,
            "filter \(filter), limit \(limit), after \(after ?? "-"), seed \(seed)")
          // Each way a hub finds a text: the newest walked first, the few gathered, the many walked.
          if filter.text != nil {
            for (few, quick) in [(0, 0), (3, 5), (LeadSearch.fewMatches, 0)] {
              #expect(
                try hub.leadPage(
                  filter, after: after, limit: limit, gatheringAtMost: few, walkingFirst: quick)
                  == expected,
                "filter \(filter), limit \(limit), few \(few), quick \(quick), after \(after ?? "-"), seed \(seed)"
              )
            }
          }
          guard let expected, expected.count == limit else { break }
          after = expected.last?.id
          pages += 1
        } while pages < 200
      }
    }
    #expect(try hub.leadPage(LeadFilter(), after: "no-such-lead", limit: 5) == nil)
  }

  /// A federation's log (`PostgresChangeLogTests.federation`) with `addSearchableCases` added
  /// at its first node, and a hub on a new server that ingested it all in batches, in a
  /// database of `characterType`. The caller stops the server.
  static func searchableHub(
    seed: UInt64, acts: Int, characterType: String = "C.UTF-8", _ random: inout SeededGenerator
  ) async throws -> (model: SimulatedNode, server: PostgreSQLServer, hub: PostgresStore) {
    let nodes = try PostgresChangeLogTests.federation(seed: seed, acts: acts)
    let model = nodes[0]
    try addSearchableCases(to: model, warning: nodes[1].id)
    let server = try await PostgreSQLServer()
    do {
      try server.createDatabase("hub", characterType: characterType)
      let hub = try PostgresStore(url: server.url(database: "hub"), node: model.id)
      for batch in PostgresChangeLogTests.batches(try model.database.changes(after: [:]), &random) {
        _ = try hub.ingest(batch, verifier: model.verifier, physicalMillis: PostgresChangeLogTests.later)
      }
      return (model, server, hub)
    } catch {
      server.stop()
      throw error
    }
  }

  /// Leads whose summaries and subjects a search finds in Chinese, in capitals, by USCC, with
  /// LIKE's wildcards and with noncharacters in them; a transfer to police of one; a warning of
  /// a subject sent on.
  static func addSearchableCases(to node: SimulatedNode, warning peer: NodeID) throws {
    let app = node.app
    let officer = Officer("officer-1")
    let cases: [(summary: String, subject: SubjectRecord, violation: Violation)] = [
      (
        "网店出售伪造的检验检测报告，一天出具", SubjectRecord(kind: .shop, name: "某某检测服务店", platform: "淘宝"),
        .forgedReport
      ),
      (
        "CMA 标志被冒用 on Report-Shop",
        SubjectRecord(kind: .enterprise, name: "深圳市某检测有限公司", uscc: "91350100M000100Y43"),
        .misusedCMA
      ),
      ("100% 合格 under_score 报告", SubjectRecord(kind: .shop, name: "Test_Lab 旗舰店"), .falseAdvertising),
      ("无 3C 认证的充电宝", SubjectRecord(kind: .product, name: "移动电源 20000mAh"), .noCCC),
      // Noncharacters, which both stores read as U+FFFD when they compare text, and a capital
      // outside ASCII, which neither folds.
      (
        "标签\u{FFFF}伪造 Label\u{FFFE} Ärger", SubjectRecord(kind: .shop, name: "仿冒\u{FFFE}旗舰店"),
        .falseCertification
      ),
    ]
    var leads: [ObjectID] = []
    for (index, found) in cases.enumerated() {
      node.clockMillis += 10
      let added = try app.addLead(
        NewLead(
          subject: found.subject,
          fields: LeadFields(
            violations: [found.violation], subjectIDs: [], summary: found.summary,
            risk: index.isMultiple(of: 2) ? .high : .low),
          audience: .all), by: officer, now: node.tick())
      leads.append(try ObjectID(added.view.id))
    }
    let documents = try (0..<3).map { index in
      _ = try node.addEvidence(Data("document \(index)".utf8), to: leads[0], audience: .all)
      return try node.store.evidence(item: leads[0].description).map { try ObjectID($0.id) }
    }.last!
    _ = try app.reportToPolice(
      case: leads[0], police: "某市公安局经侦支队",
      package: PolicePackage(
        letter: documents[0], investigationReport: documents[1], itemsList: documents[2]),
      reportedOn: nil, by: officer, now: node.tick())
    try node.record(
      [
        DomainOperation(
          objectID: node.newObjectID(),
          action: .warnOfSubject(
            SubjectWarning(subject: "uscc 91350100M000100Y43", lead: leads[1], otherLead: leads[2])))
      ], audience: .nodes([peer]))
  }

  /// Filters of every kind on what the leads hold, and texts to search: pieces of summaries and
  /// subjects' names of one to four characters, in capitals, a USCC, wildcards, nothing held.
  static func filters(for leads: [LeadView], using random: inout SeededGenerator) -> [LeadFilter] {
    var filters: [LeadFilter] = [
      LeadFilter(),
      {
        var f = LeadFilter(); f.oldestFirst = true; return f
      }(),
    ]
    for lead in leads.shuffled(using: &random).prefix(3) {
      filters.append(LeadFilter(state: lead.state.rawValue))
      filters.append(LeadFilter(risk: lead.risk.rawValue, origin: lead.origin))
      filters.append(LeadFilter(owner: lead.owner))
      if let violation = lead.violations.first { filters.append(LeadFilter(violation: violation.rawValue)) }
    }
    let times = leads.map { Date(iso8601: $0.created)!.unixMillis }.sorted()
    var window = LeadFilter()
    window.createdFrom = Int64(times[times.count / 4])
    window.createdBefore = Int64(times[times.count * 3 / 4])
    filters.append(window)
    var texts = ["检测", "报告", "cma", "CMA", "report-shop", "100%", "_", "under_score", "test_lab", "3C", "淘宝"]
    texts += ["91350100M000100Y43", "91350100m000100y43", "没有这样的文字", "某", "a", "0%", "r_", "没有"]
    texts += ["签\u{FFFD}伪", "签\u{FFFF}", "\u{FFFE}伪造", "label\u{FFFD}", "冒\u{FFFF}旗", "Ärger", "ärger"]
    let pieces = leads.flatMap { [$0.summary] + $0.subjects.map(\.name) }
    for _ in 0..<12 {
      let text = Array(pieces.randomElement(using: &random)!)
      let length = Int.random(in: 1...min(4, text.count), using: &random)
      let start = Int.random(in: 0...(text.count - length), using: &random)
      texts.append(String(text[start..<(start + length)]))
    }
    for text in texts {
      filters.append(LeadFilter(text: text))
      var older = LeadFilter(text: text)
      older.oldestFirst = true
      filters.append(older)
    }
    filters.append(LeadFilter(state: leads[0].state.rawValue, text: "检测"))
    return filters
  }
}
