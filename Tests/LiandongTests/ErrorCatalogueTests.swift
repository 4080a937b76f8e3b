import Foundation
import LiandongApp
import LiandongErrors
import Testing

/// The table of error codes is the one place a code is defined: these tests keep the sources,
/// the table, `Protocol/ERRORS.md` and the tests in step.
@Suite("Error codes: one table, every code in it, every code tested")
struct ErrorCatalogueTests {
  /// Codes that no test provokes yet (and are not internal-only). The list may only shrink: a
  /// test that starts asserting one of them makes `untestedListIsTrue` fail until it is removed.
  static let untested: Set<String> = []

  static func swiftFiles(under folder: String) throws -> [(path: String, text: String)] {
    let root = repositoryRoot.appendingPathComponent(folder)
    let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
    return try paths.filter { $0.hasSuffix(".swift") }.map {
      ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8))
    }
  }

  /// Every string literal shaped like a code (`namespace.name`), less file names and logger labels.
  static func codeLiterals(in text: String) -> Set<String> {
    let pattern = try! NSRegularExpression(pattern: #""([a-z]+(?:\.[a-z0-9-]+)+)""#)
    let notCodes: Set<String> = [
      "pem", "key", "json", "sqlite", "sh", "txt", "sig", "bin", "csv", "next", "v1", "css", "js",
    ]
    let range = NSRange(text.startIndex..., in: text)
    return Set(
      pattern.matches(in: text, range: range).compactMap { match -> String? in
        let literal = String(text[Range(match.range(at: 1), in: text)!])
        let last = String(literal.split(separator: ".").last!)
        if notCodes.contains(last) || literal.hasPrefix("liandong.") { return nil }
        return literal
      })
  }

  static var sourceCodes: Set<String> {
    get throws {
      try swiftFiles(under: "Sources").filter {
        // The tests' and benchmarks' helpers (`LiandongTesting`) raise nothing a user sees.
        !$0.path.hasPrefix("LiandongWire/") && !$0.path.hasPrefix("LiandongErrors/ErrorCatalogue")
          && !$0.path.hasPrefix("LiandongTesting/")
      }.reduce(into: Set<String>()) { $0.formUnion(codeLiterals(in: $1.text)) }
    }
  }

  static let catalogued = Set(ErrorCatalogue.entries.map(\.code))

  @Test("every code the sources raise is in the table, and every code in the table is raised")
  func sourcesAndTableAgree() throws {
    let raised = try Self.sourceCodes
    #expect(raised.subtracting(Self.catalogued).sorted() == [], "raised but not in ErrorCatalogue")
    #expect(Self.catalogued.subtracting(raised).sorted() == [], "in ErrorCatalogue but raised nowhere")
    #expect(ErrorCatalogue.entries.count == Self.catalogued.count, "a code is listed twice")
  }

  @Test("Protocol/ERRORS.md is the table as 'liandong errors --markdown' prints it")
  func documentMatches() throws {
    let committed = try String(
      contentsOf: repositoryRoot.appendingPathComponent("Protocol/ERRORS.md"), encoding: .utf8)
    #expect(committed == ErrorCatalogue.markdown(), "run scripts/generate-error-table")
    let printed = try run(liandongBinary.path, ["errors", "--markdown"])
    #expect(printed.status == 0 && printed.stdout == committed)
  }

  @Test("every code that can be provoked is asserted by a test, or listed as untested")
  func everyCodeTested() throws {
    let tests = try Self.swiftFiles(under: "Tests").filter { !$0.path.hasSuffix("ErrorCatalogueTests.swift") }
      .map(\.text).joined()
    let provokable = ErrorCatalogue.entries.filter { !$0.internalOnly }.map(\.code)
    let asserted = { (code: String) in tests.contains("\"\(code)\"") || tests.contains("\"local.\(code)\"") }
    let missing = provokable.filter { !asserted($0) && !Self.untested.contains($0) }
    #expect(missing == [], "no test asserts these codes: add one, or mark the code internal-only")
    let nowTested = Self.untested.filter(asserted)
    #expect(nowTested.sorted() == [], "tested now: remove from ErrorCatalogueTests.untested")
    #expect(Self.untested.isSubset(of: Self.catalogued), "untested names a code the table lacks")
  }

  @Test("each category has its own exit status, none of them 0 or ArgumentParser's 64")
  func categoriesAreDistinct() {
    let statuses = ErrorCategory.allCases.map(\.exitStatus)
    #expect(Set(statuses).count == statuses.count)
    #expect(!statuses.contains(0) && !statuses.contains(64))
    #expect(Set(ErrorCategory.allCases.map(\.httpStatus)).count == ErrorCategory.allCases.count)
  }

  @Test("a refusal of the node's own change takes the refusal's category")
  func localRefusals() {
    #expect(ErrorCatalogue.entry(for: "local.change.signer-not-trusted")?.category == .forbidden)
    #expect(ErrorCatalogue.entry(for: "local.nothing") == nil)
  }
}
