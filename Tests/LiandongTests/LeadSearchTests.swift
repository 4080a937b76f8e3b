import Foundation
import GRDB
import LiandongApp
import LiandongCore
import Synchronization
import Testing

@testable import LiandongStore

/// Text search over leads: the trigram indexes (few matches) and the walk of the creation index
/// (many, or a text under three characters) must find exactly what the reference filter finds,
/// on the node that wrote the leads, on one that received them, and after a rebuild.
@Suite("Lead text search")
struct LeadSearchTests {
  private static let pieces = [
    "检测", "报告", "伪造", "CCC", "ccc", "认证", "One-Day", "\"", "%", "_", " ", "店", "合格证", "Ab", "É", "é",
    "e\u{301}", "\\", "'", "100", "\u{FFFF}", "\u{FFFD}", "4242", "7", "号", "\u{FF14}",
  ]
  private static let uscc = "91310000MA1FL8XQ37"

  @Test("both ways of searching find what the reference filter finds, after edits, sync and rebuild")
  func bothWaysAgree() throws {
    let seed = replayableSeed("lead search")
    var random = SeededGenerator(seed: seed)
    func text(_ count: ClosedRange<Int>) -> String {
      "x"
        + (0..<Int.random(in: count, using: &random)).map { _ in Self.pieces.randomElement(using: &random)! }
        .joined()
    }
    let writer = try SimulatedNode("n0"), reader = try SimulatedNode("n1")
    let app = writer.app
    var ids: [ObjectID] = [], subjects: [ObjectID] = []
    for _ in 0..<70 {
      let added = try app.addLead(
        NewLead(
          subject: SubjectRecord(
            kind: .shop, name: text(1...3), uscc: Bool.random(using: &random) ? Self.uscc : nil),
          fields: LeadFields(
            violations: [.forgedReport], subjectIDs: [], summary: text(1...6),
            risk: RiskLevel.allCases.randomElement(using: &random)!),
          audience: .all),
        by: Officer("li.wei"), now: writer.tick())
      ids.append(try ObjectID(added.view.id))
      subjects.append(try ObjectID(added.view.subjects[0].id))
    }
    // Leads that name two subjects, one of them another lead's.
    for _ in 0..<10 {
      let subject = writer.newObjectID(), lead = writer.newObjectID()
      try writer.record(
        [
          DomainOperation(
            objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: text(1...3)))),
          DomainOperation(
            objectID: lead,
            action: .createLead(
              LeadFields(
                violations: [.forgedReport], subjectIDs: [subject, subjects.randomElement(using: &random)!],
                summary: text(1...6)))),
        ], audience: .all)
      ids.append(lead)
    }
    // Edits replace a lead's row: the index must forget the old summary.
    for id in ids.shuffled(using: &random).prefix(20) {
      var patch = LeadPatch()
      patch.summary = text(1...6)
      _ = try app.editLead(id, patch, by: Officer("li.wei"), now: writer.tick())
    }
    try exchange(writer, reader)
    let rebuilt = try SimulatedNode("n2")
    try exchange(writer, rebuilt)
    try rebuilt.store.rebuild()

    let all = Array(try writer.store.leads().reversed())
    let texts = all.flatMap { [$0.summary] + $0.subjects.map(\.name) }
    for _ in 0..<80 {
      let needle: String
      switch Int.random(in: 0..<4, using: &random) {
      case 0: needle = text(0...2)
      case 1: needle = Bool.random(using: &random) ? Self.uscc : Self.uscc.lowercased()
      default:
        let scalars = Array(texts.randomElement(using: &random)!.unicodeScalars)
        let start = Int.random(in: 0..<scalars.count, using: &random)
        let end = min(scalars.count, start + Int.random(in: 1...9, using: &random))
        needle = String(String.UnicodeScalarView(scalars[start..<end]))
      }
      var query = LeadQuery(text: needle, limit: Int.random(in: 1...9, using: &random))
      if Int.random(in: 0..<4, using: &random) == 0 {
        query.risk = RiskLevel.allCases.randomElement(using: &random)
      }
      query.order = LeadOrder.allCases.randomElement(using: &random)!
      let newestFirst = all.filter(query.matches).map(\.id)
      let expected = query.order == .newest ? newestFirst : newestFirst.reversed()
      for store in [writer.database, reader.database, rebuilt.database] {
        for (few, quick) in [(0, 0), (3, 5), (LeadSearch.fewMatches, 0), (LeadSearch.fewMatches, 20)] {
          #expect(
            try pages(store, query, gatheringAtMost: few, walkingFirst: quick) == expected,
            "seed \(seed), text \(needle.debugDescription), few \(few), quick \(quick), risk \(String(describing: query.risk)), \(query.order)"
          )
        }
      }
    }
    for store in [writer.database, reader.database, rebuilt.database] { try expectIndexesHoldTheRows(store) }
  }

  @Test(
    "a search for a lead's old summary no longer finds it; the new one does; Chinese of two characters too")
  func editsMoveTheIndex() throws {
    let node = try SimulatedNode("n0")
    let id = try node.addLead(summary: "网店出售伪造的检测报告")
    var patch = LeadPatch()
    patch.summary = "代办假冒合格证"
    _ = try node.app.editLead(id, patch, by: Officer("li.wei"), now: node.tick())
    for few in [0, LeadSearch.fewMatches] {
      func found(_ text: String) throws -> [String] {
        try pages(node.database, LeadQuery(text: text), gatheringAtMost: few, walkingFirst: 0)
      }
      #expect(try found("伪造的检测").isEmpty)
      #expect(try found("假冒合格") == [id.description])
      #expect(try found("合格") == [id.description])
      // The last two characters of a text: no trigram of the text itself begins with them.
      #expect(try found("格证") == [id.description])
    }
    // A text holding a search's trigrams in another order is no match: "测报告与检测报" holds
    // "检测报" and "测报告", not "检测报告".
    let scattered = try node.addLead(summary: "测报告与检测报")
    for few in [0, LeadSearch.fewMatches] {
      #expect(
        try pages(node.database, LeadQuery(text: "检测报告"), gatheringAtMost: few, walkingFirst: 0).isEmpty,
        "\(scattered) holds the trigrams, not the text")
    }
    try expectIndexesHoldTheRows(node.database)
  }

  @Test("a row given a rowid its table held before, in the same transaction or the next, is indexed")
  func rowidsGivenAgain() throws {
    let node = try SimulatedNode("n0")
    for summary in ["第一件伪造报告", "第二件伪造报告", "第三件伪造报告"] { _ = try node.addLead(summary: summary) }
    /// Removes the lead rows `removed` names, then adds a copy of the first row with `summary` (and
    /// a new id), in one write transaction; returns the copy's rowid.
    func replace(_ removed: String, with summary: String?) throws -> Int64? {
      try node.database.writeTransaction { db in
        try db.execute(sql: "CREATE TEMP TABLE copied AS SELECT * FROM p_leads WHERE rowid = 1")
        defer { try? db.execute(sql: "DROP TABLE temp.copied") }
        try db.execute(sql: "DELETE FROM p_leads WHERE rowid IN (\(removed))")
        guard let summary else { return nil }
        try db.execute(
          sql: "UPDATE temp.copied SET id = ?, summary = ?",
          arguments: [UUID().uuidString.lowercased(), summary])
        try db.execute(sql: "INSERT INTO p_leads SELECT * FROM temp.copied")
        return db.lastInsertedRowID
      }
    }
    // The highest row removed and its rowid given to a new row in the same transaction.
    #expect(try replace("3", with: "同一事务重用的行号") == 3)
    // A rowid freed in an earlier transaction below the highest, given again once the highest goes.
    _ = try replace("2", with: nil)
    #expect(try replace("3", with: "后一事务重用的行号") == 2)
    for few in [0, LeadSearch.fewMatches] {
      func found(_ text: String) throws -> Int {
        try pages(node.database, LeadQuery(text: text), gatheringAtMost: few, walkingFirst: 0).count
      }
      #expect(try found("同一事务重用") == 0, "its row was removed by the third transaction")
      #expect(try found("后一事务重用") == 1)
      #expect(try found("第三件") == 0 && found("第二件") == 0 && found("第一件") == 1)
    }
    try expectIndexesHoldTheRows(node.database)
  }

  @Test("a subject's name that holds both halves of a long search but not the search is no match")
  func namesHoldingBothHalves() throws {
    let node = try SimulatedNode("n0")
    let named = try lead(on: node, naming: "速通检测服务店四二四二号")
    // "检测服务店四" and "店四二四二号", the halves the subjects' index is asked for, both in it.
    _ = try lead(on: node, naming: "检测服务店四与店四二四二号")
    #expect(LeadSearch.halves("检测服务店四二四二号") == "\"检测服务店四\" AND \"店四二四二号\"")
    for few in [0, LeadSearch.fewMatches] {
      #expect(
        try pages(node.database, LeadQuery(text: "检测服务店四二四二号"), gatheringAtMost: few, walkingFirst: 0)
          == [named], "few \(few)")
    }
  }

  @Test("a numbered shop's name is found by its run of digits: exactly, or by how it begins")
  func numberedShops() throws {
    let node = try SimulatedNode("n0")
    let names = ["速通检测服务店4242号", "检测服务店14242号", "检测服务店42420号", "检测服务店４２４２号"]
    var leads: [String: String] = [:]
    for name in names { leads[name] = try lead(on: node, naming: name) }
    for few in [0, LeadSearch.fewMatches] {
      func found(_ text: String) throws -> Set<String> {
        Set(try pages(node.database, LeadQuery(text: text), gatheringAtMost: few, walkingFirst: 0))
      }
      #expect(try found("店4242号") == [leads["速通检测服务店4242号"]!], "few \(few)")
      #expect(
        try found("服务店4242") == [leads["速通检测服务店4242号"]!, leads["检测服务店42420号"]!], "few \(few)")
      #expect(try found("14242号") == [leads["检测服务店14242号"]!], "few \(few)")
      #expect(try found("店４２４２号") == [leads["检测服务店４２４２号"]!], "few \(few)")
    }
    #expect(DigitRuns.key(of: "店4242号") == DigitRuns.Key(digits: "4242", exact: true))
    #expect(DigitRuns.key(of: "服务店4242") == DigitRuns.Key(digits: "4242", exact: false))
    #expect(DigitRuns.key(of: "a12b345c6789") == DigitRuns.Key(digits: "345", exact: true))
    #expect(DigitRuns.key(of: "4242号") == nil, "a run that begins the needle may end a longer one")
    #expect(DigitRuns.key(of: "店4") == nil, "two characters: the trigrams' vocabulary answers")
    #expect(DigitRuns.of("店4242号与4242号及0７") == ["4242", "0"])
    try expectIndexesHoldTheRows(node.database)
  }

  @Test("a subject's row removed, or given again with another name, leaves no run of its old name")
  func subjectRowsReplaced() throws {
    let node = try SimulatedNode("n0")
    let first = try lead(on: node, naming: "检测服务店1001号")
    _ = try lead(on: node, naming: "检测服务店1002号")
    /// Removes the subject rows `removed` names and, unless `name` is nil, writes the first
    /// subject's row again under `name` (SQLite gives it the highest rowid plus one), in one
    /// write transaction, as a fold rewrites an object's row.
    func replace(_ removed: String, with name: String?) throws {
      try node.database.writeTransaction { db in
        try db.execute(sql: "CREATE TEMP TABLE copied AS SELECT * FROM p_subjects WHERE rowid = 1")
        defer { try? db.execute(sql: "DROP TABLE temp.copied") }
        try db.execute(sql: "DELETE FROM p_subjects WHERE rowid IN (\(removed))")
        guard let name else { return }
        try db.execute(sql: "UPDATE temp.copied SET name = ?", arguments: [name])
        try db.execute(sql: "INSERT INTO p_subjects SELECT * FROM temp.copied")
      }
    }
    try replace("1", with: "检测服务店2001号")
    try replace("2", with: nil)
    for few in [0, LeadSearch.fewMatches] {
      func found(_ text: String) throws -> [String] {
        try pages(node.database, LeadQuery(text: text), gatheringAtMost: few, walkingFirst: 0)
      }
      #expect(try found("店1001号").isEmpty && found("店1002号").isEmpty, "few \(few)")
      #expect(try found("店2001号") == [first], "few \(few)")
    }
    try expectIndexesHoldTheRows(node.database)
  }

  @Test("a run of digits more names hold than a search tests one by one still finds exactly the names")
  func runsManyNamesHold() throws {
    let node = try SimulatedNode("n0")
    var operations: [DomainOperation] = []
    for index in 0...LeadSearch.digitRunsTried {
      let subject = node.newObjectID()
      operations += [
        DomainOperation(
          objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "于2024年开业的第\(index)店"))),
        DomainOperation(
          objectID: node.newObjectID(),
          action: .createLead(
            LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: "网店出售伪造检测报告"))),
      ]
    }
    for part in stride(from: 0, to: operations.count, by: 500) {
      try node.record(Array(operations[part..<min(part + 500, operations.count)]), audience: .all)
    }
    let named = try lead(on: node, naming: "自2024年起的店")
    for few in [0, LeadSearch.fewMatches] {
      #expect(
        try pages(node.database, LeadQuery(text: "自2024年"), gatheringAtMost: few, walkingFirst: 0) == [named])
      #expect(
        try pages(node.database, LeadQuery(text: "年开业的第1000店"), gatheringAtMost: few, walkingFirst: 0).count
          == 1)
    }
  }

  @Test(
    "a text the newest leads do not hold is found through the index, not by testing each newer lead; leads received out of order keep page order"
  )
  func newestWithoutTheText() throws {
    let writer = try SimulatedNode("n0")
    var holding: [String] = []
    for index in 0..<30 { holding.append(try writer.addLead(summary: "网店出售伪造检测报告 第\(index)件").description) }
    for index in 0..<40 { _ = try writer.addLead(summary: "shop \(index) sells one-day reports") }
    let query = LeadQuery(text: "伪造检测", limit: 5)
    let walked = Mutex<[String]>([])
    try writer.database.read { db in
      db.trace { event in
        guard "\(event)".contains("summary LIKE") else { return }
        walked.withLock { $0.append("\(event)") }
      }
    }
    let first = try writer.database.leadPage(
      LeadFilter(text: query.text), after: nil, limit: query.limit, gatheringAtMost: 20, walkingFirst: 0)
    #expect(first?.map(\.id) == Array(holding.reversed().prefix(5)))
    #expect(walked.withLock { $0 }.isEmpty, "the page walked the leads newer than it")
    #expect(try pages(writer.database, query, gatheringAtMost: 20, walkingFirst: 0) == holding.reversed())

    // A node that received another region's newer leads holding the text before the writer's:
    // their rows come first, their leads first in page order.
    let reader = try SimulatedNode("n1"), other = try SimulatedNode("n2")
    other.clockMillis = writer.clockMillis + 60_000
    var later: [String] = []
    for index in 0..<3 { later.append(try other.addLead(summary: "伪造检测 \(index)").description) }
    try exchange(other, reader)
    try exchange(writer, reader)
    for order in LeadOrder.allCases {
      var ordered = query
      ordered.order = order
      let newestFirst = later.reversed() + holding.reversed()
      #expect(
        try pages(reader.database, ordered, gatheringAtMost: 20, walkingFirst: 0)
          == (order == .newest ? newestFirst : newestFirst.reversed()), "\(order)")
    }
  }

  @Test("leads written in one change page in order by risk and by state, across their equal times")
  func filtersAcrossOneChange() throws {
    let seed = replayableSeed("lead filters")
    var random = SeededGenerator(seed: seed)
    let node = try SimulatedNode("n0")
    // One change, as `lead import` writes up to 500 leads: their times are equal, their IDs order
    // them, which the indexes by risk and by state do not hold.
    try node.record(
      (0..<40).map { index in
        DomainOperation(
          objectID: node.newObjectID(),
          action: .createLead(
            LeadFields(
              violations: [.forgedReport], subjectIDs: [], summary: "线索 \(index)",
              risk: RiskLevel.allCases.randomElement(using: &random)!)))
      }, audience: .all)
    let oldestFirst = try node.store.leads()
    var queries: [LeadQuery] = RiskLevel.allCases.map { risk in
      var query = LeadQuery(limit: 3)
      query.risk = risk
      return query
    }
    var byState = LeadQuery(limit: 3)
    byState.state = try #require(oldestFirst.last).state
    queries.append(byState)
    for var query in queries {
      for order in LeadOrder.allCases {
        query.order = order
        let matching = oldestFirst.filter(query.matches).map(\.id)
        #expect(
          try everyPage(query, of: node) == (order == .oldest ? matching : matching.reversed()),
          "seed \(seed), risk \(String(describing: query.risk)), state \(String(describing: query.state)), \(order)"
        )
      }
    }
  }

  @Test("pages by days in China and in either order hold exactly the leads recorded on those days")
  func daysAndOrder() throws {
    let seed = replayableSeed("lead days")
    var random = SeededGenerator(seed: seed)
    let node = try SimulatedNode("n0")
    // The first at the last millisecond of the day after tomorrow in China (after the node's own
    // first change, signed at the real time); then one every few hours for about ten days.
    let first = CivilDate(chinaDayOf: Date().unixMillis).adding(days: 2)
    var now = Date(timeIntervalSince1970: Double(first.adding(days: 1).chinaStartMillis - 1) / 1000)
    for index in 0..<40 {
      if index > 0 { now += Double(Int.random(in: 1...7, using: &random)) * 3600 + 0.5 }
      _ = try node.app.addLead(
        NewLead(
          subject: SubjectRecord(kind: .shop, name: "某店\(index)"),
          fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: "线索 \(index)"),
          audience: .all),
        by: Officer("li.wei"), now: now)
    }
    let oldestFirst = try node.store.leads()
    for _ in 0..<40 {
      var query = LeadQuery(limit: Int.random(in: 1...9, using: &random))
      if Bool.random(using: &random) {
        query.from = first.adding(days: Int.random(in: -1...10, using: &random))
      }
      if Bool.random(using: &random) {
        query.to = (query.from ?? first).adding(days: Int.random(in: 0...4, using: &random))
      }
      query.order = LeadOrder.allCases.randomElement(using: &random)!
      let matching = oldestFirst.filter(query.matches).map(\.id)
      #expect(
        try everyPage(query, of: node) == (query.order == .oldest ? matching : matching.reversed()),
        "seed \(seed), from \(String(describing: query.from)) to \(String(describing: query.to)), \(query.order)"
      )
    }
    // A lead recorded in the last millisecond of a day in China belongs to that day alone.
    let lastOfDay = try #require(oldestFirst.first).id
    var onTheDay = LeadQuery(limit: 50)
    (onTheDay.from, onTheDay.to) = (first, first)
    #expect(try node.app.leads(onTheDay).items.map(\.id) == [lastOfDay])
    (onTheDay.from, onTheDay.to) = (first.adding(days: 1), nil)
    #expect(try !node.app.leads(onTheDay).items.map(\.id).contains(lastOfDay))
  }

  /// Records a lead about a new subject called `name`; returns the lead's id.
  private func lead(on node: SimulatedNode, naming name: String) throws -> String {
    try node.app.addLead(
      NewLead(
        subject: SubjectRecord(kind: .shop, name: name),
        fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: "网店出售伪造检测报告"),
        audience: .all),
      by: Officer("li.wei"), now: node.tick()
    ).view.id
  }

  /// Asserts that each search index's vocabulary counts, for every trigram, exactly the rows
  /// whose text holds it, and that the subject links are the leads' own: an index that forgot
  /// a removed text, or was told a wrong one, finds leads by texts they no longer hold, which
  /// random searches may not happen to ask for.
  private func expectIndexesHoldTheRows(_ store: NodeStore) throws {
    for (table, column, search) in [
      ("p_leads", "summary", "p_lead_search"), ("p_subjects", "name", "p_subject_search"),
    ] {
      let texts = try store.read { db in
        try String.fetchAll(db, sql: "SELECT lower(\(column)) || char(65535) FROM \(table)")
      }
      // Keyed by scalars: Swift's strings equate "é" and "e\u{301}", the indexes do not.
      var expected: [[UInt32]: Int] = [:]
      for text in texts {
        // SQLite reads U+FFFE and U+FFFF (the end mark among them) as U+FFFD when it tokenizes.
        let scalars = text.unicodeScalars.map { $0.value & 0xFFFF_FFFE == 0xFFFE ? 0xFFFD : $0.value }
        for trigram in Set(scalars.indices.dropLast(2).map { Array(scalars[$0..<($0 + 3)]) }) {
          expected[trigram, default: 0] += 1
        }
      }
      let held = try store.read { db in
        try Row.fetchAll(db, sql: "SELECT term, doc FROM \(search)_terms").reduce(into: [[UInt32]: Int]()) {
          $0[($1["term"] as String).unicodeScalars.map(\.value)] = $1["doc"]
        }
      }
      let differing = Set(held.keys).union(expected.keys).filter { held[$0] != expected[$0] }.map {
        "\($0.map { String($0, radix: 16) }): \(held[$0] ?? 0) held, \(expected[$0] ?? 0) expected"
      }
      #expect(differing.isEmpty, "\(search) against \(table): \(differing)")
    }
    let (links, named) = try store.read { db in
      (
        try Row.fetchAll(db, sql: "SELECT subject_id, lead FROM p_lead_subjects").map {
          "\($0["subject_id"] as String) \($0["lead"] as Int64)"
        },
        try Row.fetchAll(db, sql: "SELECT rowid, subject_ids FROM p_leads").flatMap { row in
          (row["subject_ids"] as String).split(separator: ",").map { "\($0) \(row["rowid"] as Int64)" }
        }
      )
    }
    #expect(Set(links) == Set(named) && links.count == Set(named).count, "p_lead_subjects against p_leads")
    let (runs, names) = try store.read { db in
      (
        try Row.fetchAll(db, sql: "SELECT digits, subject FROM p_subject_digits").map {
          "\($0["digits"] as String) \($0["subject"] as Int64)"
        },
        try Row.fetchAll(db, sql: "SELECT rowid, name FROM p_subjects").flatMap { row in
          (row["name"] as String).unicodeScalars.split { !("0"..."9").contains($0) }.map {
            "\(String(String.UnicodeScalarView($0))) \(row["rowid"] as Int64)"
          }
        }
      )
    }
    #expect(Set(runs) == Set(names) && runs.count == Set(names).count, "p_subject_digits against p_subjects")
  }

  /// Every page of `query` through the application layer, from its first, the ids in order (at
  /// most a little over 40).
  private func everyPage(_ query: LeadQuery, of node: SimulatedNode) throws -> [String] {
    var query = query
    query.cursor = nil
    var paged: [String] = []
    repeat {
      let page = try node.app.leads(query)
      paged += page.items.map(\.id)
      query.cursor = page.nextCursor
    } while query.cursor != nil && paged.count <= 40
    return paged
  }

  /// Every page of `query` from `store`, the ids in order.
  private func pages(
    _ store: NodeStore, _ query: LeadQuery, gatheringAtMost few: Int, walkingFirst quick: Int
  )
    throws -> [String]
  {
    var filter = LeadFilter(risk: query.risk?.rawValue, text: query.text)
    filter.oldestFirst = query.order == .oldest
    var found: [String] = []
    var after: String?
    for _ in 0..<200 {
      let page = try #require(
        try store.leadPage(
          filter, after: after, limit: query.limit, gatheringAtMost: few, walkingFirst: quick))
      found += page.map(\.id)
      guard page.count == query.limit, let last = page.last else { return found }
      after = last.id
    }
    Issue.record("more than 200 pages")
    return found
  }
}
