import Foundation
import LiandongCore
import Testing

@testable import LiandongAPI
@testable import LiandongApp
@testable import LiandongStore

/// `GET /v1/leads` builds its answer field by field (`LeadShapes`), not through our `--json`
/// encoding; the API promises the same JSON as `--json`, so every field must come out the same.
@Suite("The API's leads, built field by field, are the --json shape")
struct LeadShapeTests {
  @Test("random leads, every state, option and enumeration: the same JSON as --json (seed printed)")
  func sameAsJSON() throws {
    let seed = replayableSeed("LeadShapeTests")
    var random = SeededGenerator(seed: seed)
    for round in 0..<300 {
      let lead = Self.lead(&random)
      let built = try JSONEncoder.sorted.encode(try Components.Schemas.Lead(lead))
      let ours = try Transcode.bytes(lead)
      let (builtValue, oursValue) = (
        try JSONSerialization.jsonObject(with: built) as? NSDictionary,
        try JSONSerialization.jsonObject(with: ours) as? NSDictionary
      )
      #expect(
        builtValue == oursValue,
        "seed \(seed), lead \(round):\n\(String(decoding: built, as: UTF8.self))\n\(String(decoding: ours, as: UTF8.self))"
      )
    }
  }

  static func lead(_ random: inout SeededGenerator) -> LeadView {
    func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
    func pick<T: CaseIterable>(_: T.Type) -> T { T.allCases.randomElement(using: &random)! }
    let day = CivilDate(chinaDayOf: UInt64.random(in: 1_700_000_000_000...1_800_000_000_000, using: &random))
    let subjects = (0..<Int.random(in: 0...3, using: &random)).map { index in
      SubjectView(
        id: "s\(index)", origin: "jjj", kind: pick(SubjectKind.self), name: "检测服务店\(index)号",
        uscc: maybe("91310000MA1FL8XQ30"), registeredDivision: maybe("310115"),
        businessDivision: maybe("110105"),
        platform: maybe("某电商平台"), shopID: maybe("100\(index)"), url: maybe("https://shop.example/\(index)"),
        audience: "yrd")
    }
    let handling = (0..<Int.random(in: 0...2, using: &random)).map { index in
      HandlingView(
        bureau: ["yrd", "prd"][index], state: pick(LeadState.self), acknowledgedOn: maybe(day),
        extended: maybe("2026-12-01"), outcome: maybe(pick(LeadOutcome.self)),
        caseReference: "沪市监案〔2026〕\(index)号",
        note: "note \u{202E} <b>", updatedOn: day)
    }
    return LeadView(
      id: UUID().uuidString.lowercased(), origin: "jjj", owner: "yrd", state: pick(LeadState.self),
      source: pick(LeadSource.self),
      violations: (0..<Int.random(in: 0...3, using: &random)).map { _ in pick(Violation.self) },
      subjects: subjects, productCategory: "电子产品", summary: "出售伪造的检验检测报告 \"quoted\" \\ /",
      risk: pick(RiskLevel.self), sourceReliability: pick(SourceReliability.self),
      informationReliability: Int.random(in: 1...6, using: &random),
      reporterRealName: Bool.random(using: &random),
      createdBy: "li.wei", created: "2026-12-03T08:00:00.123Z", updated: "2026-12-03T09:00:00Z",
      audience: "yrd,prd",
      handOff: maybe(
        HandOffView(
          from: "jjj", to: "yrd", state: pick(HandOffState.self), letter: "移送函", evidence: ["e1", "e2"],
          reason: maybe("不属本局管辖"), offeredOn: day, decidedOn: maybe(day), designatedBy: maybe("samr"))),
      receivedByHandOff: Bool.random(using: &random), handling: handling, mergedInto: maybe("abc"),
      withdrawalNote: maybe("重复"),
      dispute: maybe(DisputeView(owner: "jjj", claimant: "yrd", reason: "先立案", since: day)),
      handOffHead: maybe("c:0"))
  }
}
