import Foundation
import Testing

@testable import LiandongStore

/// A hub finds a text through the keys its index holds for each summary and name: a text that
/// holds a needle must hold every key the needle asks for, or a search misses it.
struct SearchKeysTests {
  /// Characters a text is made of: ASCII letters (both cases), digits, LIKE's wildcards, Chinese,
  /// a character outside the BMP and a noncharacter (which the search folds to U+FFFD).
  static let alphabet: [Unicode.Scalar] =
    Array("aAbZ3C0%_ -检测伪造旗舰😀".unicodeScalars) + ["\u{FFFE}", "\u{FFFD}"]

  @Test(
    "every text holding a needle of two characters or more holds what the needle asks for; two characters ask exactly"
  )
  func textsHoldingANeedleHoldItsKeys() {
    let seed = replayableSeed("SearchKeysTests.textsHoldingANeedleHoldItsKeys")
    var random = SeededGenerator(seed: seed)
    for _ in 0..<3_000 {
      let text = String(
        String.UnicodeScalarView(
          (0..<Int.random(in: 0...12, using: &random)).map { _ in
            Self.alphabet.randomElement(using: &random)!
          }))
      let keys = Set(SearchKeys.keys(of: text))
      let folded = Array(text.unicodeScalars.map(LeadFilter.folded))
      var needles = Set<String>()
      for length in 1...4 where folded.count >= length {
        for start in 0...(folded.count - length) {
          needles.insert(String(String.UnicodeScalarView(folded[start..<start + length])))
        }
      }
      // Needles the text may not hold, as well.
      for _ in 0..<4 {
        needles.insert(
          String(
            String.UnicodeScalarView(
              (0..<2).map { _ in LeadFilter.folded(Self.alphabet.randomElement(using: &random)!) })
          ))
      }
      for needle in needles {
        // As the server's LIKE compares (`PostgresSchema.searchable`): folded, not trimmed.
        let wanted = Array(needle.unicodeScalars)
        let holds =
          wanted.count <= folded.count
          && (0...(folded.count - wanted.count)).contains {
            folded[$0..<$0 + wanted.count].elementsEqual(wanted)
          }
        guard let lookup = SearchKeys.lookup(needle) else {
          #expect(needle.unicodeScalars.count == 1, "only one character has no keys to ask for")
          continue
        }
        let asked =
          switch lookup {
          case .all(let wanted): wanted.allSatisfy(keys.contains)
          case .any(let wanted): wanted.contains(where: keys.contains)
          }
        if holds {
          #expect(
            asked, "\(text.debugDescription) holds \(needle.debugDescription) but not its keys; seed \(seed)")
        } else if SearchKeys.isExact(needle) {
          #expect(
            !asked,
            "\(text.debugDescription) lacks \(needle.debugDescription) yet holds its keys; seed \(seed)")
        }
      }
    }
  }

  @Test("a text has one key for each two neighbouring characters; an ASCII pair's key tells what follows it")
  func oneKeyAPosition() throws {
    #expect(SearchKeys.keys(of: "").isEmpty && SearchKeys.keys(of: "x").isEmpty)
    #expect(SearchKeys.keys(of: "检测报告").count == 3)
    // "ab" followed by "c", by a Chinese character and by the text's end: three keys for one
    // pair, and one for "bc", one for "b检".
    #expect(
      Set(SearchKeys.keys(of: "abc") + SearchKeys.keys(of: "ab检") + SearchKeys.keys(of: "ab")).count == 5)
    #expect(SearchKeys.keys(of: "AB") == SearchKeys.keys(of: "ab"), "folded as a search folds")
    // A needle's last ASCII pair asks for nothing: a text may go on after it with anything.
    guard case .all(let asked) = try #require(SearchKeys.lookup("检ab")) else {
      Issue.record("three characters are looked up by all their keys")
      return
    }
    #expect(asked.count == 1)
  }
}
