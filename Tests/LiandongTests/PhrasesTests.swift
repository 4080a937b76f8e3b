import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore
import Testing

@testable import LiandongConsole

/// A phrase a page names but the table lacks would render as nothing (Mustache) or as its key.
@Suite("Every phrase the console shows exists in Chinese and English")
struct PhrasesTests {
  static func files(_ folder: String, ending suffix: String) throws -> [String] {
    let root = repositoryRoot.appendingPathComponent(folder)
    return try (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
      .filter { $0.hasSuffix(suffix) }.map {
        try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)
      }
  }

  static func matches(_ pattern: String, in texts: [String]) -> Set<String> {
    let expression = try! NSRegularExpression(pattern: pattern)
    return Set(
      texts.flatMap { text in
        expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
          String(text[Range($0.range(at: 1), in: text)!])
        }
      })
  }

  @Test("the templates' {{t.key}} and the code's phrase(\"key\") all name a phrase of the table")
  func everyPhraseExists() throws {
    let templates = try Self.files("Sources/LiandongConsole/Assets", ending: ".mustache")
    let code = try Self.files("Sources/LiandongConsole", ending: ".swift")
    let named = Self.matches(#"\{\{[#^/]?t\.([A-Za-z]+)\}\}"#, in: templates)
      .union(Self.matches(#"phrase\("([A-Za-z]+)"\)"#, in: code))
      .union(Self.matches(#"label: "([A-Za-z]+)""#, in: code))
    #expect(named.count > 40, "the scan found the phrases: \(named.sorted())")
    #expect(named.subtracting(Phrases.table.keys).sorted() == [])
    // Every act a page can offer has a name in both languages.
    for act in ["acknowledge", "check", "decide", "extend", "close", "withdraw", "merge"]
      + ["accept", "complete", "complete-partly", "decline", "cancel"]
    {
      #expect(Phrases.table["act:\(act)"] != nil, "act \(act)")
    }
    // Every figure of the campaign report has its name in both languages.
    let report = CampaignReport.compute(
      node: "jjj", leads: [], requests: [], from: try CivilDate("2026-01-01"), to: try CivilDate("2026-12-31")
    )
    for row in report.rows { #expect(Phrases.table["report:\(row.item)"] != nil, "report row \(row.item)") }
    #expect(Phrases.table.values.allSatisfy { !$0.zh.isEmpty && !$0.en.isEmpty })
  }

  @Test(
    "every Chinese remedy the console shows belongs to a code of the error catalogue, and every category has a heading"
  )
  func errorPhrasesName() {
    let unknown = ErrorPhrases.remedies.keys.filter { ErrorCatalogue.entry(for: $0) == nil }.sorted()
    #expect(unknown == [], "remedies for codes the catalogue lacks: \(unknown)")
    #expect(ErrorCategory.allCases.allSatisfy { !ErrorPhrases.heading($0).isEmpty })
  }
}
