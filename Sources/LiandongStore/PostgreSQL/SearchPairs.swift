import Foundation

/// The pairs of neighbouring characters a hub's pair indexes hold for a summary or a subject's
/// name (schema v12), made by the writer rather than by the server. pg_trgm finds no trigram in
/// a text of two characters, so without them a search for one (most Chinese words have two)
/// reads every lead. Each pair is one integer, the two code points side by side (21 bits each),
/// so the index compares integers: made on the server by an indexed expression, as text, they
/// cost each row written about twice what these do (BENCHMARKS.md, B12).
package enum SearchPairs {
  /// The column of `column`'s pairs (`p_leads.summary` → `p_leads.summary_pairs`).
  static func column(_ column: String) -> String { column + "_pairs" }

  /// The pair a needle of exactly two characters (folded already, `LeadFilter.folded`) is;
  /// nil for any other length.
  static func key(_ needle: String) -> Int64? {
    let scalars = Array(needle.unicodeScalars)
    guard scalars.count == 2 else { return nil }
    return key(scalars[0], scalars[1])
  }

  /// `text`'s pairs as PostgreSQL writes an array of them (`{k1,k2,…}`), each once, ascending,
  /// with the text folded as a search folds it (`PostgresSchema.searchable`).
  static func literal(of text: String) -> String {
    "{" + keys(of: text).map(String.init).joined(separator: ",") + "}"
  }

  /// `literal(of:)`'s pairs as integers.
  static func keys(of text: String) -> [Int64] {
    // Each character as `lower` in collation "C" and the `replace`s of
    // `PostgresSchema.searchable` fold it, which is how a search folds its text; not trimmed.
    let scalars = text.unicodeScalars.map(LeadFilter.folded)
    guard scalars.count > 1 else { return [] }
    var kept: [Int64] = []
    kept.reserveCapacity(scalars.count - 1)
    for pair in (1..<scalars.count).map({ key(scalars[$0 - 1], scalars[$0]) }).sorted()
    where kept.last != pair {
      kept.append(pair)
    }
    return kept
  }

  /// The same pairs made on the server from `column` (or any expression of a row's text), for
  /// rows written there (a migration's, or a benchmark's generated leads). `ascii` gives a
  /// character's code point in a UTF-8 database.
  package static func sql(_ column: String) -> String {
    """
    ARRAY(SELECT DISTINCT (ascii(substr(folded.text, i, 1))::bigint << 21) | ascii(substr(folded.text, i + 1, 1))
      FROM (SELECT \(PostgresSchema.searchable(column)) AS text) AS folded,
        generate_series(1, length(folded.text) - 1) AS i ORDER BY 1)
    """
  }

  private static func key(_ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Int64 {
    Int64(first.value) << 21 | Int64(second.value)
  }
}
