import Foundation

/// The keys a hub's search index holds for a summary or a subject's name (schema v15), made by
/// the writer: one for each two neighbouring characters. Where either is not ASCII, the key is
/// the pair itself (two code points side by side, 21 bits each); Chinese pairs are rare enough to
/// narrow a search alone. Where both are ASCII, whose pairs most Latin texts share, the key also
/// holds the character after them (or that it is not ASCII, or that the text ends there), as a
/// trigram would. One index of one key a position replaced pg_trgm's trigram index and the pair
/// index (two keys a position, the trigrams made and folded by the server), which were most of
/// what a lead cost a hub to write (BENCHMARKS.md, B12).
///
/// Every text holding a needle holds the needle's keys (`lookup`), so the index names a superset
/// of the holders, and a search checks each by `LIKE`; for two characters the keys are exact.
package enum SearchKeys {
  /// The column of `column`'s keys (`p_leads.summary` → `p_leads.summary_keys`).
  static func column(_ column: String) -> String { column + "_keys" }

  /// What the index is asked for a needle (folded already, `LeadFilter.folded`).
  enum Lookup: Equatable {
    /// Rows holding every key hold the needle, or (longer than two characters) may.
    case all([Int64])
    /// Two ASCII characters: a row holds them exactly when it holds one of these keys (the pair
    /// followed by any character, or ending the text).
    case any([Int64])
  }

  /// How the index finds texts holding `needle`; nil for one character (every text's keys would
  /// have to be read).
  static func lookup(_ needle: String) -> Lookup? {
    let scalars = needle.unicodeScalars.map { $0.value }
    guard scalars.count >= 2 else { return nil }
    if scalars.count == 2, scalars.allSatisfy(isASCII) {
      return .any((0...UInt32(textEnds)).map { asciiKey(scalars[0], scalars[1], $0) })
    }
    // The last two characters' key, when both are ASCII, depends on what follows the needle.
    return .all(sortedUnique(keys(scalars, knownEnd: false)))
  }

  /// Whether `lookup`'s rows are exactly the texts holding the needle.
  static func isExact(_ needle: String) -> Bool { needle.unicodeScalars.count == 2 }

  /// `text`'s keys as PostgreSQL writes an array of them (`{k1,k2,…}`), each once, ascending,
  /// with the text folded as a search folds it (`PostgresSchema.searchable`).
  static func literal(of text: String) -> String { literal(keys(of: text)) }

  /// `literal(of:)`'s keys as integers.
  static func keys(of text: String) -> [Int64] {
    // Each character as `lower` in collation "C" and the `replace`s of
    // `PostgresSchema.searchable` fold it, which is how a search folds its text; not trimmed.
    let scalars = text.unicodeScalars.map { LeadFilter.folded($0).value }
    return sortedUnique(keys(scalars, knownEnd: true))
  }

  /// An array literal of `keys`, for a `bigint[]` parameter.
  static func literal(_ keys: [Int64]) -> String { "{" + keys.map(String.init).joined(separator: ",") + "}" }

  /// The same keys made on the server from `column` (or any expression of a row's text), for rows
  /// written there (a migration's, or a benchmark's generated leads). `ascii` gives a character's
  /// code point in a UTF-8 database. The text is split into its characters once and each is
  /// paired with the next two by `lead`: taking them by `substr` from the text's start read it
  /// again for every character, twice as slow over a hub's rows (BENCHMARKS.md, B12, "One search
  /// key a position").
  package static func sql(_ column: String) -> String {
    """
    ARRAY(SELECT DISTINCT CASE WHEN this_code < 128 AND next_code < 128
        THEN \(asciiTag) | (this_code << 16) | (next_code << 8)
          | CASE WHEN after_code IS NULL THEN \(textEnds) WHEN after_code < 128 THEN after_code ELSE \(notASCII) END
        ELSE (this_code << 21) | next_code END
      FROM (SELECT ascii(scalar)::bigint AS this_code, lead(ascii(scalar)::bigint) OVER in_order AS next_code,
          lead(ascii(scalar)::bigint, 2) OVER in_order AS after_code
        FROM unnest(string_to_array(\(PostgresSchema.searchable(column)), NULL)) WITH ORDINALITY AS scalars(scalar, place)
        WINDOW in_order AS (ORDER BY place)) AS neighbours
      WHERE next_code IS NOT NULL ORDER BY 1)
    """
  }

  /// Each position's key, in the text's order. `knownEnd`: the text ends at its last character,
  /// so a last ASCII pair's key says so; a needle's last ASCII pair has none, since a text
  /// holding the needle may go on after it.
  private static func keys(_ scalars: [UInt32], knownEnd: Bool) -> [Int64] {
    guard scalars.count >= 2 else { return [] }
    var keys: [Int64] = []
    keys.reserveCapacity(scalars.count - 1)
    for at in 0..<(scalars.count - 1) {
      let (first, second) = (scalars[at], scalars[at + 1])
      guard isASCII(first), isASCII(second) else {
        keys.append(Int64(first) << 21 | Int64(second))
        continue
      }
      if at + 2 < scalars.count {
        keys.append(asciiKey(first, second, isASCII(scalars[at + 2]) ? scalars[at + 2] : notASCII))
      } else if knownEnd {
        keys.append(asciiKey(first, second, textEnds))
      }
    }
    return keys
  }

  private static func sortedUnique(_ keys: [Int64]) -> [Int64] {
    var kept: [Int64] = []
    kept.reserveCapacity(keys.count)
    for key in keys.sorted() where kept.last != key { kept.append(key) }
    return kept
  }

  private static func isASCII(_ value: UInt32) -> Bool { value < 128 }

  /// Two ASCII characters and what follows them; the tag keeps these apart from pairs, which
  /// stay below 2^42.
  private static func asciiKey(_ first: UInt32, _ second: UInt32, _ next: UInt32) -> Int64 {
    asciiTag | Int64(first) << 16 | Int64(second) << 8 | Int64(next)
  }
  private static let asciiTag: Int64 = 1 << 62
  /// What follows an ASCII pair when it is not ASCII, or when the text ends there.
  private static let notASCII: UInt32 = 128
  private static let textEnds: UInt32 = 129
}
