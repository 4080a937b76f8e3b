import Foundation
import LiandongCore
import Testing

@testable import LiandongApp
@testable import LiandongStore

/// A campaign report reads only the leads and requests its node touched on the report's days
/// (`leads(touchedBy:on:)`, `requests(madeOf:changedOn:)`), not every one the node holds; as a
/// property, over the convergence test's random workload spread across several China days,
/// every report must be exactly the one all leads and requests give.
@Suite("Reports over a range of days")
struct ReportRangeTests {
  @Test("a report from the leads and requests touched on its days equals the one from all of them")
  func sameAsFromEverything() throws {
    var compared = 0
    var counted = 0
    var leftOut = 0
    for seed in (0..<UInt64(4)).map({ 0x0FE5_0000 + $0 }) {
      var random = SeededGenerator(seed: seed)
      let failure = "seed \(seed)"
      // Two hours before a China midnight inside the simulation certificates' validity, so that
      // acts fall on both sides of each day's edge as the clocks move on.
      let start = CivilDate(chinaDayOf: TestFederation.simulationEpochMillis).chinaStartMillis - 2 * 3_600_000
      let nodes = try (0..<3).map {
        try SimulatedNode(
          "n\($0)", federation: .simulation, clockMillis: UInt64(start),
          objectIDSeed: seed &* 31 &+ UInt64($0))
      }
      try SimulatedNode.acquaint(nodes)
      for step in 0..<90 {
        if step % 15 == 14 {
          // Every clock moves on together (a peer far ahead would be held back), by up to a day.
          let hours = UInt64.random(in: 1...20, using: &random) * 3_600_000
          for node in nodes { node.clockMillis += hours }
        }
        let node = nodes.randomElement(using: &random)!
        node.clockMillis += UInt64.random(in: 1...50, using: &random)
        if Bool.random(using: &random) {
          try actRandomly(node, among: nodes, using: &random)
        } else {
          try actCounted(node, among: nodes, using: &random)
        }
        let source = nodes.randomElement(using: &random)!
        let destination = nodes.randomElement(using: &random)!
        try destination.receive(try source.store.changes(after: [:]).map(destination.view))
      }
      let first = CivilDate(chinaDayOf: UInt64(start))
      let last = CivilDate(chinaDayOf: nodes.map(\.clockMillis).max()!)
      let days = (0...(last.daysSinceEpoch - first.daysSinceEpoch + 1)).map { first.adding(days: $0 - 1) }
      let encoder = JSONEncoder()
      encoder.outputFormatting = .sortedKeys
      for node in nodes {
        let all = try node.store.leads()
        let requests = try node.store.requests()
        // Each single day, from the day before the first act to the day after the last, and
        // every span of two days or more among them.
        for (index, from) in days.enumerated() {
          for to in days[index...] {
            let fromAll = CampaignReport.compute(
              node: node.id.rawValue, leads: all, requests: requests, from: from, to: to)
            let report = try node.app.campaignReport(from: from, to: to)
            #expect(
              try encoder.encode(report) == encoder.encode(fromAll),
              "\(failure) on \(node.id), \(from) to \(to)")
            compared += 1
            counted += report.rows.compactMap(\.value).reduce(0, +)
            leftOut += all.count - (try node.store.leads(touchedBy: node.id.rawValue, on: from...to)).count
          }
        }
      }
    }
    print(
      "report ranges: seeds 0x0FE50000-3, \(compared) reports compared, \(counted) counted, \(leftOut) leads left out"
    )
    // Not vacuous: the reports counted something, and the ranges left leads out.
    #expect(counted > 0 && leftOut > 0, "counted \(counted), left out \(leftOut)")
  }

  /// One act of the kinds a report counts, by `node`, most of them allowed: a lead on a shop or
  /// laboratory on a platform, sent to other bureaus by name; a lead sent here acknowledged, or
  /// one acknowledged here decided (a case opened, transferred or not opened); a request to
  /// verify a registration, or the next step of one made of this node, up to its completion.
  private func actCounted(
    _ node: SimulatedNode, among nodes: [SimulatedNode], using random: inout SeededGenerator
  )
    throws
  {
    let app = node.app
    let officer = Officer("officer-2")
    let others = nodes.filter { $0 !== node }
    switch Int.random(in: 0..<4, using: &random) {
    case 0:
      let kind: SubjectKind = Bool.random(using: &random) ? .shop : .laboratory
      let platform = ["平台甲", "平台乙", "平台丙"].randomElement(using: &random)!
      let violation: Violation = Bool.random(using: &random) ? .forgedReport : .falseAdvertising
      _ = try app.addLead(
        NewLead(
          subject: SubjectRecord(
            kind: kind, name: "店\(node.clockMillis)", platform: platform, shopID: "\(node.clockMillis)"),
          fields: LeadFields(violations: [violation], subjectIDs: [], summary: "report by \(node.id)"),
          audience: .nodes(Set(others.filter { _ in Bool.random(using: &random) }.map(\.id) + [others[0].id]))
        ),
        by: officer, now: node.tick())
    case 1:
      let leads = try node.store.leads()
      let step: LeadAct
      let target: LeadView?
      if Bool.random(using: &random) {
        target = leads.filter { $0.awaitsAcknowledgement(by: node.id) }.randomElement(using: &random)
        step = .acknowledge
      } else {
        target = leads.filter { lead in
          lead.handling.contains {
            $0.bureau == node.id.rawValue && [.acknowledged, .checking].contains($0.state)
          }
        }.randomElement(using: &random)
        step = [
          LeadAct.decide(outcome: .caseOpened, caseReference: "案\(node.clockMillis)", note: ""),
          .decide(outcome: .transferred, caseReference: "", note: "to police"),
          .decide(outcome: .notOpened, caseReference: "", note: "n"),
        ].randomElement(using: &random)!
      }
      guard let target else { return }
      _ = try? app.act(on: try ObjectID(target.id), step, by: officer, now: node.tick())
    case 2:
      let record = AssistanceRequestRecord(
        requested: others.randomElement(using: &random)!.id, caseReference: "京市监案〔2025〕3号",
        legalBasis: "Penalty Procedure Rules, Art. 45", tasks: [.verifyRegistration])
      _ = try app.sendRequest(record, by: officer, now: node.tick())
    default:
      let mine = try node.store.requests().filter { $0.requested == node.id.rawValue }
      guard let target = mine.randomElement(using: &random) else { return }
      let step: RequestAct =
        switch target.state {
        case .sent: .acknowledge
        case .acknowledged: .accept
        default: .complete(findings: "registered", evidenceIDs: [])
        }
      _ = try? app.act(onRequest: try ObjectID(target.id), step, by: officer, now: node.tick())
    }
  }
}
